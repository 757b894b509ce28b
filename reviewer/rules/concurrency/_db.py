"""What a database-session-ish expression is: sync or async SQLAlchemy session, a scoped
registry, an engine connection or a DB-API connection. Shared by the concurrency rules."""

from __future__ import annotations

import ast
import re

from reviewer.python.module import FunctionInfo, PythonModule

SESSION_CLASSES = frozenset({
    "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.Session",
    "sqlmodel.Session",
    "sqlmodel.orm.session.Session",
})
ASYNC_SESSION_CLASSES = frozenset({
    "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.session.AsyncSession",
    "sqlmodel.ext.asyncio.session.AsyncSession",
})
SESSIONMAKERS = frozenset({"sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"})
ASYNC_SESSIONMAKERS = frozenset({
    "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlalchemy.ext.asyncio.session.async_sessionmaker",
})
SCOPED = frozenset({
    "sqlalchemy.orm.scoped_session",
    "sqlalchemy.orm.scoping.scoped_session",
    "sqlalchemy.ext.asyncio.async_scoped_session",
    "sqlalchemy.ext.asyncio.scoping.async_scoped_session",
})
ENGINE_FACTORIES = frozenset({
    "sqlalchemy.create_engine",
    "sqlalchemy.engine.create_engine",
    "sqlalchemy.engine_from_config",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "sqlmodel.create_engine",
})
DBAPI_CONNECT = frozenset({
    "psycopg2.connect",
    "psycopg.connect",
    "sqlite3.connect",
    "pymysql.connect",
    "MySQLdb.connect",
    "mysql.connector.connect",
    "asyncpg.connect",
})
# Names projects give their session factories: SessionLocal, AsyncSessionLocal, session_factory.
FACTORY_NAME = re.compile(
    r"^(?:async_?|Async|db_?|Db|DB)?(?:Session(?:Local|Factory|Maker)|session_?(?:local|factory"
    r"|maker))$"
)


def session_factory_kind(module: PythonModule, func: ast.expr) -> str | None:
    """For the callee of a call: "sync"/"async" when calling it opens a session, "scoped"
    for a scoped_session registry, None when it is not a session factory."""
    if isinstance(func, ast.Call):  # sessionmaker(...)()
        return _maker_kind(module, func)
    resolved = module.resolve(func)
    if not resolved:
        return None
    if resolved in SESSION_CLASSES:
        return "sync"
    if resolved in ASYNC_SESSION_CLASSES:
        return "async"
    if resolved in SESSIONMAKERS or resolved in ASYNC_SESSIONMAKERS or resolved in SCOPED:
        return None
    if isinstance(func, ast.Name) and func.id not in module.aliases:
        values = module.assigned_values(None, func.id)
        if values:
            kinds = {_maker_kind(module, v) for v in values if isinstance(v, ast.Call)}
            kinds.discard(None)
            if kinds:
                return kinds.pop() if len(kinds) == 1 else None
    last = resolved.rsplit(".", 1)[-1]
    if FACTORY_NAME.match(last):
        return "async" if "async" in last.lower() else "sync"
    return None


def _maker_kind(module: PythonModule, call: ast.Call) -> str | None:
    name = module.resolve(call.func)
    if name in SCOPED:
        return "scoped"
    if name in ASYNC_SESSIONMAKERS:
        return "async"
    if name in SESSIONMAKERS:
        class_ = next((kw.value for kw in call.keywords if kw.arg == "class_"), None)
        if class_ is not None and module.resolve(class_) in ASYNC_SESSION_CLASSES:
            return "async"
        if class_ is not None and "async" in module.resolve(class_).lower():
            return "async"
        return "sync"
    return None


def is_engine(module: PythonModule, function: FunctionInfo | None, node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        return module.resolve(node.func) in ENGINE_FACTORIES
    name = module.resolve(node)
    if not name:
        return False
    if "engine" in name.rsplit(".", 1)[-1].lower():
        return True
    if isinstance(node, ast.Name):
        values = module.assigned_values(function, node.id) or module.assigned_values(None, node.id)
        return any(isinstance(v, ast.Call) and module.resolve(v.func) in ENGINE_FACTORIES
                   for v in values)
    return False


def annotation_type(module: PythonModule, annotation: ast.expr | None, depth: int = 2) -> str:
    """The resolved type an annotation names, looking through `Annotated[T, ...]`,
    `T | None`, `Optional[T]` and module-level aliases (`SessionDep = Annotated[...]`)."""
    if annotation is None:
        return ""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return ""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        left = annotation_type(module, annotation.left, depth)
        return left or annotation_type(module, annotation.right, depth)
    if isinstance(annotation, ast.Subscript):
        outer = module.resolve(annotation.value).rsplit(".", 1)[-1]
        if outer in ("Annotated", "Optional"):
            inner = annotation.slice
            if isinstance(inner, ast.Tuple) and inner.elts:
                inner = inner.elts[0]
            return annotation_type(module, inner, depth)
        return ""
    if isinstance(annotation, ast.Name) and depth > 0 and annotation.id not in module.aliases:
        values = module.assigned_values(None, annotation.id)
        if values:
            return annotation_type(module, values[-1], depth - 1)
    return module.resolve(annotation)


def parameter_annotation(function: FunctionInfo, name: str) -> ast.expr | None:
    args = function.node.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg == name:
            return arg.annotation
    return None
