from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import FunctionInfo, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.injection._taint import (
    Flow,
    is_source_attribute,
    safe_annotation,
)

# Calls that always hand their command string to /bin/sh.
ALWAYS_SHELL = {
    "os.system": "command",
    "os.popen": "cmd",
    "subprocess.getoutput": "cmd",
    "subprocess.getstatusoutput": "cmd",
    "asyncio.create_subprocess_shell": "cmd",
    "commands.getoutput": "cmd",
    "commands.getstatusoutput": "cmd",
}
# Calls that use the shell only with `shell=True`.
SHELL_OPTIONAL = frozenset({
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen",
})
EXEC_CALLS = frozenset({
    "asyncio.create_subprocess_exec", "os.execv", "os.execvp", "os.execve", "os.execvpe",
    "os.execl", "os.execlp", "os.execle", "os.execlpe",
})
WATCHED = frozenset(ALWAYS_SHELL) | SHELL_OPTIONAL | EXEC_CALLS
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "fish"})
SHELL_FLAG = re.compile(r"^-[a-z]*c$")
QUOTERS = frozenset({"shlex.quote", "pipes.quote", "shlex.join", "quote", "escape_shell_arg"})
STRING_BUILDS = (ast.JoinedStr, ast.BinOp, ast.Call)


class CommandInjection(Rule):
    id = "command-injection"
    title = "Shell command built from run-time values"
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    category = Category.SECURITY
    cwe = 78
    languages = ("python",)
    skip_roles = ("test",)
    rationale = (
        "The shell parses the whole string, so a value spliced into it with an f-string, `%`, "
        "`.format()` or `+` can add `; rm -rf /`, `$(...)` or a pipe and run any command "
        "with the service's privileges."
    )
    fix = (
        "Pass an argument list without `shell=True` (`subprocess.run([\"tar\", \"-xf\", path])`);"
        " if a shell is unavoidable, quote every value with `shlex.quote()`."
    )
    example = Example(
        before='subprocess.run(f"convert {upload} out.png", shell=True)',
        after='subprocess.run(["convert", upload, "out.png"], check=True)',
    )
    references = (
        "https://owasp.org/www-community/attacks/Command_Injection",
        "https://docs.python.org/3/library/subprocess.html#security-considerations",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        flows: dict[int, Flow] = {}
        for call in module.calls:
            if call.name not in WATCHED:
                continue
            key = id(call.function)
            if key not in flows:
                flows[key] = _flow(module, call.function)
            flow = flows[key]
            line = call.node.lineno
            problem = None
            command = _shell_command(call)
            if command is not None and _dangerous(flow, command, line, depth=4):
                problem = (f"`{call.name}()` runs a shell command built from run-time values "
                           f"(`{_short(module.code(command))}`); a crafted value can run "
                           "arbitrary commands. Pass an argument list without a shell, or "
                           "`shlex.quote()` every value.")
            argv = _argv(flow, call, line) if problem is None else None
            if argv:
                script = _shell_script(argv)
                if script is not None and _dangerous(flow, script, line, depth=4):
                    problem = (f"`{call.name}()` runs `{_literal(argv[0])} -c` with a script "
                               f"built from run-time values (`{_short(module.code(script))}`); "
                               "a crafted value can run arbitrary commands.")
                elif call.function is not None:
                    program = argv[0]
                    if _leading_value_tainted(flow.request_flow, program, line):
                        problem = (f"`{call.name}()` runs a program chosen by the request "
                                   f"(`{_short(module.code(program))}`): the client decides "
                                   "what executes. Map the request to a fixed command instead.")
            if problem is None:
                continue
            yield Match(
                rule_id=self.id,
                line=line,
                end_line=call.node.end_lineno or line,
                message=problem,
                code=module.code(call.node),
                scope=call.scope,
            )


def _shell_command(call) -> ast.expr | None:
    if call.name in ALWAYS_SHELL:
        return call.argument(0, ALWAYS_SHELL[call.name])
    if call.name in SHELL_OPTIONAL:
        shell = call.keyword("shell")
        if shell is None or not (isinstance(shell.value, ast.Constant) and shell.value.value):
            return None
        command = call.argument(0, "args")
        if isinstance(command, ast.List | ast.Tuple):
            return command.elts[0] if command.elts else None
        return command
    return None


def _argv(flow: Flow, call, line: int) -> list[ast.expr] | None:
    """The program and its arguments of an exec-style call, as far as the code shows them."""
    if call.name in EXEC_CALLS:
        if call.name == "asyncio.create_subprocess_exec" or call.name.startswith("os.execl"):
            return [a for a in call.node.args if not isinstance(a, ast.Starred)] or None
        program = call.argument(0, "path")
        args = call.argument(1, "args")
        listed = _listed(flow, args, line) if args is not None else None
        return [program, *(listed or [])[1:]] if program is not None else None
    if call.name in SHELL_OPTIONAL:
        command = call.argument(0, "args")
        if command is None:
            return None
        return _listed(flow, command, line) or [command]
    return None


def _listed(flow: Flow, node: ast.expr, line: int) -> list[ast.expr] | None:
    if isinstance(node, ast.List | ast.Tuple):
        return list(node.elts)
    if isinstance(node, ast.Name):
        bindings = [b for b in flow.bindings.get(node.id, ()) if b.line <= line]
        if len(bindings) == 1 and isinstance(bindings[0].value, ast.List | ast.Tuple):
            return list(bindings[0].value.elts)
    return None


def _shell_script(argv: list[ast.expr]) -> ast.expr | None:
    """`["bash", "-c", script]`: the script a shell is told to run."""
    if len(argv) < 3:
        return None
    program, flag = _literal(argv[0]), _literal(argv[1])
    if program.rsplit("/", 1)[-1] in SHELLS and SHELL_FLAG.match(flag):
        return argv[2]
    return None


def _literal(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def _leading_value_tainted(flow: Flow, node: ast.expr, line: int) -> bool:
    """Request data decides the program: the whole value, or the start of a built string."""
    while isinstance(node, ast.JoinedStr | ast.BinOp):
        if isinstance(node, ast.JoinedStr):
            if not node.values:
                return False
            first = node.values[0]
            node = first.value if isinstance(first, ast.FormattedValue) else first
        elif isinstance(node.op, ast.Add):
            node = node.left
        else:
            return False
    if isinstance(node, ast.Constant):
        return False
    return flow.tainted(node, line)


def _flow(module: PythonModule, function: FunctionInfo | None) -> Flow:
    sources: set[str] = set()
    if function is not None:
        args = function.node.args
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            if arg.arg in ("self", "cls"):
                continue
            if arg.annotation is not None and safe_annotation(arg.annotation):
                continue
            sources.add(arg.arg)
        for arg in (args.vararg, args.kwarg):
            if arg is not None:
                sources.add(arg.arg)
    return Flow(module, function, sources=sources, sanitizers=QUOTERS, propagate_calls=True,
                extra_source=lambda node: _process_input(module, node))


def _process_input(module: PythonModule, node: ast.expr) -> bool:
    """Command-line arguments and stdin are outside input too."""
    if isinstance(node, ast.Attribute) and node.attr == "argv":
        return module.resolve(node) == "sys.argv"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id == "input" and "input" not in module.aliases
    return False


def _dangerous(flow: Flow, command: ast.expr, line: int, depth: int) -> bool:
    """A command string assembled from outside values, or such a value passed whole."""
    match command:
        case ast.JoinedStr() | ast.BinOp():
            return flow.tainted(command, line)
        case ast.Call(func=ast.Attribute(attr="format" | "join")):
            return flow.tainted(command, line)
        case ast.IfExp(body=body, orelse=orelse):
            return _dangerous(flow, body, line, depth) or _dangerous(flow, orelse, line, depth)
        case ast.Name(id=name) if depth > 0:
            live, bindings = flow.name_state(name, line)
            if live:
                return True
            return any(_dangerous(flow, b.value, b.line - 1, depth - 1) for b in bindings)
        case ast.Subscript() | ast.Attribute():
            # Raw request data as the whole command: `os.system(request.args["cmd"])`.
            return _request_value(flow, command)
    return False


def _request_value(flow: Flow, node: ast.expr) -> bool:
    if flow.function is not None:
        return flow.request_flow.tainted(node, node.lineno)
    while isinstance(node, ast.Subscript):
        node = node.value
    return is_source_attribute(flow.module, node) or _process_input(flow.module, node)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
