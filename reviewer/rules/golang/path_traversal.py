"""path-traversal for Go: request data in the path given to `os.Open/OpenFile/ReadFile/
WriteFile/Create/Remove/RemoveAll/Mkdir(All)/ReadDir`, `ioutil.ReadFile/WriteFile`,
`http.ServeFile`, or gin/echo/fiber file responses (`c.File`, `c.Attachment`, `c.SendFile`),
directly or through locals such as `filepath.Join(base, name)`.

Not reported: names reduced with `filepath.Base`/`filepath.Clean` (gosec's convention),
`filepath.Rel`, `securejoin.SecureJoin`, and paths checked before use (`strings.HasPrefix`
on the resolved path, `filepath.IsLocal`, `strings.Contains(name, "..")`, allow-lists)
with an early return. `http.ServeFile` with `r.URL.Path` is not reported: ServeFile itself
rejects `..` in the request path.
"""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.golang._go import (
    REQUEST,
    has_request_type,
    index_for,
    is_test,
    make_match,
    short,
)
from reviewer.treesitter import TreeModule

# call -> positions of path arguments
PATH_CALLS = {
    "os.Open": (0,), "os.OpenFile": (0,), "os.ReadFile": (0,), "os.WriteFile": (0,),
    "os.Create": (0,), "os.Remove": (0,), "os.RemoveAll": (0,), "os.Mkdir": (0,),
    "os.MkdirAll": (0,), "os.ReadDir": (0,), "os.Rename": (0, 1), "os.Truncate": (0,),
    "os.Chmod": (0,), "os.Symlink": (0, 1), "os.Link": (0, 1), "ioutil.ReadFile": (0,),
    "ioutil.WriteFile": (0,), "ioutil.ReadDir": (0,), "http.ServeFile": (2,),
    "afero.ReadFile": (1,),
}
# methods of a framework's request context that send a file from disk
CONTEXT_FILE_METHODS = {
    "gin": {"File": (0,), "FileAttachment": (0,), "SaveUploadedFile": (1,)},
    "echo": {"File": (0,), "Attachment": (0,), "Inline": (0,)},
    "fiber": {"SendFile": (0,), "Download": (0,), "SaveFile": (1,)},
}
CONTEXT_FILE_ATTRS = frozenset(a for methods in CONTEXT_FILE_METHODS.values() for a in methods)


@language_check("path-traversal", "go")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if is_test(module) or not has_request_type(module):
        return []
    index = None
    found = []
    for call in module.calls:
        positions = PATH_CALLS.get(call.name)
        if positions is None and "." in call.name:
            receiver, attr = call.name.rsplit(".", 1)
            if "." not in receiver and attr in CONTEXT_FILE_ATTRS:
                if index is None:
                    index = index_for(module)
                framework = index.request_params(call.function).get(receiver)
                positions = CONTEXT_FILE_METHODS.get(framework or "", {}).get(attr)
        if positions is None or call.function is None:
            continue
        if index is None:
            index = index_for(module)
        function = call.function
        args = call.arguments
        for position in positions:
            if len(args) <= position:
                continue
            path = args[position]
            if path.type in ("interpreted_string_literal", "raw_string_literal"):
                continue
            if REQUEST not in index.origins(path, function):
                continue
            if call.name == "http.ServeFile" and "URL.Path" in module.text_of(path):
                continue
            if index.guarded(call.node, path, function):
                continue
            found.append(make_match(
                rule, module, call.node,
                f"`{call.name}()` uses a file path built from request data "
                f"(`{short(module.text_of(path))}`): `../` in it reaches files outside the "
                "intended directory. Reduce it with `filepath.Base()`, or resolve it and check "
                "it stays under the base directory.",
            ))
            break
    return [m for m in found if m is not None]
