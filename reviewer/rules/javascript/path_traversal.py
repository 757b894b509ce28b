"""path-traversal for JavaScript/TypeScript: request data reaching a filesystem path in the
same function: `res.sendFile/res.download`, `fs.readFile/createReadStream/writeFile/unlink/...`
(also `fs.promises`, `fs/promises`, fs-extra), directly or through `path.join/resolve`.

Safe: `res.sendFile(name, { root })` (send refuses `..` under a root), `path.basename()`,
values checked against an allow-list or a resolved path checked with `startsWith(base)`
(or `path.relative`) before the call, and values that are not from the request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.javascript._js import (
    FileIndex,
    derived_names,
    guard_lines,
    index,
    make_match,
    object_pairs,
    related_names,
    resolved_object,
    short,
)
from reviewer.treesitter import TreeCall, TreeModule

FS_MODULES = frozenset({"fs", "node:fs", "fs/promises", "node:fs/promises", "fs-extra",
                        "graceful-fs", "original-fs"})
FS_NAMES = frozenset({"fs", "fsp", "fse", "fsPromises", "fs.promises", "fsExtra",
                      "promises"})
FS_METHODS = frozenset({
    "readFile", "readFileSync", "createReadStream", "writeFile", "writeFileSync",
    "appendFile", "appendFileSync", "createWriteStream", "unlink", "unlinkSync", "rm",
    "rmSync", "rmdir", "rmdirSync", "readdir", "readdirSync", "copyFile", "copyFileSync",
    "rename", "renameSync", "open", "openSync", "remove", "removeSync", "outputFile",
    "outputFileSync", "readJson", "readJSON", "readJsonSync", "writeJson", "move", "copy",
    "truncate", "truncateSync",
})
RESPONSE_METHODS = frozenset({"sendFile", "download", "sendfile"})
GUARD = re.compile(
    r"startsWith\(|\.indexOf\(|\.includes\(|\.has\(|\.test\(|\.match\(|['\"]\.\.|"
    r"isSafe|isValid|[Aa]llow|[Ww]hitelist|sanitize|validate|path\.relative|relative\(",
)


@language_check("path-traversal", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    text = module.text
    if not any(marker in text for marker in ("fs", "sendFile", "download", "sendfile")):
        return
    idx: FileIndex | None = None
    fs_names: set[str] | None = None
    for call in module.calls:
        if call.function is None:
            continue
        method = call.attr
        if method in RESPONSE_METHODS and "." in call.name:
            kind = "response"
        elif method in FS_METHODS:
            if idx is None:
                idx = index(module)
            if fs_names is None:
                fs_names = _fs_names(idx)
            receiver = call.name.rpartition(".")[0]
            if receiver not in fs_names and not (receiver == "" and method in fs_names):
                continue
            kind = "fs"
        else:
            continue
        arguments = call.arguments
        if not arguments:
            continue
        if idx is None:
            idx = index(module)
        if kind == "response" and _has_root(idx, call):
            continue
        paths = arguments[:2] if method in ("copyFile", "copyFileSync", "rename",
                                            "renameSync", "move", "copy") else arguments[:1]
        culprit = next((p for p in paths if idx.tainted(p)), None)
        if culprit is None:
            continue
        names = derived_names(idx, call.function, related_names(idx, culprit))
        if guard_lines(module, call.function, names, module.line(call.node), GUARD):
            continue
        yield make_match(
            rule.id, module, call.node,
            f"`{call.name}()` uses a path built from request data "
            f"(`{short(module.text_of(culprit))}`): `../` sequences or an absolute path reach "
            "files outside the intended folder. Use `path.basename()` or resolve the path and "
            "check it starts with the base folder.",
        )


def _fs_names(idx: FileIndex) -> set[str]:
    names = set(FS_NAMES)
    for local, (source, _imported) in idx.imports.items():
        if source in FS_MODULES:
            names.add(local)
    for name, bindings in idx.module_bindings().items():
        for binding in bindings:
            text = "".join(idx.module.text_of(binding.value).split())
            if re.match(r"""^require\(['"](node:)?(fs|fs/promises|fs-extra|graceful-fs)['"]\)"""
                        r"(\.promises)?$", text):
                names.add(name)
    return names


def _has_root(idx: FileIndex, call: TreeCall) -> bool:
    for argument in call.arguments[1:4]:
        options = resolved_object(idx, argument)
        pairs = object_pairs(idx.module, options) if options is not None else None
        if pairs and "root" in pairs:
            return True
    return False
