from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.data._helpers import (
    SESSION_NAME,
    chain_label,
    chain_methods,
    is_batched_loop,
    is_fixed_iterable,
    last_part,
    loop_iterable,
    loop_targets,
    loops_around,
    outermost_chain_call,
    runs_at_most_once,
    unwrap_iterable,
)

DJANGO_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
DJANGO_READS = frozenset({
    "get", "filter", "exclude", "first", "last", "exists", "count", "aggregate", "annotate",
    "values", "values_list", "all", "order_by", "latest", "earliest", "raw", "distinct",
    "only", "defer", "select_related", "prefetch_related", "contains",
})
# Writes and bulk reads: one statement per row is another rule's business, not N+1.
WRITES = frozenset({
    "create", "bulk_create", "update", "delete", "get_or_create", "update_or_create",
    "bulk_update", "in_bulk", "add", "merge", "insert", "save", "remove", "clear", "set",
    "execution_options",
})
RELATED_READS = frozenset({
    "all", "filter", "exclude", "count", "exists", "first", "last", "aggregate",
    "values_list", "order_by", "latest", "earliest",
})
NO_ARG_READS = frozenset({"all", "count", "exists", "first", "last"})
FLASK_QUERY_READS = frozenset({
    "get", "filter", "filter_by", "all", "first", "one", "one_or_none", "count", "get_or_404",
    "first_or_404", "order_by", "join", "options", "where", "limit", "scalar",
})
STATEMENT_RUNNERS = frozenset({"execute", "scalar", "scalars", "exec", "fetch", "fetchrow",
                               "fetchval", "fetch_one", "fetch_all", "fetch_val"})
# Methods that only build a query; it runs when the result is iterated, sliced or counted.
LAZY = frozenset({
    "filter", "exclude", "order_by", "annotate", "values", "values_list", "all", "only",
    "defer", "distinct", "select_related", "prefetch_related", "using", "none", "filter_by",
    "join", "outerjoin", "options", "where", "limit", "offset", "query", "group_by", "having",
    "reverse", "alias",
})
EVALUATING = frozenset({"list", "len", "bool", "set", "tuple", "sorted", "sum", "any", "all",
                        "max", "min", "dict", "next", "iter", "enumerate", "frozenset"})
MODEL_CLASS = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$")
RAW_SELECT = re.compile(r"^\s*select\b", re.IGNORECASE)
RAW_BULK = re.compile(r"\bin\s*\(|=\s*any\s*\(|\bunnest\s*\(", re.IGNORECASE)
PREFETCHED = frozenset({"prefetch_related", "select_related", "Prefetch",
                        "prefetch_related_objects"})
QUERYSET_HINTS = frozenset({"objects", "get_queryset", "filter", "exclude", "all", "order_by",
                            "_default_manager", "annotate", "distinct"})


class NPlusOneQuery(Rule):
    id = "n-plus-one-query"
    title = "Database query inside a loop (N+1 queries)"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.PERFORMANCE
    languages = ("python",)
    rationale = (
        "A query issued once per row turns one page load into hundreds of round trips: "
        "latency grows with the data and the database pays for every one of them."
    )
    fix = (
        "Load what the loop needs in one query before it: filter with `__in` / `in_()`, "
        "use select_related/prefetch_related or a join, and look rows up in a dict."
    )
    example = Example(
        before="for order in orders:\n    customer = Customer.objects.get(id=order.customer_id)",
        after=(
            "customers = Customer.objects.in_bulk({o.customer_id for o in orders})\n"
            "for order in orders:\n    customer = customers[order.customer_id]"
        ),
    )
    references = (
        "https://docs.djangoproject.com/en/stable/topics/db/optimization/",
        "https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html",
    )
    skip_roles = ("test", "migration")

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        django = "objects" in module.source or module.imports("django")
        seen: set[int] = set()
        per_loop: dict[int, tuple[ast.AST, ast.Call]] = {}
        for call in module.calls:
            if call.loop is None:
                continue
            kind = _query_kind(module, call, django)
            if kind is None:
                continue
            outer = outermost_chain_call(module, call.node)
            if id(outer) in seen:
                continue
            seen.add(id(outer))
            methods = chain_methods(outer)
            if any(m in WRITES for m in methods) or _is_bulk(module, call, outer):
                continue
            if methods and methods[0] in LAZY and not _evaluated(module, outer):
                continue
            loop = _repeating_loop(module, call, outer, kind)
            if loop is None:
                continue
            known = per_loop.get(id(loop))
            if known is None or (outer.lineno, outer.col_offset) < (
                    known[1].lineno, known[1].col_offset):
                per_loop[id(loop)] = (loop, outer)
        for loop, outer in per_loop.values():
            function = module.function_at(outer)
            label = chain_label(outer)
            iterable = loop_iterable(loop)
            over = f" over `{ast.unparse(iterable)[:60]}`" if iterable is not None else ""
            yield Match(
                rule_id=self.id,
                line=outer.lineno,
                end_line=outer.end_lineno or outer.lineno,
                message=(
                    f"`{label}` runs a database query on every iteration of the loop{over} "
                    "(N+1 queries); fetch the rows in one query before the loop."
                ),
                code=module.code(outer),
                scope=function.qualname if function else "",
            )


def _query_kind(module: PythonModule, call: CallSite, django: bool) -> str | None:
    """'manager', 'related', 'session' or None for calls that are not queries."""
    func = call.node.func
    if not isinstance(func, ast.Attribute):
        return None
    attr = func.attr
    receiver = func.value
    if isinstance(receiver, ast.Attribute):
        if receiver.attr in DJANGO_MANAGERS and attr in DJANGO_READS:
            return "manager"
        if (receiver.attr == "query" and attr in FLASK_QUERY_READS
                and isinstance(receiver.value, ast.Name) and receiver.value.id[:1].isupper()):
            return "session"
        if (django and attr in RELATED_READS and isinstance(receiver.value, ast.Name)
                and not receiver.attr.startswith("_")):
            if attr in NO_ARG_READS and (call.node.args or call.node.keywords):
                return None
            return "related"
    session_like = bool(SESSION_NAME.match(last_part(call.receiver))) if call.receiver else False
    if attr == "query" and session_like and call.node.args:
        return "session"
    if attr == "get" and session_like and len(call.node.args) >= 2:
        model = call.node.args[0]
        name = model.attr if isinstance(model, ast.Attribute) else getattr(model, "id", "")
        if MODEL_CLASS.match(name):  # `session.get(User, 1)`, not `http.get(API_URL, ...)`
            return "session"
    if attr in STATEMENT_RUNNERS and call.receiver and call.node.args:
        if _is_select(module, call, call.node.args[0], depth=2):
            return "session"
    return None


def _evaluated(module: PythonModule, node: ast.expr) -> bool:
    """Whether a lazily built queryset/query runs where it stands (iterated, listed, tested).

    One combined with `|`, collected into a list or handed to another call (a subquery,
    a serializer) runs later, if at all, and once.
    """
    parent = module.parent(node)
    if isinstance(parent, ast.keyword):
        parent = module.parent(parent)
    if isinstance(parent, ast.Call):
        return parent.func is not node and module.resolve(parent.func) in EVALUATING
    if isinstance(parent, ast.BinOp | ast.AugAssign | ast.BoolOp | ast.List | ast.Tuple
                  | ast.Set | ast.Dict | ast.Starred):
        return False
    return True


def _is_select(module: PythonModule, call: CallSite, node: ast.expr, depth: int) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(RAW_SELECT.match(node.value)) and not RAW_BULK.search(node.value)
    if isinstance(node, ast.Name) and depth > 0:
        values = [v for v in module.assigned_values(call.function, node.id)
                  if v.lineno <= call.node.lineno]
        return bool(values) and all(_is_select(module, call, v, depth - 1) for v in values)
    if isinstance(node, ast.Call):
        root = node
        while (isinstance(root.func, ast.Attribute) and isinstance(root.func.value, ast.Call)):
            root = root.func.value
        name = module.resolve(root.func)
        if last_part(name) == "select":
            return True
        if last_part(name) == "text" and root.args:
            return _is_select(module, call, root.args[0], 0)
    return False


def _is_bulk(module: PythonModule, call: CallSite, outer: ast.Call) -> bool:
    """`filter(id__in=ids)`, `.where(Model.id.in_(ids))`: one query for many rows."""
    nodes = [outer]
    for arg in call.node.args[:1]:
        if isinstance(arg, ast.Name):
            nodes.extend(module.assigned_values(call.function, arg.id))
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.keyword) and node.arg and node.arg.endswith(("__in",
                                                                                 "__range")):
                return True
            if isinstance(node, ast.Attribute) and node.attr in {"in_", "any_", "tuple_"}:
                return True
            if isinstance(node, ast.Name) and node.id in {"in_", "any_", "tuple_"}:
                return True
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and RAW_BULK.search(node.value)):
                return True
    return False


def _repeating_loop(module: PythonModule, call: CallSite, outer: ast.Call,
                    kind: str) -> ast.AST | None:
    """The innermost loop over rows that repeats `outer`, if any."""
    function = call.function.node if call.function else None
    receiver_root = _root_name(outer)
    for loop in loops_around(module, outer):
        if isinstance(loop, ast.While):
            continue  # polling and batch-draining loops, not one query per row
        iterable = loop_iterable(loop)
        if iterable is None or is_fixed_iterable(module, function, iterable):
            continue
        if is_batched_loop(module, loop):
            continue
        targets = loop_targets(loop)
        if kind == "manager" and receiver_root in targets:
            continue  # `for model in models: model.objects.count()`: a loop over models
        if kind == "related":
            if receiver_root not in targets or not _unprefetched_queryset(
                    module, function, iterable):
                continue
        if runs_at_most_once(module, outer, loop):
            return None
        return loop
    return None


def _root_name(call: ast.Call) -> str:
    node: ast.AST = call
    while isinstance(node, ast.Call | ast.Attribute):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _unprefetched_queryset(module: PythonModule, function: ast.AST | None,
                           iterable: ast.expr) -> bool:
    """The loop walks a queryset built here, without select/prefetch_related."""
    iterable = unwrap_iterable(iterable)
    candidates = [iterable]
    if isinstance(iterable, ast.Name):
        candidates = list(module.assigned_values(function, iterable.id))
    if not candidates:
        return False
    hinted = False
    for candidate in candidates:
        for node in ast.walk(candidate):
            name = node.attr if isinstance(node, ast.Attribute) else (
                node.id if isinstance(node, ast.Name) else None)
            if name in PREFETCHED:
                return False
            if name in QUERYSET_HINTS:
                hinted = True
    return hinted
