from __future__ import annotations

import ast
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule, dotted_name
from reviewer.rules.base import Example, Rule

# Modules that make a file a command-line program, a build or a task script: printing to
# the terminal is their job.
CLI_MODULES = ("argparse", "optparse", "click", "typer", "fire", "docopt", "cleo", "rich_click",
               "django.core.management", "setuptools", "distutils", "nox", "invoke", "fabric")
STANDARD_STREAMS = frozenset({"sys.stdout", "sys.stderr", "sys.__stdout__", "sys.__stderr__"})
ENTRY_POINTS = frozenset({"main", "cli", "_main", "run_cli", "entrypoint"})


class PrintInServerCode(Rule):
    """`print()` in application code.

    Not reported: tests, scripts and migrations; code under `if __name__ == "__main__":`
    and the `main()` such a module runs; modules that are command-line programs (they import
    argparse, click, typer, fire, docopt, a Django management command base, setuptools, nox,
    invoke or fabric, or start with a `#!` line); and `print(..., file=f)` to anything but
    the standard streams, which writes a file, not log output. `print(..., file=sys.stderr)`
    in server code is still reported: it bypasses logging configuration just the same.
    """

    id = "print-in-server-code"
    title = "print() or console.log in server code"
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    category = Category.OBSERVABILITY
    languages = ("python",)
    rationale = (
        "print() output has no level, logger name, timestamp or request context, cannot be "
        "filtered or routed by the logging configuration, and is often buffered or lost under "
        "a process manager. Left-over debug prints also leak data into the service's output."
    )
    fix = "Use a module logger (`logger = logging.getLogger(__name__)`) at a fitting level."
    example = Example(
        before='print(f"charging order {order.id}")',
        after='logger.info("charging order %s", order.id)',
    )
    references = ("https://docs.python.org/3/howto/logging.html#when-to-use-logging",)
    skip_roles = ("test", "script", "migration")

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        prints = [call for call in module.calls if call.name == "print"]
        if not prints or _is_command_line_module(module):
            return
        has_main_guard = any(_is_main_guard(stmt) for stmt in module.tree.body)
        for call in prints:
            if _writes_a_file(call) or _in_main_guard(module, call):
                continue
            if has_main_guard and _in_entry_point(call):
                continue
            yield Match(
                rule_id=self.id,
                line=call.node.lineno,
                end_line=call.node.end_lineno or call.node.lineno,
                message="`print()` in server code bypasses logging (no level, logger or "
                "context); use a logger.",
                code=module.code(call.node),
                scope=call.scope,
            )


def _is_command_line_module(module: PythonModule) -> bool:
    if module.lines and module.lines[0].startswith("#!"):
        return True
    return any(module.imports(name) for name in CLI_MODULES)


def _is_main_guard(node: ast.AST) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    sides = [node.test.left, *node.test.comparators]
    names = {s.id for s in sides if isinstance(s, ast.Name)}
    strings = {s.value for s in sides if isinstance(s, ast.Constant)}
    return "__name__" in names and "__main__" in strings


def _in_main_guard(module: PythonModule, call: CallSite) -> bool:
    return any(_is_main_guard(a) for a in module.ancestors(call.node))


def _in_entry_point(call: CallSite) -> bool:
    function = call.function
    while function is not None:
        if function.name in ENTRY_POINTS:
            return True
        function = function.parent
    return False


def _writes_a_file(call: CallSite) -> bool:
    target = call.keyword("file")
    if target is None:
        return False
    if isinstance(target.value, ast.Constant) and target.value.value is None:
        return False
    return dotted_name(target.value) not in STANDARD_STREAMS
