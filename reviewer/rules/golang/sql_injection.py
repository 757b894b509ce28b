"""sql-injection for Go: database/sql, sqlx, pgx and gorm queries built with `fmt.Sprintf` or
`+` from run-time values (parameters, request data, os.Args), directly or through locals.

Run-time values are function parameters carrying text (strings, byte slices, local
struct types), request data and command-line input, followed through locals, `+=`,
`append`, `strings.*` and `fmt.Sprint*`. The query text must look like SQL (or, for gorm
`Where/Order/...`, like a condition or sort clause); a query that is request data as a
whole (`db.Order(c.Query("sort"))`) is reported too.

Safe: constant text, bound parameters (`?`, `$1`) with separate arguments, prepared
statements' arguments (`stmt.QueryRow(x)`), constants (also package-level `var`s holding
literals and other packages' exported names), numbers (`strconv.Atoi` results, `int`
parameters) spliced with `%v`, anything spliced with a numeric verb (`%d`, `%x`...: a string
given to `%d` prints as `%!d(string=...)`, which cannot form valid SQL; gosec agrees),
quoted identifiers (`pq.QuoteIdentifier`), `strings.Join` of placeholder lists,
allow-list map lookups (`sortColumns[c.Query("sort")]`), receiver fields (`s.table`) and
results of unknown functions. Test files are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.golang._go import (
    DB_NAME,
    REQUEST,
    GoIndex,
    chain_base,
    index_for,
    is_test,
    make_match,
    operator_of,
    short,
    squash,
)
from reviewer.rules.security.sql_injection import SQL_WORDS
from reviewer.treesitter import TreeCall, TreeModule

# method -> position of the query argument (after a leading context, which is skipped)
QUERY_POSITION = {
    "Query": 0, "QueryRow": 0, "Exec": 0, "Prepare": 0, "Queryx": 0, "QueryRowx": 0,
    "MustExec": 0, "NamedExec": 0, "NamedQuery": 0, "Preparex": 0, "PrepareNamed": 0,
    "QueryContext": 1, "QueryRowContext": 1, "ExecContext": 1, "PrepareContext": 1,
    "QueryxContext": 1, "QueryRowxContext": 1, "MustExecContext": 1, "NamedExecContext": 1,
    "NamedQueryContext": 1, "PreparexContext": 1, "PrepareNamedContext": 1, "Raw": 0,
}
# gorm / squirrel clause builders: a fragment of SQL, safe with `?` and arguments.
FRAGMENT_METHODS = frozenset({"Where", "Or", "Not", "Having", "Joins", "Order", "Group"})
# sqlx `Select(&dest, query, ...)` / `Get(&dest, query, ...)`: the query follows `&dest`.
DEST_METHODS = frozenset({"Select", "Get", "SelectContext", "GetContext"})
FRAGMENT_SQL = re.compile(
    r"[=<>]|\b(?:like|ilike|in|is|asc|desc|and|or|not|between|select|from|where|join|"
    r"order\s+by|group\s+by|limit|offset)\b", re.IGNORECASE)
CONTEXT_ARG = re.compile(r"(?i)^(?:ctx|c|context\.\w+\(.*\)|\w*ctx|\w*context\w*|.*\.Context\(\))$")
VERB = re.compile(r"%(?:\[(\d+)\])?[-+# 0]*(\*|\d+)?(?:\.(\*|\d+)?)?([a-zA-Z%])")
STRING_VERBS = frozenset("svq")
REBIND = frozenset({"Rebind", "In"})
STATEMENT_NAME = re.compile(r"(?i)^stmt|stmt$|statement$")


@language_check("sql-injection", "go")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if is_test(module):
        return []
    found = []
    index: GoIndex | None = None
    for call in module.calls:
        attr = call.name.rsplit(".", 1)[-1]
        if "." not in call.name:
            continue
        if attr not in QUERY_POSITION and attr not in FRAGMENT_METHODS and \
                attr not in DEST_METHODS:
            continue
        query = _query_argument(module, call, attr)
        if query is None or query.type in ("interpreted_string_literal", "raw_string_literal"):
            continue
        if index is None:
            index = index_for(module)
        if _prepared_statement(index, call):
            continue  # `stmt.QueryRow(args...)`: the arguments are bound parameters
        problem = _problem(index, call, attr, query)
        if problem:
            found.append(make_match(rule, module, call.node, problem))
    return [m for m in found if m is not None]


def _database_receiver(index: GoIndex, call: TreeCall) -> bool:
    base, _ = chain_base(call.callee)
    return base is not None and bool(DB_NAME.search(index.module.text_of(base).rsplit(".", 1)[-1]))


def _prepared_statement(index: GoIndex, call: TreeCall) -> bool:
    receiver = call.callee.child_by_field_name("operand") if call.callee.type == \
        "selector_expression" else None
    if receiver is None:
        return False
    text = index.module.text_of(receiver)
    if STATEMENT_NAME.search(text.rsplit(".", 1)[-1]):
        return True
    if receiver.type == "identifier":
        return any(b.value is not None and ".Prepare" in index.module.text_of(b.value)
                   for b in index.bindings(text, call.function, call.node.start_byte))
    return False


def _query_argument(module: TreeModule, call: TreeCall, attr: str) -> Node | None:
    args = call.arguments
    if attr in DEST_METHODS:
        for i, arg in enumerate(args[:-1]):
            if arg.type == "unary_expression" and module.text_of(arg).startswith("&"):
                return args[i + 1]
        return None
    position = QUERY_POSITION.get(attr, 0)
    if position == 0 and len(args) >= 2 and CONTEXT_ARG.match(squash(module, args[0])):
        position = 1  # pgx: `conn.Query(ctx, sql, args...)`
    return args[position] if len(args) > position else None


def _problem(index: GoIndex, call: TreeCall, attr: str, query: Node) -> str | None:
    function = call.function
    parts = _parts(index, query, function, call.node.start_byte, depth=4)
    literals = " ".join(p for kind, p in parts if kind == "lit")
    values = [p for kind, p in parts if kind == "val"]
    if not values:
        return None
    unsafe = []
    request = False
    for value, value_function, pos in values:
        if index.is_constant(value, value_function) or index.is_numeric(value, value_function):
            continue
        origins = index.origins(value, value_function, pos)
        if origins:
            unsafe.append(value)
            request = request or REQUEST in origins
    if not unsafe:
        return None
    fragment = attr in FRAGMENT_METHODS
    looks_sql = bool(SQL_WORDS.search(literals)) or (fragment and bool(
        FRAGMENT_SQL.search(literals)))
    whole = len(parts) == 1 and not literals
    if not looks_sql and not (whole and request and _database_receiver(index, call)):
        return None
    shown = short(index.module.text_of(unsafe[0]), 40)
    method = f"{call.name.rsplit('.', 1)[0].split('.')[-1]}.{attr}"
    if whole:
        return (f"`{method}()` runs SQL taken from the request (`{shown}`): the client "
                "writes the statement. Keep the SQL constant and bind values as parameters.")
    how = "fmt.Sprintf" if "Sprintf" in index.module.text_of(query) or _via_sprintf(
        index, query, function) else "string concatenation"
    return (f"SQL passed to `{method}()` is built with {how} from run-time values (`{shown}`): "
            "a crafted value rewrites the statement. Use placeholders (`?`/`$1`) and pass "
            "the values as arguments.")


def _via_sprintf(index: GoIndex, query: Node, function: Node | None) -> bool:
    if query.type != "identifier":
        return False
    return any(b.value is not None and "Sprintf" in index.module.text_of(b.value)
               for b in index.bindings(index.module.text_of(query), function,
                                       query.start_byte))


def _parts(index: GoIndex, node: Node, function: Node | None, pos: int,
           depth: int) -> list[tuple[str, object]]:
    """The text pieces ("lit", str) and spliced values ("val", (node, function, pos)) of a
    string expression, following local variables."""
    module = index.module
    kind = node.type
    if kind in ("interpreted_string_literal", "raw_string_literal"):
        return [("lit", index.string_value(node) or "")]
    if kind == "parenthesized_expression" and node.named_child_count:
        return _parts(index, node.named_children[0], function, pos, depth)
    if kind == "binary_expression" and operator_of(node) == "+":
        return (_parts(index, node.child_by_field_name("left"), function, pos, depth)
                + _parts(index, node.child_by_field_name("right"), function, pos, depth))
    if kind == "call_expression":
        callee = squash(module, node.child_by_field_name("function"))
        args = [a for a in (node.child_by_field_name("arguments").named_children
                            if node.child_by_field_name("arguments") else [])
                if a.type != "comment"]
        if callee in ("fmt.Sprintf", "fmt.Sprint") and args:
            if callee == "fmt.Sprint":
                out = []
                for arg in args:
                    out += _parts(index, arg, function, pos, depth)
                return out
            return _sprintf_parts(index, args, function, pos, depth)
        if callee.rsplit(".", 1)[-1] in REBIND and args:
            return _parts(index, args[-1] if callee.endswith("Rebind") else args[0], function,
                          pos, depth)
    if kind == "identifier" and depth > 0:
        name = module.text_of(node)
        if name in index.constants:
            return [("lit", index.constant_text(node, function, pos) or "")]
        bindings = index.bindings(name, function, node.start_byte)
        out: list[tuple[str, object]] = []
        for binding in bindings:
            if binding.kind in ("declared", "receiver"):
                continue
            if binding.kind == "param" or binding.value is None:
                out.append(("val", (node, function, pos)))
                continue
            value = binding.value
            if binding.multi:
                callee = squash(module, value.child_by_field_name("function")) \
                    if value.type == "call_expression" else ""
                if callee.rsplit(".", 1)[-1] in REBIND and binding.index == 0:
                    out += _parts(index, value, binding.function, binding.pos, depth - 1)
                else:
                    out.append(("val", (node, function, pos)))
                continue
            if binding.kind == "range" or not _builds_string(module, value):
                out.append(("val", (node, function, pos)))
                continue
            out += _parts(index, value, binding.function, binding.pos, depth - 1)
        if out:
            return out
    return [("val", (node, function, pos))]


def _builds_string(module: TreeModule, node: Node) -> bool:
    kind = node.type
    if kind in ("interpreted_string_literal", "raw_string_literal", "binary_expression",
                "parenthesized_expression", "identifier"):
        return True
    if kind == "call_expression":
        callee = squash(module, node.child_by_field_name("function"))
        return callee in ("fmt.Sprintf", "fmt.Sprint") or callee.rsplit(".", 1)[-1] in REBIND
    return False


def _sprintf_parts(index: GoIndex, args: list[Node], function: Node | None, pos: int,
                   depth: int) -> list[tuple[str, object]]:
    format_node, values = args[0], args[1:]
    template = index.constant_text(format_node, function, pos)
    if template is None:
        out = _parts(index, format_node, function, pos, depth)
        return out + [("val", (v, function, pos)) for v in values]
    out: list[tuple[str, object]] = []
    start = 0
    next_arg = 0
    for verb in VERB.finditer(template):
        out.append(("lit", template[start:verb.start()]))
        start = verb.end()
        explicit, width, precision, letter = verb.groups()
        if letter == "%":
            out.append(("lit", "%"))
            continue
        for star in (width, precision):
            if star == "*":
                next_arg += 1
        position = int(explicit) - 1 if explicit else next_arg
        next_arg = position + 1
        if letter in STRING_VERBS and 0 <= position < len(values):
            out += [("val", (values[position], function, pos))] if values[position].type \
                not in ("interpreted_string_literal", "raw_string_literal") else \
                [("lit", index.string_value(values[position]) or "")]
        else:
            out.append(("lit", "0"))
    out.append(("lit", template[start:]))
    return out

