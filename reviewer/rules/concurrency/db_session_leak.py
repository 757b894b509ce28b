"""`db-session-leak`: an SQLAlchemy session or a database connection opened into a local name
(or onto `self` in `__init__`) that is not closed on every path.

Flags the line of the assignment. Safe: `with` blocks (`with SessionLocal() as db`,
`with db:`, `with closing(conn)`, `with session.begin()`), `close()` in a `finally` of the
same function (FastAPI `yield` dependencies), sessions returned or handed to a caller or an
object that outlives the function, `global` names, and `self.<attr>` sessions in a class
that has a close/`__exit__`-style method or closes the attribute. Module-level connections
and `scoped_session` registries are not flagged.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from reviewer.model import Category, Match, Severity
from reviewer.python.module import CallSite, FunctionInfo, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.concurrency._db import DBAPI_CONNECT, is_engine, session_factory_kind

CLOSERS = frozenset({"close", "aclose", "remove", "release", "dispose", "terminate"})
CONTEXT_HELPERS = frozenset({"contextlib.closing", "contextlib.aclosing"})
HAND_OFF = frozenset({
    "enter_context", "enter_async_context", "push", "push_async_exit", "callback",
    "push_async_callback", "register", "append", "add_task", "put", "put_nowait",
})
CLASS_CLOSERS = frozenset({
    "close", "aclose", "__exit__", "__aexit__", "__del__", "shutdown", "teardown",
    "dispose", "cleanup", "stop", "disconnect", "release",
})
SESSION = "session"
CONNECTION = "connection"


class DbSessionLeak(Rule):
    id = "db-session-leak"
    title = "Database session or connection not closed on every path"
    severity = Severity.HIGH
    category = Category.RELIABILITY
    cwe = 404
    languages = ("python",)
    skip_roles = ("test", "migration")
    rationale = (
        "A session or connection that is only closed on the happy path (or never) keeps its "
        "pooled connection checked out when an exception escapes; a few failing requests or "
        "task retries exhaust the pool and every later request hangs on a connection."
    )
    fix = (
        "Open it in a `with` block (`with SessionLocal() as db:`) or close it in a "
        "`finally:`; in FastAPI use a `yield` dependency with `try/finally`."
    )
    example = Example(
        before="db = SessionLocal()\nuser = db.get(User, user_id)\ndb.close()",
        after="with SessionLocal() as db:\n    user = db.get(User, user_id)",
    )
    references = (
        "https://docs.sqlalchemy.org/en/20/orm/session_basics.html"
        "#opening-and-closing-a-session",
        "https://cwe.mitre.org/data/definitions/404.html",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        source = module.source
        if "ession" not in source and "connect" not in source:
            return
        usages: dict[int, _Usage] = {}
        for call in module.calls:
            function = call.function
            if function is None:
                continue
            last = call.attr
            if not ("ession" in last or last in ("connect", "raw_connection")
                    or isinstance(call.node.func, ast.Call)):
                continue
            kind = _opens(module, call)
            if kind is None:
                continue
            value: ast.expr = call.node
            statement = module.parent(value)
            if isinstance(statement, ast.Await):
                value, statement = statement, module.parent(statement)
            if isinstance(statement, ast.Assign) and statement.value is value:
                targets = statement.targets
            elif isinstance(statement, ast.AnnAssign) and statement.value is value:
                targets = [statement.target]
            else:
                continue
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if len(names) != len(targets):
                # `db = g._db = connect()` hands it to `g`; only `self.x = ...` is followed.
                if names or len(targets) != 1 or not _self_leaks(module, function, targets[0]):
                    continue
                target = module.code(targets[0])
                closed = False
            else:
                usage = usages.get(id(function.node))
                if usage is None:
                    usage = usages[id(function.node)] = _scan(module, function)
                if all(usage.safe(name, kind) for name in names):
                    continue
                target = names[0]
                closed = target in usage.plain_closed or target in usage.handler_closed
            yield Match(
                rule_id=self.id,
                line=statement.lineno,
                end_line=statement.end_lineno or statement.lineno,
                message=f"`{target} = {module.code(call.node.func)}(...)` opens a database "
                f"{kind} that is {_how(closed)}: every leaked {kind} holds a pooled "
                "connection until the pool is exhausted; use `with` or close it in `finally`.",
                code=module.code(statement),
                scope=function.qualname,
            )


def _how(closed: bool) -> str:
    if closed:
        return "closed only on the success path (not in `finally`), so an exception leaks it"
    return "never closed (no `with` block, no `close()`)"


def _opens(module: PythonModule, call: CallSite) -> str | None:
    if call.name in DBAPI_CONNECT:
        return CONNECTION
    func = call.node.func
    if isinstance(func, ast.Attribute) and func.attr in ("connect", "raw_connection"):
        return CONNECTION if is_engine(module, call.function, func.value) else None
    if session_factory_kind(module, func) in ("sync", "async"):
        return SESSION
    return None


def _self_leaks(module: PythonModule, function: FunctionInfo, target: ast.expr) -> bool:
    """`self.x = Session()` in `__init__` of a class that neither has a close-style method
    nor closes x anywhere. Lazily cached sessions (`if self._db is None: ...` in a property,
    the Celery per-worker pattern) are deliberate and not followed."""
    if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
            and target.value.id == "self" and function.class_name
            and function.name == "__init__"):
        return False
    methods = [f for f in module.functions if f.class_name == function.class_name]
    if any(m.name in CLASS_CLOSERS for m in methods):
        return False
    closing = {f"self.{target.attr}.{closer}" for closer in CLOSERS}
    return not any(c.name in closing for m in methods for c in m.calls)


@dataclass(slots=True)
class _Usage:
    finally_closed: set[str] = field(default_factory=set)
    handler_closed: set[str] = field(default_factory=set)
    plain_closed: set[str] = field(default_factory=set)
    managed: set[str] = field(default_factory=set)
    begin_managed: set[str] = field(default_factory=set)
    escaped: set[str] = field(default_factory=set)

    def safe(self, name: str, kind: str) -> bool:
        if name in self.finally_closed or name in self.managed or name in self.escaped:
            return True
        if name in self.handler_closed and name in self.plain_closed:
            return True
        return kind == SESSION and name in self.begin_managed


def _scan(module: PythonModule, function: FunctionInfo) -> _Usage:
    """One walk of the function body (nested functions, lambdas and classes excluded)."""
    usage = _Usage()
    root = function.node
    stack: list[tuple[ast.AST, bool, bool]] = [(s, False, False) for s in root.body]
    while stack:
        node, in_finally, in_handler = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Try | ast.TryStar):
            stack.extend((s, in_finally, in_handler) for s in (*node.body, *node.orelse))
            stack.extend((h, in_finally, in_handler or _broad(module, h))
                         for h in node.handlers)
            stack.extend((s, True, in_handler) for s in node.finalbody)
            continue
        _record(module, node, usage, in_finally, in_handler)
        stack.extend((child, in_finally, in_handler) for child in ast.iter_child_nodes(node))
    return usage


def _broad(module: PythonModule, handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    return module.resolve(handler.type) in ("Exception", "BaseException")


def _record(module: PythonModule, node: ast.AST, usage: _Usage, in_finally: bool,
            in_handler: bool) -> None:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.attr in CLOSERS:
                if in_finally:
                    usage.finally_closed.add(func.value.id)
                elif in_handler:
                    usage.handler_closed.add(func.value.id)
                else:
                    usage.plain_closed.add(func.value.id)
        if isinstance(func, ast.Attribute) and func.attr in HAND_OFF:
            usage.managed.update(a.id for a in node.args if isinstance(a, ast.Name))
        elif module.resolve(func) in CONTEXT_HELPERS:
            usage.managed.update(a.id for a in node.args if isinstance(a, ast.Name))
    elif isinstance(node, ast.Attribute):
        # `stack.callback(conn.close)`, `atexit.register(db.close)`: closed later.
        if node.attr in CLOSERS and isinstance(node.value, ast.Name):
            parent = module.parent(node)
            if not (isinstance(parent, ast.Call) and parent.func is node):
                usage.managed.add(node.value.id)
    elif isinstance(node, ast.withitem):
        context = node.context_expr
        if isinstance(context, ast.Name):
            usage.managed.add(context.id)
        elif (isinstance(context, ast.Call) and isinstance(context.func, ast.Attribute)
              and context.func.attr == "begin" and isinstance(context.func.value, ast.Name)):
            usage.begin_managed.add(context.func.value.id)
    elif isinstance(node, ast.Return) and node.value is not None:
        usage.escaped.update(_returned_names(node.value))
    elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(not isinstance(t, ast.Name) for t in targets):
            usage.escaped.update(_names_in(node.value))
    elif isinstance(node, ast.Global | ast.Nonlocal):
        usage.escaped.update(node.names)


def _returned_names(value: ast.expr) -> set[str]:
    if isinstance(value, ast.Name):
        return {value.id}
    if isinstance(value, ast.Tuple | ast.List):
        return {e.id for e in value.elts if isinstance(e, ast.Name)}
    if isinstance(value, ast.Dict):
        return {v.id for v in value.values if isinstance(v, ast.Name)}
    if isinstance(value, ast.Call):
        # `return UserRepository(db)`: the object that now owns the session goes to the caller.
        callee = value.func.attr if isinstance(value.func, ast.Attribute) else (
            value.func.id if isinstance(value.func, ast.Name) else "")
        if callee[:1].isupper():
            return {a.id for a in (*value.args, *(k.value for k in value.keywords))
                    if isinstance(a, ast.Name)}
    return set()


def _names_in(value: ast.expr) -> set[str]:
    if isinstance(value, ast.Name):
        return {value.id}
    if isinstance(value, ast.Call):
        return {a.id for a in (*value.args, *(k.value for k in value.keywords))
                if isinstance(a, ast.Name)}
    if isinstance(value, ast.Tuple | ast.List):
        return {e.id for e in value.elts if isinstance(e, ast.Name)}
    return set()
