"""http-call-without-timeout for JavaScript/TypeScript server code:

* `fetch(url[, opts])` without a `signal` (`AbortSignal.timeout(ms)` / an AbortController);
* axios calls and `axios.create({...})` without `timeout` (axios has none by default),
  unless the file sets `axios.defaults.timeout`; calls on an instance created with a
  timeout are fine, an instance created without one is reported once, at `create`;
* `got(...)` without a `timeout` option.

Browser code (JSX, `'use client'`, `window.`/`document.`, React/Vue imports), tests and files
without a server marker are skipped. A call wrapped in `Promise.race`/`pTimeout`/
`withTimeout(...)` has its deadline outside and is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.javascript._js import (
    FileIndex,
    index,
    is_server_code,
    make_match,
    object_pairs,
    resolved_object,
    role,
    squash,
    unwrap,
)
from reviewer.treesitter import TreeCall, TreeModule

AXIOS_VERBS = {"get": 1, "delete": 1, "head": 1, "options": 1, "post": 2, "put": 2,
               "patch": 2, "request": 0, "postForm": 2, "putForm": 2, "patchForm": 2}
GOT_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "stream"})
WRAPPED = re.compile(r"(^|\.)(race|pTimeout|withTimeout|timeout|promiseTimeout|raceTimeout|"
                     r"withDeadline|timeoutPromise)$", re.IGNORECASE)
DEFAULTS = re.compile(r"\.defaults\.timeout\s*=|defaults\s*=\s*\{[^}]*timeout|"
                      r"\.interceptors\.request\.use\([^)]*timeout")


@language_check("http-call-without-timeout", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if role(module) in ("test", "migration"):
        return
    text = module.text
    if "fetch" not in text and "axios" not in text and "got" not in text:
        return
    if not is_server_code(module):
        return
    idx: FileIndex | None = None
    axios_names: dict[str, bool] | None = None
    axios_defaults = bool(DEFAULTS.search(text))
    for call in module.calls:
        name = call.name
        problem = None
        if name == "fetch" or name == "globalThis.fetch" or name == "nodeFetch":
            if idx is None:
                idx = index(module)
            problem = _fetch_problem(idx, call)
        elif name == "got" or name.startswith("got."):
            if idx is None:
                idx = index(module)
            problem = _got_problem(idx, call)
        elif "axios" in text and (name == "axios" or "." in name):
            if axios_defaults:
                continue
            if idx is None:
                idx = index(module)
            if axios_names is None:
                axios_names = _axios_names(idx)
            problem = _axios_problem(idx, call, axios_names)
        if problem and not _wrapped(module, call):
            yield make_match(rule.id, module, call.node, problem)


def _fetch_problem(idx: FileIndex, call: TreeCall) -> str | None:
    arguments = call.arguments
    if not arguments:
        return None
    if len(arguments) < 2:
        if unwrap(arguments[0]).type == "new_expression":
            return None  # `fetch(new Request(url, { signal }))`
        return (f"`{call.name}()` has no `signal`: a stalled upstream holds this request "
                "open. Pass `{ signal: AbortSignal.timeout(ms) }`.")
    options = resolved_object(idx, arguments[1])
    if options is None:
        return None
    pairs = object_pairs(idx.module, options) or {}
    if "signal" in pairs or "..." in pairs or "timeout" in pairs:
        return None
    return (f"`{call.name}()` has no `signal`: a stalled upstream holds this request open. "
            "Add `signal: AbortSignal.timeout(ms)` to the options.")


def _axios_names(idx: FileIndex) -> dict[str, bool]:
    """Local axios handles -> whether they carry a timeout (`axios` itself: False)."""
    names: dict[str, bool] = {"axios": False}
    for local, (source, _imported) in idx.imports.items():
        if source == "axios":
            names[local] = False
    for name, bindings in idx.module_bindings().items():
        for binding in bindings:
            value = unwrap(binding.value)
            text = squash(idx.module.text_of(value))
            if re.match(r"""^require\(['"]axios['"]\)(\.default)?$""", text):
                names[name] = False
            elif value.type == "call_expression" and text.split("(", 1)[0].endswith(".create"):
                receiver = text.split("(", 1)[0].rsplit(".", 1)[0]
                if receiver in names or receiver == "axios":
                    names[name] = _has_timeout(idx, value, 0)
    return names


def _axios_problem(idx: FileIndex, call: TreeCall, names: dict[str, bool]) -> str | None:
    name = call.name
    receiver, _, method = name.rpartition(".")
    if not receiver:
        if name in names and not names[name]:
            # `axios(config)` / `axios(url, config)`
            arguments = call.arguments
            if not arguments:
                return None
            if _has_timeout(idx, call.node, 0) or _has_timeout(idx, call.node, 1):
                return None
            if resolved_object(idx, arguments[-1]) is None and len(arguments) > 1:
                return None
            if len(arguments) == 1 and unwrap(arguments[0]).type == "identifier" and (
                    resolved_object(idx, arguments[0]) is None):
                return None
            return f"`{name}()` has no `timeout`; axios waits forever by default."
        return None
    if receiver not in names:
        return None
    if method == "create":
        if receiver == "axios" or not names[receiver]:
            if _has_timeout(idx, call.node, 0):
                return None
            args = call.arguments
            if args and resolved_object(idx, args[0]) is None:
                return None
            return (f"`{name}()` creates a client without a `timeout`; every request made "
                    "with it can wait forever. Set `timeout` (ms) in the instance config.")
        return None
    if method not in AXIOS_VERBS:
        return None
    if names[receiver]:
        return None  # an instance created with a timeout
    if receiver != "axios" and not _is_axios_module(idx, receiver):
        return None  # an instance without one: reported at its `create`
    position = AXIOS_VERBS[method]
    arguments = call.arguments
    if len(arguments) <= position:
        return f"`{name}()` has no `timeout`; axios waits forever by default."
    config = arguments[position]
    if _has_timeout(idx, call.node, position):
        return None
    if resolved_object(idx, config) is None:
        return None  # a config built elsewhere: can't tell
    return f"`{name}()` has no `timeout` in its config; axios waits forever by default."


def _is_axios_module(idx: FileIndex, name: str) -> bool:
    if name in idx.imports:
        return idx.imports[name][0] == "axios"
    for binding in idx.values(name, idx.module.root):
        if re.match(r"""^require\(['"]axios['"]\)""", squash(idx.module.text_of(binding.value))):
            return True
    return False


def _has_timeout(idx: FileIndex, call: Node, position: int) -> bool:
    arguments = [a for a in (call.child_by_field_name("arguments").named_children
                             if call.child_by_field_name("arguments") else [])
                 if a.type != "comment"]
    if len(arguments) <= position:
        return False
    options = resolved_object(idx, arguments[position])
    if options is None:
        return False
    pairs = object_pairs(idx.module, options) or {}
    return "timeout" in pairs or "signal" in pairs or "..." in pairs


def _got_problem(idx: FileIndex, call: TreeCall) -> str | None:
    name = call.name
    receiver, _, method = name.rpartition(".")
    if receiver and (receiver != "got" or method not in GOT_VERBS):
        return None
    if not receiver and not any(s == "got" for s, _ in idx.imports.values()) and (
            "require('got')" not in idx.module.text and 'require("got")' not in idx.module.text):
        return None
    arguments = call.arguments
    if not arguments:
        return None
    if len(arguments) == 1:
        if resolved_object(idx, arguments[0]) is not None:
            return None if _has_timeout(idx, call.node, 0) else (
                f"`{name}()` has no `timeout`; got waits forever by default.")
        return f"`{name}()` has no `timeout`; got waits forever by default."
    if _has_timeout(idx, call.node, 1) or resolved_object(idx, arguments[1]) is None:
        return None
    return f"`{name}()` has no `timeout`; got waits forever by default."


def _wrapped(module: TreeModule, call: TreeCall) -> bool:
    """`Promise.race([fetch(...), timeout])`, `pTimeout(fetch(...), ms)`."""
    for ancestor in module.ancestors(call.node):
        if ancestor.type == "call_expression":
            callee = ancestor.child_by_field_name("function")
            if callee is not None and WRAPPED.search(squash(module.text_of(callee))):
                return True
        if ancestor.type in ("statement_block", "program"):
            return False
    return False
