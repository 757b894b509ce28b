"""print-in-server-code for JavaScript/TypeScript: `console.log`/`console.debug` in server
source files.

Not reported: tests, scripts and migrations (by path); command-line programs (a `#!` line,
`process.argv`, commander, yargs, meow, inquirer, oclif); browser code (JSX, `'use client'`,
`window.`/`document.`, React/Vue/Angular imports); files without a server marker; and the
start-up banner in `app.listen(...)`/`server.listen(...)` callbacks or a `bootstrap`/`main`
function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.conventions._names import words
from reviewer.rules.javascript._js import is_app_server_code, make_match, role
from reviewer.treesitter import TreeCall, TreeModule

CLI_MARKERS = ("process.argv", "commander", "yargs", "'meow'", '"meow"', "inquirer", "@oclif/",
               "clipanion", "'prompts'", '"prompts"', "program.parse(", "program.command(",
               "benchmark", "Benchmark", "tinybench", "mitata")
LOGGER_WORDS = frozenset({"log", "logger", "logging", "print", "debug", "output", "report",
                          "console", "trace", "verbose", "dump", "banner"})
STARTUP = frozenset({"bootstrap", "main", "start", "startServer", "run", "init", "listen",
                     "onListen"})


@language_check("print-in-server-code", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if role(module) in ("test", "script", "migration"):
        return
    text = module.text
    if "console.log" not in text and "console.debug" not in text:
        return
    if text.startswith("#!") or any(m in text for m in CLI_MARKERS):
        return
    if not is_app_server_code(module):
        return
    for call in module.calls:
        if call.name not in ("console.log", "console.debug"):
            continue
        if _startup(module, call):
            continue
        yield make_match(
            rule.id, module, call.node,
            f"`{call.name}()` in server code bypasses the logger (no level, no request "
            "context, no redaction); use the application's logger.",
        )


def _startup(module: TreeModule, call: TreeCall) -> bool:
    function = call.function
    while function is not None:
        name = module.function_name(function)
        if name in STARTUP or LOGGER_WORDS & set(words(name)):
            return True  # start-up banner, or the project's own logging helper
        parent = function.parent
        if parent is not None and parent.type == "arguments":
            outer = parent.parent
            callee = outer.child_by_field_name("function") if outer is not None else None
            if callee is not None and re.search(
                    r"\.listen$|^(process|server|app|httpServer)\.(on|once)$",
                    module.text_of(callee)):
                return True
        function = module.enclosing_function(function)
    return False
