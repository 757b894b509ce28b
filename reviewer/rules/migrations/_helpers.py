"""What the migration rules share: which framework, which phase, which table, which SQL.

Alembic: `op.*` calls and `batch_op.*` calls on a `with op.batch_alter_table(...) as batch_op`
receiver, each placed in the upgrade or downgrade phase of the revision.
Django: `migrations.*` operations, minus those that only change Django's model state.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from reviewer.model import Match
from reviewer.python.module import CallSite, FunctionInfo, PythonModule
from reviewer.python.strings import literal_parts

ALEMBIC_OP = "alembic.op."
DJANGO_MIGRATIONS = "django.db.migrations."
# Position of the table argument in `op.<name>(...)`; batch operations leave it out.
TABLE_POSITION = {"create_index": 1, "create_foreign_key": 1, "drop_index": 1,
                  "drop_constraint": 1}
TABLE_KEYWORD = {"create_foreign_key": "source_table", "rename_table": "old_table_name"}
# Hints that the revision targets a database that indexes foreign keys itself or has no
# concurrent index builds.
OTHER_DIALECTS = ("sqlalchemy.dialects.mysql", "sqlalchemy.dialects.sqlite",
                  "sqlalchemy.dialects.mssql", "sqlalchemy.dialects.oracle")


def in_migration(module: PythonModule) -> bool:
    """A migration by its path and by its content: an Alembic revision or a Django
    `Migration` class. Django's own `django/db/migrations/` package is not one."""
    if module.kind is None or module.kind.role != "migration":
        return False
    return is_alembic(module) or _defines_django_migration(module)


def _defines_django_migration(module: PythonModule) -> bool:
    for node in module.classes:
        for base in node.bases:
            if module.resolve(base).endswith("migrations.Migration") or (
                isinstance(base, ast.Name) and base.id == "Migration"
            ):
                return True
    return False


def const_str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def has_star_kwargs(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords)


def argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    value = keyword(call, name)
    if value is not None:
        return value
    args = call.args
    if position < len(args) and not any(isinstance(a, ast.Starred) for a in args[: position + 1]):
        return args[position]
    return None


def make_match(rule_id: str, module: PythonModule, node: ast.AST, message: str,
               scope: str) -> Match:
    return Match(
        rule_id=rule_id,
        line=node.lineno,
        end_line=node.end_lineno or node.lineno,
        message=message,
        code=module.code(node),
        scope=scope,
    )


def other_dialect(module: PythonModule) -> bool:
    return any(module.imports(prefix) for prefix in OTHER_DIALECTS)


# --- Alembic -------------------------------------------------------------------------------


def top_level_functions(module: PythonModule) -> dict[str, FunctionInfo]:
    return {f.name: f for f in module.functions if f.parent is None and f.class_name is None}


def is_alembic(module: PythonModule) -> bool:
    if module.imports("alembic"):
        return True
    module_names = module.assignments.get(None, {})
    return "revision" in module_names and "down_revision" in module_names


def _reachable(functions: dict[str, FunctionInfo], prefix: str) -> set[str]:
    seen: set[str] = set()
    stack = [name for name in functions if name.startswith(prefix)]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(call.name for call in functions[name].calls
                     if call.name in functions and call.name not in seen)
    return seen


def phases(module: PythonModule) -> dict[str, str]:
    """Top-level function name -> "upgrade" or "downgrade", following helper calls."""
    functions = top_level_functions(module)
    up = _reachable(functions, "upgrade")
    down = _reachable(functions, "downgrade")
    result = {name: "upgrade" for name in up - down}
    result.update({name: "downgrade" for name in down - up})
    return result


def outermost(function: FunctionInfo | None) -> FunctionInfo | None:
    while function is not None and function.parent is not None:
        function = function.parent
    return function


@dataclass(slots=True)
class AlembicOp:
    call: CallSite
    name: str
    batch: bool
    # The table the operation works on, when it is a literal (or the batch table's literal).
    table: str | None
    phase: str | None

    def arg(self, position: int, name: str) -> ast.expr | None:
        """Argument by its position in `op.<name>(...)`, shifted for batch operations."""
        if self.batch:
            table_at = TABLE_POSITION.get(self.name, 0)
            if position == table_at:
                return None
            if position > table_at:
                position -= 1
        return argument(self.call.node, position, name)


def _batch_table(module: PythonModule, call: CallSite) -> tuple[bool, str | None]:
    receiver = call.node.func
    if not (isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)):
        return False, None
    for value in module.assigned_values(call.function, receiver.value.id):
        if isinstance(value, ast.Call) and module.resolve(value.func) == (
                ALEMBIC_OP + "batch_alter_table"):
            return True, const_str(argument(value, 0, "table_name"))
    return False, None


def alembic_ops(module: PythonModule) -> list[AlembicOp]:
    if not is_alembic(module):
        return []
    phase_of = phases(module)
    found = []
    for call in module.calls:
        if call.name.startswith(ALEMBIC_OP) and call.name.count(".") == 2:
            batch, table = False, None
        elif isinstance(call.node.func, ast.Attribute) and call.function is not None:
            batch, table = _batch_table(module, call)
            if not batch:
                continue
        else:
            continue
        name = call.attr
        top = outermost(call.function)
        phase = phase_of.get(top.name) if top is not None else None
        op = AlembicOp(call=call, name=name, batch=batch, table=table, phase=phase)
        if not batch:
            op.table = const_str(argument(call.node, TABLE_POSITION.get(name, 0),
                                          TABLE_KEYWORD.get(name, "table_name")))
        found.append(op)
    return found


def created_tables(ops: list[AlembicOp], module: PythonModule) -> set[str]:
    """Tables the upgrade creates itself, by op.create_table or CREATE TABLE in op.execute."""
    tables = {op.table for op in ops
              if op.phase == "upgrade" and op.name == "create_table" and op.table}
    for op in ops:
        if op.phase == "upgrade" and op.name == "execute":
            for text in sql_texts(module, op.call, op.arg(0, "sqltext")):
                tables.update(m.lower() for m in CREATE_TABLE.findall(text))
    return {t.lower() for t in tables}


def column_call(module: PythonModule, call: CallSite, node: ast.expr | None) -> ast.Call | None:
    """The `sa.Column(...)` an argument is, directly or through a local variable."""
    if isinstance(node, ast.Name):
        values = [v for v in module.assigned_values(call.function, node.id)
                  if v.lineno <= call.node.lineno]
        node = values[-1] if values else None
    if isinstance(node, ast.Call) and module.resolve(node.func).rsplit(".", 1)[-1] == "Column":
        return node
    return None


def column_name(node: ast.Call) -> str | None:
    return const_str(argument(node, 0, "name"))


# --- Django --------------------------------------------------------------------------------


def django_op(call: CallSite) -> str | None:
    if call.name.startswith(DJANGO_MIGRATIONS):
        return call.attr
    return None


def _state_only_names(module: PythonModule) -> set[str]:
    names = set()
    for call in module.calls:
        if django_op(call) == "SeparateDatabaseAndState":
            value = argument(call.node, 1, "state_operations")
            if isinstance(value, ast.Name):
                names.add(value.id)
    return names


class DjangoContext:
    """Per-file facts: models the migration creates, initial-ness, state-only operations."""

    def __init__(self, module: PythonModule) -> None:
        self.module = module
        self.created_models: set[str] = set()
        self.initial = False
        for call in module.calls:
            if django_op(call) == "CreateModel":
                name = const_str(argument(call.node, 0, "name"))
                if name:
                    self.created_models.add(name.lower())
        for cls in module.classes:
            for statement in cls.body:
                if (isinstance(statement, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "initial"
                                for t in statement.targets)
                        and is_true(statement.value)):
                    self.initial = True
        self._state_names = _state_only_names(module)

    def new_model(self, model_name: str | None) -> bool:
        return self.initial or (model_name is not None
                                and model_name.lower() in self.created_models)

    def state_only(self, node: ast.AST) -> bool:
        """True inside `SeparateDatabaseAndState(state_operations=[...])`: no SQL runs."""
        child = node
        for ancestor in self.module.ancestors(node):
            if isinstance(ancestor, ast.keyword) and ancestor.arg == "state_operations":
                return True
            if isinstance(ancestor, ast.Call) and self.module.resolve(
                    ancestor.func).endswith(".SeparateDatabaseAndState"):
                return len(ancestor.args) > 1 and ancestor.args[1] is child
            if isinstance(ancestor, ast.stmt):
                if isinstance(ancestor, ast.Assign | ast.AnnAssign):
                    targets = (ancestor.targets if isinstance(ancestor, ast.Assign)
                               else [ancestor.target])
                    return any(isinstance(t, ast.Name) and t.id in self._state_names
                               for t in targets)
                return False
            child = ancestor
        return False


def field_type(module: PythonModule, node: ast.Call) -> str:
    return module.resolve(node.func).rsplit(".", 1)[-1]


# --- SQL -----------------------------------------------------------------------------------

CREATE_TABLE = re.compile(
    r"\bCREATE\s+(?:UNLOGGED\s+|TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?:\"?\w+\"?\.)?\"?(\w+)\"?",
    re.IGNORECASE,
)


def sql_texts(module: PythonModule, call: CallSite, node: ast.expr | None,
              depth: int = 2) -> list[str]:
    """The literal SQL text an argument carries: strings, `sa.text(...)`, lists of them,
    `(sql, params)` pairs, and local or module-level constants holding them."""
    if node is None:
        return []
    if isinstance(node, ast.Name) and depth > 0:
        values = list(module.assigned_values(call.function, node.id))
        if not values:
            values = module.assigned_values(None, node.id)
        texts = []
        for value in values[-1:]:
            texts.extend(sql_texts(module, call, value, depth - 1))
        return texts
    if isinstance(node, ast.List | ast.Tuple):
        elements = node.elts
        if (isinstance(node, ast.Tuple) and len(elements) == 2
                and not literal_parts(elements[1])):
            elements = elements[:1]  # (sql, params)
        texts = []
        for element in elements:
            texts.extend(sql_texts(module, call, element, depth))
        return texts
    if isinstance(node, ast.Call) and node.args and module.resolve(node.func).rsplit(
            ".", 1)[-1] in ("text", "DDL"):
        return sql_texts(module, call, node.args[0], depth)
    parts = literal_parts(node)
    return [" ".join(parts)] if parts else []


def strip_sql_comments(text: str) -> str:
    text = re.sub(r"--[^\n]*", " ", text)
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
