"""JavaScript/TypeScript migrations: which code runs in `up` and in `down`, and what the up
code does to the schema, for Knex, TypeORM, Sequelize, node-pg-migrate and Kysely.

Knex:     `exports.up = (knex) => knex.schema.alterTable('users', (t) => { t.dropColumn(..) })`
TypeORM:  `async up(queryRunner) { await queryRunner.dropColumn('users', 'legacy') }`
Sequelize: `async up(queryInterface) { await queryInterface.removeColumn('users', 'legacy') }`
node-pg-migrate: `exports.up = (pgm) => { pgm.dropColumns('users', ['legacy']) }`
Kysely:   `await db.schema.alterTable('users').dropColumn('legacy').execute()`
Raw SQL passed to `query`/`raw`/`sql`/... is read with the SQL helpers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from tree_sitter import Node

from reviewer.rules.sqlmigrations import _sql
from reviewer.rules.sqlmigrations._sql import Change
from reviewer.treesitter import FUNCTION_TYPES, TreeModule

RAW_METHODS = frozenset({"query", "raw", "sql", "exec", "execute", "unsafe", "runSql",
                         "executeSql", "addSql"})
# Knex: `knex.schema.<builder>('table', (t) => { ... })` hands a table builder to the callback.
TABLE_BUILDERS = frozenset({"table", "alterTable", "createTable", "createTableIfNotExists",
                            "createTableLike"})
# Knex table builder methods that do not declare a column.
NOT_COLUMN_TYPES = frozenset({
    "index", "unique", "primary", "foreign", "dropColumn", "dropColumns", "renameColumn",
    "dropIndex", "dropUnique", "dropForeign", "dropPrimary", "dropTimestamps", "timestamps",
    "increments", "bigIncrements", "comment", "engine", "charset", "collate", "inherits",
    "setNullable", "dropNullable", "check", "dropChecks", "queryContext", "dropSqlOn",
})
SQL_HINT = re.compile(r"\b(?:ALTER|CREATE|DROP|RENAME)\b", re.IGNORECASE)
NOT_POSTGRES_HINT = re.compile(r"\.engine\(|\.charset\(|\.collate\(|['\"](?:mysql2?|sqlite3?|"
                               r"better-sqlite3|mssql|oracledb)['\"]|utf8mb4|InnoDB|`\w+`\.",
                               re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Op:
    """One schema change the up code makes, reported at `node`."""

    node: Node
    change: Change
    api: str  # e.g. "queryRunner.dropColumn", "knex.raw", "table.dropColumn"
    sql: bool = False  # found in raw SQL text
    code: str = ""
    at: Node | None = None  # where to report when not at the call's start (chained methods)


def string_value(module: TreeModule, node: Node | None) -> str | None:
    """The value of a string literal or a template without substitutions."""
    if node is None:
        return None
    if node.type == "string":
        return _unescape(module.text_of(node)[1:-1])
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        return module.text_of(node)[1:-1]
    return None


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def sql_text(module: TreeModule, node: Node | None, depth: int = 2) -> str | None:
    """SQL an argument carries: strings, templates (substitutions become placeholders),
    `+` concatenations and constants declared in the file."""
    if node is None:
        return None
    if node.type == "string":
        return string_value(module, node)
    if node.type == "template_string":
        parts = []
        for child in node.children:
            if child.type == "template_substitution":
                inner = module.text_of(child)
                parts.append(" CONCURRENTLY " if "concurrent" in inner.lower()
                             else f" {_sql.PLACEHOLDER} ")
            elif child.type not in ("`",):
                parts.append(module.text_of(child))
        return "".join(parts)
    if node.type == "binary_expression" and module.text_of(
            node.child_by_field_name("operator")) == "+":
        left = sql_text(module, node.child_by_field_name("left"), depth)
        right = sql_text(module, node.child_by_field_name("right"), depth)
        if left is None and right is None:
            return None
        return (left or f" {_sql.PLACEHOLDER} ") + (right or f" {_sql.PLACEHOLDER} ")
    if node.type == "parenthesized_expression" and node.named_children:
        return sql_text(module, node.named_children[0], depth)
    if node.type == "identifier" and depth > 0:
        value = declared_value(module, module.text_of(node))
        return sql_text(module, value, depth - 1) if value is not None else None
    return None


def declared_value(module: TreeModule, name: str) -> Node | None:
    """The initial value of the last `const/let/var <name> = ...` in the file."""
    found = None
    for _, captures in module.matches(
            "(variable_declarator name: (identifier) @name value: (_) @value)"):
        if module.text_of(captures["name"][0]) == name:
            found = captures["value"][0]
    return found


def _arguments(node: Node) -> list[Node]:
    args = node.child_by_field_name("arguments")
    if args is None:
        return []
    if args.type == "template_string":
        return [args]
    return [c for c in args.named_children if c.type != "comment"]


def _chain(module: TreeModule, node: Node) -> tuple[Node | None, list[tuple[str, Node]]]:
    """`a.b(1).c(2)` -> (a, [("b", call1), ("c", call2)]), innermost call first."""
    links = []
    current: Node | None = node
    while current is not None and current.type == "call_expression":
        function = current.child_by_field_name("function")
        if function is None:
            break
        if function.type == "member_expression":
            links.append((module.text_of(function.child_by_field_name("property")), current))
            current = function.child_by_field_name("object")
        else:
            links.append((module.text_of(function), current))
            current = None
            break
    while current is not None and current.type in ("await_expression",
                                                   "parenthesized_expression"):
        current = current.named_children[0] if current.named_children else None
    return current, list(reversed(links))


def _property(call: Node) -> Node | None:
    function = call.child_by_field_name("function")
    if function is not None and function.type == "member_expression":
        return function.child_by_field_name("property")
    return None


def _same(a: Node | None, b: Node | None) -> bool:
    return (a is not None and b is not None and a.start_byte == b.start_byte
            and a.end_byte == b.end_byte and a.type == b.type)


def _outermost_in_chain(node: Node) -> bool:
    parent = node.parent
    return not (parent is not None and parent.type == "member_expression"
                and _same(parent.child_by_field_name("object"), node)
                and parent.parent is not None and parent.parent.type == "call_expression")


def _base_name(module: TreeModule, node: Node | None) -> str:
    """Leftmost identifier of `a.b.c` / `this.a.b` / `a.b('x').c`."""
    while node is not None and node.type in ("member_expression", "call_expression"):
        node = node.child_by_field_name(
            "object" if node.type == "member_expression" else "function")
    return module.text_of(node) if node is not None else ""


def first_parameter(module: TreeModule, function: Node) -> str:
    params = function.child_by_field_name("parameters")
    if params is None:
        param = function.child_by_field_name("parameter")  # `t => ...`
        return module.text_of(param) if param is not None else ""
    for child in params.named_children:
        if child.type == "identifier":
            return module.text_of(child)
        if child.type in ("required_parameter", "optional_parameter"):
            pattern = child.child_by_field_name("pattern") or (
                child.named_children[0] if child.named_children else None)
            return module.text_of(pattern) if pattern is not None and (
                pattern.type == "identifier") else ""
        if child.type != "comment":
            return ""
    return ""


def object_pairs(module: TreeModule, node: Node | None) -> dict[str, Node] | None:
    """`{ a: 1, 'b': x }` -> {"a": <1>, "b": <x>}; None when not a plain object."""
    if node is None or node.type != "object":
        return None
    pairs = {}
    for child in node.named_children:
        if child.type == "pair":
            key = child.child_by_field_name("key")
            name = string_value(module, key) if key.type == "string" else module.text_of(key)
            pairs[name] = child.child_by_field_name("value")
        elif child.type == "spread_element":
            return None
        elif child.type == "shorthand_property_identifier":
            pairs[module.text_of(child)] = child
    return pairs


def _constructed(module: TreeModule, node: Node | None, names: tuple[str, ...]
                 ) -> dict[str, Node] | None:
    """The options object of `new TableColumn({...})` (or a plain object)."""
    if node is None:
        return None
    if node.type == "identifier":
        node = declared_value(module, module.text_of(node))
    if node is not None and node.type == "new_expression":
        constructor = module.text_of(node.child_by_field_name("constructor"))
        if constructor.rsplit(".", 1)[-1] not in names:
            return None
        args = _arguments(node)
        return object_pairs(module, args[0]) if args else None
    return object_pairs(module, node)


def _is_true(module: TreeModule, node: Node | None) -> bool:
    return node is not None and module.text_of(node) == "true"


def _is_false(module: TreeModule, node: Node | None) -> bool:
    return node is not None and module.text_of(node) == "false"


def _present(module: TreeModule, node: Node | None) -> bool:
    return node is not None and module.text_of(node) not in ("undefined", "null")


class JsMigration:
    """Phases (up/down) of a migration module's functions and the schema changes of `up`."""

    def __init__(self, module: TreeModule) -> None:
        self.module = module
        self._owner_phase = self._phases()
        self._ops: list[Op] | None = None
        self._sql_texts: list[str] = []

    # -- phases ---------------------------------------------------------------------------

    def name(self, function: Node) -> str:
        name = self.module.function_name(function).rsplit(".", 1)[-1]
        return name.strip("'\"`")

    def outermost(self, node: Node) -> Node | None:
        found = None
        for ancestor in self.module.ancestors(node):
            if ancestor.type in FUNCTION_TYPES[self.module.language]:
                found = ancestor
        return found

    def definitions(self) -> list[Node]:
        """Outermost functions named up or down: the migration's entry points."""
        found = []
        for function in self._outermost_functions():
            if self.name(function) in ("up", "down"):
                found.append(function)
        return found

    def _outermost_functions(self) -> list[Node]:
        nodes = []
        for kind in sorted(FUNCTION_TYPES[self.module.language]):
            try:
                nodes.extend(self.module.captures(f"({kind}) @f").get("f", []))
            except Exception:  # noqa: BLE001, S112 - a node type this grammar lacks
                continue
        nodes.sort(key=lambda n: n.start_byte)
        return [n for n in nodes if self.outermost(n) is None]

    def _phases(self) -> dict[tuple[int, int], str]:
        owners = {}
        for function in self._outermost_functions():
            owners[(function.start_byte, function.end_byte)] = self.name(function)
        calls: dict[str, set[str]] = {}
        names = set(owners.values())
        for call in self.module.calls:
            owner = self.outermost(call.node)
            if owner is None:
                continue
            callee = call.name.removeprefix("this.")
            if "." not in callee and callee in names:
                calls.setdefault(self.name(owner), set()).add(callee)

        def reach(start: str) -> set[str]:
            seen, stack = set(), [start]
            while stack:
                name = stack.pop()
                if name in seen:
                    continue
                seen.add(name)
                stack.extend(calls.get(name, ()))
            return seen

        up, down = reach("up"), reach("down")
        phase_of = {name: "up" for name in up - down}
        phase_of.update({name: "down" for name in down - up})
        phase_of["up"], phase_of["down"] = "up", "down"
        return {key: phase_of[name] for key, name in owners.items() if name in phase_of}

    def phase(self, node: Node) -> str | None:
        owner = self.outermost(node)
        if owner is None:
            return None
        return self._owner_phase.get((owner.start_byte, owner.end_byte))

    # -- what up does ---------------------------------------------------------------------

    def up_ops(self) -> list[Op]:
        if self._ops is None:
            self._ops = [op for op in self._all_ops() if self.phase(op.node) == "up"]
        return self._ops

    def created_tables(self) -> set[str]:
        tables = set()
        for op in self.up_ops():
            if op.change.kind == "create-table":
                tables.add(op.change.key)
            elif op.change.kind == "rename-table":
                tables.add(_sql.table_key(op.change.new))
        return tables

    def postgres(self) -> bool:
        """False when the file shows it targets MySQL, SQLite or another database."""
        self.up_ops()
        if NOT_POSTGRES_HINT.search(self.module.text):
            return False
        return all(_sql.postgres_compatible(text) for text in self._sql_texts)

    def _all_ops(self) -> list[Op]:
        ops: list[Op] = []
        for call in self.module.calls:
            if self.phase(call.node) is None:
                continue
            ops.extend(self._raw(call.node, call.name))
            builder = self._builder(call.node)
            if builder is not None:
                if _outermost_in_chain(call.node):
                    ops.extend(self._builder_ops(call.node, *builder))
                continue
            if not _outermost_in_chain(call.node):
                continue
            base, links = _chain(self.module, call.node)
            base_text = self.module.text_of(base) if base is not None else ""
            if base_text == "schema" or base_text.endswith(".schema") or any(
                    name == "withSchema" for name, _ in links):
                ops.extend(self._schema_chain(base_text, links))
            elif len(links) == 1 and base is not None:
                ops.extend(self._runner_op(call.node, links[0][0], base_text))
        return ops

    def _raw(self, node: Node, name: str) -> list[Op]:
        attr = name.rsplit(".", 1)[-1]
        if attr not in RAW_METHODS:
            return []
        args = _arguments(node)
        text = sql_text(self.module, args[0]) if args else None
        if not text or not SQL_HINT.search(text):
            return []
        self._sql_texts.append(text)
        ops = []
        for statement in _sql.statements(text, markers=False):
            for change in _sql.changes(statement.sql):
                ops.append(Op(node, change, name, sql=True, code=statement.code))
            match = _sql.CREATE_TABLE.match(statement.sql)
            if match:
                ops.append(Op(node, Change("create-table", _sql.display_name(match.group(1))),
                              name, sql=True, code=statement.code))
        return ops

    # Knex table builder: `knex.schema.alterTable('users', (t) => { t.dropColumn('x') })`

    def _builder(self, node: Node) -> tuple[str, bool, str] | None:
        """(table, created here, builder name) when the call is on a Knex table builder."""
        function = node.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            return None
        base = _base_name(self.module, function)
        for ancestor in self.module.ancestors(node):
            if ancestor.type not in FUNCTION_TYPES[self.module.language]:
                continue
            if first_parameter(self.module, ancestor) != base:
                continue
            args = ancestor.parent
            outer = args.parent if args is not None else None
            if (args is None or args.type != "arguments" or outer is None
                    or outer.type != "call_expression"):
                return None
            callee = outer.child_by_field_name("function")
            attr = self.module.text_of(callee).rsplit(".", 1)[-1]
            if attr not in TABLE_BUILDERS or "schema" not in self.module.text_of(callee):
                return None
            outer_args = _arguments(outer)
            table = string_value(self.module, outer_args[0]) if outer_args else None
            return table or "?", attr.startswith("create"), base
        return None

    def _builder_ops(self, node: Node, table: str, created: bool, base: str) -> list[Op]:
        _, links = _chain(self.module, node)
        if not links:
            return []
        first, first_call = links[0]
        args = [string_value(self.module, a) for a in _arguments(first_call)]
        api = f"{base}.{first}"
        code = self.module.code(node)
        if created:
            return [Op(node, Change("create-table", table), api, code=code)]
        if first in ("dropColumn", "dropColumns"):
            return [Op(node, Change("drop-column", table, column=a), api, code=code)
                    for a in args if a]
        if first == "renameColumn" and len(args) >= 2 and args[0] and args[1]:
            return [Op(node, Change("rename-column", table, column=args[0], new=args[1]), api,
                       code=code)]
        if first == "index":
            columns = _arguments(first_call)
            name = args[1] if len(args) > 1 and args[1] else ""
            column = (args[0] if args and args[0] else
                      self.module.text_of(columns[0]) if columns else "")
            return [Op(node, Change("index", table, column=column, name=name), api, code=code)]
        if first in NOT_COLUMN_TYPES or not args or not args[0]:
            return []
        names = [name for name, _ in links[1:]]
        if "alter" in names:
            return []  # changes an existing column
        not_null = "notNullable" in names and "nullable" not in names
        default = "defaultTo" in names or "primary" in names or first in (
            "increments", "bigIncrements", "bigincrements")
        definition = first + (" NOT NULL" if not_null else "") + (" DEFAULT x" if default else "")
        return [Op(node, Change("add-column", table, column=args[0], definition=definition),
                   api, code=code)]

    # Knex / Kysely schema chains: `knex.schema.dropTable('x')`,
    # `db.schema.alterTable('t').dropColumn('c').execute()`

    def _schema_chain(self, base: str, links: list[tuple[str, Node]]) -> list[Op]:
        ops = []
        current: str | None = None
        for name, link in links:
            raw_args = _arguments(link)
            args = [string_value(self.module, a) for a in raw_args]
            arguments = link.child_by_field_name("arguments")
            code = f"{base}.{name}{self.module.code(arguments) if arguments else ''}"
            api = f"{base.rsplit('.', 1)[-1]}.{name}"
            call = link
            if name in ("dropTable", "dropTableIfExists") and args and args[0]:
                ops.append(Op(call, Change("drop-table", args[0]), api, code=code))
            elif name == "renameTable" and len(args) >= 2 and args[0] and args[1]:
                ops.append(Op(call, Change("rename-table", args[0], new=args[1]), api,
                              code=code))
            elif name in ("createTable", "createTableIfNotExists", "createTableLike") and args:
                ops.append(Op(call, Change("create-table", args[0] or "?"), api, code=code))
            elif name in ("alterTable", "table") and len(raw_args) == 1:
                current = args[0] or "?"
            elif current is None:
                continue
            elif name == "dropColumn" and args and args[0]:
                ops.append(Op(call, Change("drop-column", current, column=args[0]), api,
                              code=code))
            elif name == "renameColumn" and len(args) >= 2 and args[0] and args[1]:
                ops.append(Op(call, Change("rename-column", current, column=args[0],
                                           new=args[1]), api, code=code))
            elif name == "renameTo" and args and args[0]:
                ops.append(Op(call, Change("rename-table", current, new=args[0]), api,
                              code=code))
            elif name == "addColumn" and args and args[0]:
                definition = self._kysely_column(raw_args)
                ops.append(Op(call, Change("add-column", current, column=args[0],
                                           definition=definition), api, code=code))
        return [replace(op, at=_property(op.node)) for op in ops]

    def _kysely_column(self, args: list[Node]) -> str:
        builder = args[2] if len(args) > 2 else None
        if builder is None or builder.type not in FUNCTION_TYPES[self.module.language]:
            return ""
        text = self.module.text_of(builder)
        if ".notNull(" not in text:
            return ""
        if re.search(r"\.(defaultTo|primaryKey|generatedAlwaysAs|generatedAlwaysAsIdentity|"
                     r"generatedByDefaultAsIdentity|autoIncrement|identity)\(", text):
            return "NOT NULL DEFAULT x"
        return "NOT NULL"

    # TypeORM queryRunner / Sequelize queryInterface / node-pg-migrate pgm

    def _runner_op(self, node: Node, name: str, receiver: str) -> list[Op]:
        module = self.module
        args = _arguments(node)
        api = f"{receiver}.{name}"
        code = module.code(node)
        if name in ("createTable",) and args:
            table = self.table_name(args[0])
            return [Op(node, Change("create-table", table), api, code=code)]
        if name in ("dropColumn", "dropColumns", "removeColumn") and len(args) >= 2:
            table = self.table_name(args[0])
            return [Op(node, Change("drop-column", table, column=column), api, code=code)
                    for column in self.column_names(args[1])]
        if name == "dropTable" and args:
            return [Op(node, Change("drop-table", self.table_name(args[0])), api, code=code)]
        if name == "renameColumn" and len(args) >= 3:
            old, new = self.column_names(args[1]), self.column_names(args[2])
            if old and new:
                return [Op(node, Change("rename-column", self.table_name(args[0]),
                                        column=old[0], new=new[0]), api, code=code)]
        if name == "renameTable" and len(args) >= 2:
            return [Op(node, Change("rename-table", self.table_name(args[0]),
                                    new=self.table_name(args[1])), api, code=code)]
        if name in ("addColumn", "addColumns") and len(args) >= 2:
            table = self.table_name(args[0])
            return [Op(node, Change("add-column", table, column=column, definition=definition),
                       api, code=code)
                    for column, definition in self._added_columns(name, args)]
        if name in ("createIndex", "createIndices", "addIndex") and len(args) >= 2:
            return self._runner_index(node, name, args, api, code)
        return []

    def _added_columns(self, name: str, args: list[Node]) -> list[tuple[str, str]]:
        module = self.module
        found = []
        if len(args) >= 3 and string_value(module, args[1]):  # Sequelize
            options = object_pairs(module, args[2])
            if options is not None:
                not_null = _is_false(module, options.get("allowNull"))
                default = any(_present(module, options.get(k)) for k in (
                    "defaultValue", "autoIncrement", "primaryKey"))
                found.append((string_value(module, args[1]),
                              _definition(not_null, default)))
            return found
        columns = args[1]
        items = columns.named_children if columns.type == "array" else [columns]
        for item in items:
            options = _constructed(module, item, ("TableColumn",))
            if options is not None and "name" in options:  # TypeORM
                column = string_value(module, options.get("name")) or "?"
                not_null = _is_false(module, options.get("isNullable"))
                default = any(_present(module, options.get(k)) and not _is_false(
                    module, options.get(k)) for k in (
                    "default", "isPrimary", "isGenerated", "generationStrategy",
                    "asExpression", "generatedType", "generatedIdentity"))
                found.append((column, _definition(not_null, default)))
            elif options is not None and columns.type == "object":  # node-pg-migrate
                for column, spec in options.items():
                    spec_pairs = object_pairs(module, spec)
                    if spec_pairs is None:
                        continue
                    not_null = _is_true(module, spec_pairs.get("notNull"))
                    kind = string_value(module, spec_pairs.get("type")) or ""
                    default = kind.lower().endswith("serial") or any(
                        _present(module, spec_pairs.get(k)) for k in (
                            "default", "primaryKey", "sequenceGenerated", "generated",
                            "expressionGenerated"))
                    found.append((column, _definition(not_null, default)))
        return found

    def _runner_index(self, node: Node, name: str, args: list[Node], api: str,
                      code: str) -> list[Op]:
        module = self.module
        table = self.table_name(args[0])
        pgm = "pgm" in api.split(".")[0].lower()
        if name == "createIndices" and args[1].type == "array":
            items = args[1].named_children
        else:
            items = [args[1]]
        ops = []
        for item in items:
            options = _constructed(module, item, ("TableIndex",))
            if options is not None and "name" in options or item.type == "new_expression":
                # TypeORM: createIndex(table, new TableIndex({...}))
                index = string_value(module, (options or {}).get("name")) or ""
                concurrent = any(_is_true(module, v) for k, v in (options or {}).items()
                                 if "concurrent" in k.lower())
            elif pgm:
                # node-pg-migrate: createIndex(table, columns, { concurrently: true })
                extra = object_pairs(module, args[2]) if len(args) > 2 else {}
                if extra is None:
                    continue
                index = string_value(module, extra.get("name")) or ""
                concurrent = _is_true(module, extra.get("concurrently"))
            else:
                continue  # Sequelize addIndex & co: the dialect is not known here
            ops.append(Op(node, Change("index", table, name=index, concurrently=concurrent),
                          api, code=code))
        return ops

    def table_name(self, node: Node | None, depth: int = 2) -> str:
        module = self.module
        if node is None:
            return "?"
        value = string_value(module, node)
        if value:
            return value
        if node.type in ("await_expression", "non_null_expression", "as_expression",
                         "parenthesized_expression", "satisfies_expression") and (
                node.named_children):
            return self.table_name(node.named_children[0], depth)
        if node.type == "call_expression":  # queryRunner.getTable('users')
            args = _arguments(node)
            return (string_value(module, args[0]) or "?") if args else "?"
        if node.type == "new_expression":  # new Table({ name: 'users' })
            options = _constructed(module, node, ("Table",))
            return string_value(module, (options or {}).get("name")) or "?"
        if node.type == "object":  # { tableName: 'users', schema: 'public' }
            options = object_pairs(module, node) or {}
            return string_value(module, options.get("tableName") or options.get("name")) or "?"
        if node.type == "identifier" and depth > 0:
            value_node = declared_value(module, module.text_of(node))
            return self.table_name(value_node, depth - 1) if value_node is not None else "?"
        return "?"

    def column_names(self, node: Node) -> list[str]:
        module = self.module
        value = string_value(module, node)
        if value:
            return [value]
        if node.type == "array":
            return [n for item in node.named_children for n in self.column_names(item)]
        options = _constructed(module, node, ("TableColumn",))
        if options is not None and "name" in options:
            return [string_value(module, options["name"]) or "?"]
        if node.type == "identifier":
            value = declared_value(module, module.text_of(node))
            resolved = string_value(module, value) if value is not None else None
            return [resolved or module.text_of(node)]
        return []


def _definition(not_null: bool, default: bool) -> str:
    return "column" + (" NOT NULL" if not_null else "") + (" DEFAULT x" if default else "")


_LAST: list[tuple[TreeModule, JsMigration]] = []


def migration(module: TreeModule) -> JsMigration:
    """The module's migration view, shared by the rules that run on it one after another."""
    if _LAST and _LAST[0][0] is module:
        return _LAST[0][1]
    view = JsMigration(module)
    _LAST[:] = [(module, view)]
    return view


def in_migration(module: TreeModule) -> bool:
    return module.kind is not None and module.kind.role == "migration"
