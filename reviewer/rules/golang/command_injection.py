"""command-injection for Go: `exec.Command`/`exec.CommandContext` (and `syscall.Exec`,
`os.StartProcess`) running a shell with a script that is not constant
(`exec.Command("sh", "-c", "tar -xf " + name)`), or a program chosen by request data or
command-line input (`exec.Command(r.FormValue("cmd"))`).

A fixed program with separate arguments (`exec.Command("git", "log", branch)`) is not
reported: no shell parses the values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.golang._go import (
    ARGS,
    REQUEST,
    index_for,
    is_test,
    make_match,
    short,
)
from reviewer.treesitter import TreeModule

# call -> position of the program argument
PROGRAM_POSITION = {
    "exec.Command": 0, "exec.CommandContext": 1, "execabs.Command": 0,
    "execabs.CommandContext": 1, "syscall.Exec": 0, "syscall.ForkExec": 0,
    "syscall.StartProcess": 0, "os.StartProcess": 0,
}
SHELLS = re.compile(r"^(?:/usr)?(?:/bin/|/usr/local/bin/)?(?:sh|bash|zsh|dash|ksh|ash|fish|"
                    r"busybox\s+sh)$|^(?:cmd|cmd\.exe|powershell|powershell\.exe|pwsh)$",
                    re.IGNORECASE)
SHELL_FLAG = re.compile(r"^(?:-[a-z]*c|/c|/C|-Command|-c)$")


def _self_exec(module: TreeModule, index, program, function) -> bool:
    """`exec.Command(os.Args[0], ...)`: the program re-running itself."""
    text = "".join(module.text_of(program).split())
    if text == "os.Args[0]":
        return True
    if program.type == "identifier":
        bindings = index.bindings(text, function, program.start_byte)
        return bool(bindings) and all(
            b.value is not None and "".join(module.text_of(b.value).split()) in (
                "os.Args[0]", "os.Executable()") for b in bindings)
    return False


@language_check("command-injection", "go")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if "exec" not in module.text and "StartProcess" not in module.text:
        return []
    if is_test(module):
        return []
    index = None
    found = []
    for call in module.calls:
        position = PROGRAM_POSITION.get(call.name)
        if position is None:
            continue
        args = call.arguments
        if len(args) <= position:
            continue
        if index is None:
            index = index_for(module)
        function = call.function
        program = args[position]
        problem = None
        program_text = index.constant_text(program, function, call.node.start_byte)
        if program_text is not None:
            if SHELLS.match(program_text.strip()) and len(args) >= position + 3:
                flag = index.constant_text(args[position + 1], function, call.node.start_byte)
                script = args[position + 2]
                if flag is not None and SHELL_FLAG.match(flag) and not index.is_constant(
                        script, function):
                    origins = index.origins(script, function)
                    if origins and not index.guarded(call.node, script, function):
                        problem = (f"`{call.name}()` runs `{program_text} {flag}` with a script "
                                   f"built from run-time values (`{short(module.text_of(script))}`"
                                   "): a `;`, `$(...)` or `|` in a value runs any command. Run "
                                   "the program directly with separate arguments.")
        elif not _self_exec(module, index, program, function):
            origins = index.origins(program, function)
            if (REQUEST in origins or ARGS in origins) and not index.guarded(
                    call.node, program, function):
                source = "the request" if REQUEST in origins else "command-line input"
                problem = (f"`{call.name}()` runs a program chosen by {source} "
                           f"(`{short(module.text_of(program))}`): the caller decides what "
                           "executes. Map the input to a fixed command instead.")
        if problem:
            found.append(make_match(rule, module, call.node, problem))
    return [m for m in found if m is not None]
