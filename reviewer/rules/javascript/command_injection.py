"""command-injection for JavaScript/TypeScript: `child_process.exec/execSync` (however
imported: `require('child_process').exec`, `cp.exec`, destructured, `util.promisify(exec)`,
shelljs `shell.exec`) with a command built from non-constant values or taken from the
request, and `spawn/execFile(..., { shell: true })` with non-constant input.

Safe: `execFile`/`spawn` with an argument array and no shell, constant commands, values
that are numbers or quoted with `shell-quote`/`shellescape`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.javascript._js import (
    FileIndex,
    call_arguments,
    index,
    make_match,
    object_pairs,
    resolved_object,
    short,
    squash,
    unwrap,
)
from reviewer.treesitter import TreeModule

MODULES = ("child_process", "node:child_process", "shelljs", "execa")
SHELL_CALLS = frozenset({"exec", "execSync"})
OPTIONAL_SHELL = frozenset({"spawn", "spawnSync", "execFile", "execFileSync", "fork"})
REQUIRE = re.compile(r"""^require\(['"](node:)?(child_process|shelljs)['"]\)$""")
QUOTERS = re.compile(r"(^|\.)(quote|shellescape|shellEscape|escapeShellArg|escape|"
                     r"shellQuote)$")


@language_check("command-injection", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    text = module.text
    if "child_process" not in text and "shelljs" not in text:
        return
    idx = index(module)
    names = _process_names(idx)
    for call in module.calls:
        kind = _kind(idx, call.name, names)
        if kind is None:
            continue
        arguments = call.arguments
        if not arguments:
            continue
        command = arguments[0]
        problem = None
        if kind in SHELL_CALLS:
            culprit = _dangerous(idx, command)
            if culprit is not None:
                problem = (f"`{call.name}()` runs a shell command built from run-time values "
                           f"(`{short(module.text_of(culprit))}`); a crafted value can run "
                           "any command. Use `execFile`/`spawn` with an argument array.")
        elif _shell_enabled(idx, arguments):
            values = [command]
            if len(arguments) > 1 and unwrap(arguments[1]).type == "array":
                values.extend(unwrap(arguments[1]).named_children)
            culprit = next((v for v in values if not _safe(idx, v)), None)
            if culprit is not None:
                problem = (f"`{call.name}()` with `shell: true` passes non-constant input "
                           f"(`{short(module.text_of(culprit))}`) to the shell; drop the "
                           "`shell` option and pass arguments as an array.")
        if problem:
            yield make_match(rule.id, module, call.node, problem)


def _process_names(idx: FileIndex) -> dict[str, str]:
    """Local names -> the child_process/shelljs function or module ('*') they stand for."""
    module = idx.module
    names: dict[str, str] = {}
    for local, (source, imported) in idx.imports.items():
        if source.removeprefix("node:") in ("child_process", "shelljs"):
            names[local] = "*" if imported in ("*", "default") else imported
    for name, bindings in idx.module_bindings().items():
        for binding in bindings:
            value = unwrap(binding.value)
            text = squash(module.text_of(value))
            if REQUIRE.match(text):
                if binding.kind == "destructure":
                    names.update(_destructured(module, binding, name))
                else:
                    names[name] = "*"
            elif value.type == "call_expression" and re.match(
                    r"^(util\.)?promisify\(", text):
                inner = call_arguments(value)
                target = squash(module.text_of(inner[0])) if inner else ""
                base = names.get(target) or target.rsplit(".", 1)[-1]
                if base in SHELL_CALLS and (target in names or "." in target
                                            or REQUIRE.match(target.rsplit(".", 1)[0])):
                    names[name] = base
            elif REQUIRE.match(text.rsplit(".", 1)[0]) and "." in text:
                names[name] = text.rsplit(".", 1)[-1]
    return names


def _destructured(module: TreeModule, binding, name: str) -> dict[str, str]:
    """`const { exec: run } = require('child_process')` -> {'run': 'exec'}."""
    found = {}
    start = binding.start
    # the pattern node is the declarator's name; find the pair naming `name`
    node = binding.value.parent
    pattern = node.child_by_field_name("name") if node is not None else None
    if pattern is None or pattern.start_byte != start:
        return {name: name}
    for child in pattern.named_children:
        if child.type == "shorthand_property_identifier_pattern":
            local = module.text_of(child)
            found[local] = local
        elif child.type == "pair_pattern":
            key = module.text_of(child.child_by_field_name("key"))
            value = child.child_by_field_name("value")
            if value is not None and value.type == "identifier":
                found[module.text_of(value)] = key
    return {k: v for k, v in found.items() if k == name}


def _kind(idx: FileIndex, name: str, names: dict[str, str]) -> str | None:
    if "." in name:
        receiver, _, method = name.rpartition(".")
        if receiver in names and names[receiver] == "*" or REQUIRE.match(receiver):
            if method in SHELL_CALLS or method in OPTIONAL_SHELL:
                return method
        return None
    target = names.get(name)
    if target in SHELL_CALLS or target in OPTIONAL_SHELL:
        return target
    return None


def _dangerous(idx: FileIndex, node: Node, depth: int = 3) -> Node | None:
    """A command string built from non-constant parts, or one holding request data."""
    node = unwrap(node)
    kind = node.type
    if kind == "template_string":
        for child in node.named_children:
            if child.type == "template_substitution" and child.named_children:
                if not _safe(idx, child.named_children[0]):
                    return node
        return None
    if kind == "binary_expression":
        operator = node.child_by_field_name("operator")
        if operator is not None and operator.type == "+":
            sides = (node.child_by_field_name("left"), node.child_by_field_name("right"))
            if any(not _safe(idx, s) for s in sides):
                return node
        return None
    if kind == "call_expression":
        callee = squash(idx.module.text_of(node.child_by_field_name("function")))
        if callee.endswith((".join", ".concat")) or callee in ("util.format", "format"):
            if not idx.constant(node) and not _quoted(idx, node) and (
                    idx.tainted(node) or callee.endswith(".concat") or "format" in callee):
                return node
        return None
    if kind == "identifier" and depth > 0:
        for binding in idx.values(idx.module.text_of(node), node):
            found = _dangerous(idx, binding.value, depth - 1)
            if found is not None:
                return found
            if binding.kind == "aug" and not _safe(idx, binding.value):
                return binding.value
        return node if idx.tainted(node) else None
    if kind in ("member_expression", "subscript_expression"):
        return node if idx.tainted(node) else None
    return None


def _safe(idx: FileIndex, node: Node | None) -> bool:
    if node is None:
        return True
    if idx.constant(node) or _quoted(idx, node):
        return True
    node = unwrap(node)
    if node.type in ("template_string", "binary_expression"):
        return _dangerous(idx, node) is None
    return False


def _quoted(idx: FileIndex, node: Node) -> bool:
    node = unwrap(node)
    if node.type != "call_expression":
        return False
    callee = node.child_by_field_name("function")
    return callee is not None and bool(QUOTERS.search(squash(idx.module.text_of(callee))))


def _shell_enabled(idx: FileIndex, arguments: list[Node]) -> bool:
    for argument in arguments[1:3]:
        options = resolved_object(idx, argument)
        pairs = object_pairs(idx.module, options) if options is not None else None
        if not pairs or "shell" not in pairs:
            continue
        value = unwrap(pairs["shell"])
        if value.type == "false":
            return False
        return True
    return False
