from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.injection._taint import Flow, Guard, route_flow

# Functions that open, serve or change the file named by an argument: name -> arguments.
FUNCTION_SINKS: dict[str, tuple[tuple[int, str], ...]] = {
    "open": ((0, "file"),),
    "io.open": ((0, "file"),),
    "codecs.open": ((0, "filename"),),
    "aiofiles.open": ((0, "file"),),
    "os.open": ((0, "path"),),
    "os.remove": ((0, "path"),),
    "os.unlink": ((0, "path"),),
    "os.rmdir": ((0, "path"),),
    "os.removedirs": ((0, "name"),),
    "os.rename": ((0, "src"), (1, "dst")),
    "os.replace": ((0, "src"), (1, "dst")),
    "aiofiles.os.remove": ((0, "path"),),
    "shutil.rmtree": ((0, "path"),),
    "shutil.copy": ((0, "src"), (1, "dst")),
    "shutil.copy2": ((0, "src"), (1, "dst")),
    "shutil.copyfile": ((0, "src"), (1, "dst")),
    "shutil.copytree": ((0, "src"), (1, "dst")),
    "shutil.move": ((0, "src"), (1, "dst")),
    "flask.send_file": ((0, "path_or_file"), (0, "filename_or_fp")),
    "flask.helpers.send_file": ((0, "path_or_file"), (0, "filename_or_fp")),
    "starlette.responses.FileResponse": ((0, "path"),),
    "fastapi.responses.FileResponse": ((0, "path"),),
    "fastapi.FileResponse": ((0, "path"),),
}
# pathlib methods that read, write or delete the file the object names.
PATH_METHODS = frozenset({
    "open", "read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "touch",
})
SANITIZERS = frozenset({
    "secure_filename", "basename", "safe_join", "get_valid_name", "slugify",
    "werkzeug.utils.secure_filename", "os.path.basename", "posixpath.basename",
    "werkzeug.security.safe_join", "werkzeug.utils.safe_join", "flask.helpers.safe_join",
})
# Checks on the file's extension or type do not stop `../`.
NOT_A_PATH_CHECK = re.compile(r"ext|allowed_file|file_allowed|type|mime|size", re.IGNORECASE)
DIRECT_KINDS = frozenset({"membership", "equals"})


class PathTraversal(Rule):
    id = "path-traversal"
    title = "File path taken from the request"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.SECURITY
    cwe = 22
    languages = ("python",)
    skip_roles = ("test", "migration")
    rationale = (
        "A file name from the client can carry `../` or an absolute path: joined to a base "
        "directory it still escapes it, so the handler reads, overwrites or deletes any file "
        "the service can reach (settings, keys, other users' uploads)."
    )
    fix = (
        "Reduce the name with `werkzeug.utils.secure_filename()` or `os.path.basename()`, "
        "serve with `send_from_directory()`, or resolve the path and check "
        "`path.is_relative_to(BASE_DIR)` before using it."
    )
    example = Example(
        before='return send_file(os.path.join(UPLOAD_DIR, request.args["name"]))',
        after='return send_from_directory(UPLOAD_DIR, request.args["name"])',
    )
    references = (
        "https://owasp.org/www-community/attacks/Path_Traversal",
        "https://flask.palletsprojects.com/en/stable/api/#flask.send_from_directory",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if "request" not in module.source and not any(
            f.decorator_calls for f in module.functions
        ):
            return
        flows: dict[int, Flow] = {}
        for call in module.calls:
            if call.function is None:
                continue
            candidates = _sink_arguments(call)
            if not candidates:
                continue
            key = id(call.function)
            if key not in flows:
                flows[key] = route_flow(module, call.function, SANITIZERS)
            flow = flows[key]
            line = call.node.lineno
            for path, needs in candidates:
                if isinstance(path, ast.Constant) or not flow.tainted(path, line):
                    continue
                if needs == "pathlike" and not flow.pathlike(path, line):
                    continue
                if needs == "tainted-receiver" and not flow.tainted(call.node.func.value, line):
                    continue
                if flow.guarded(path, line, _accept_guard, DIRECT_KINDS):
                    continue
                yield Match(
                    rule_id=self.id,
                    line=line,
                    end_line=call.node.end_lineno or line,
                    message=f"`{call.name}()` uses a file path built from request data "
                    f"(`{module.code(path)}`): `../` in it reaches files outside the intended "
                    "directory. Use secure_filename()/send_from_directory() or check the "
                    "resolved path stays under its base directory.",
                    code=module.code(call.node),
                    scope=call.scope,
                )
                break


def _sink_arguments(call: CallSite) -> list[tuple[ast.expr, str]]:
    """(path expression, extra condition) pairs for the call, empty when it is no sink."""
    spec = FUNCTION_SINKS.get(call.name)
    if spec is not None:
        found = []
        for position, keyword in spec:
            value = call.argument(position, keyword)
            if value is not None:
                found.append((value, ""))
        return found
    func = call.node.func
    if not isinstance(func, ast.Attribute):
        return []
    if func.attr in PATH_METHODS:
        return [(func.value, "pathlike")]
    if func.attr == "save" and call.node.args:
        # werkzeug FileStorage.save(dst): `request.files["f"].save(path)`
        return [(call.node.args[0], "tainted-receiver")]
    return []


def _accept_guard(guard: Guard) -> bool:
    if guard.kind == "validator":
        call = guard.node
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(
            call.func, "id", "")
        return not NOT_A_PATH_CHECK.search(name)
    if guard.kind == "function":
        return True
    return guard.kind in ("membership", "contains", "equals", "method")
