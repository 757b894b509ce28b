"""n-plus-one-query for JavaScript/TypeScript: a database read per item of a collection:
inside a `for`/`for...of`/`for...in` loop or a `.forEach/.map/...` callback, a Prisma
(`prisma.user.findUnique`), Sequelize (`User.findByPk`), TypeORM (`repo.findOne`,
`manager.findOne`), Mongoose (`User.findById`) or raw driver (`pool.query`) read.

`Promise.all(items.map(async (i) => prisma.x.findUnique(...)))` is reported too: running
the N queries concurrently still sends N queries and holds N pool connections; fetch the
rows at once (`where: { id: { in: ids } }`, `findAll({ where: { id: ids } })`, `$in`).
Not reported: `while`/`do` loops (pagination, polling and retries read page by page by
design), loops over a literal array, and writes (inserts/updates in a loop are a batching
question, not N+1 reads).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.javascript._js import in_loop_callback, is_browser_code, make_match, unwrap
from reviewer.treesitter import TreeCall, TreeModule

PRISMA_READS = frozenset({"findUnique", "findUniqueOrThrow", "findFirst", "findFirstOrThrow",
                          "findMany", "count", "aggregate", "groupBy"})
SEQUELIZE_READS = frozenset({"findOne", "findAll", "findByPk", "findAndCountAll", "count",
                             "findOrCreate"})
TYPEORM_READS = frozenset({"findOne", "findOneBy", "findOneOrFail", "findOneByOrFail",
                           "find", "findBy", "findAndCount", "count", "countBy", "exist",
                           "exists", "existsBy"})
MONGOOSE_READS = frozenset({"findById", "findOne", "find", "countDocuments", "exists"})
DRIVER_READS = frozenset({"query", "execute"})
PRISMA_CLIENT = re.compile(r"(^|\.)(prisma|db|tx|prismaClient|client|prismaService)$",
                           re.IGNORECASE)
REPOSITORY = re.compile(r"(Repository|Repo|repository|repo|manager|Manager)$|"
                        r"getRepository\([^)]*\)$")
DRIVER = re.compile(r"(^|\.)(db|pool|client|conn|connection|knex|sql|pg|mysql|database|"
                    r"sequelize|trx|queryRunner)$")
MODEL = re.compile(r"^(this\.)?(models\.|db\.)?[A-Z][A-Za-z0-9]*(Model)?$|"
                   r"^this\.\w+Model$|^\w+Model$")


@language_check("n-plus-one-query", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    text = module.text
    if "find" not in text and "query" not in text and "count" not in text and (
            "execute" not in text):
        return
    if is_browser_code(module):
        return
    prisma = "prisma" in text.lower()
    for call in module.calls:
        kind = _read_kind(call, prisma)
        if kind is None:
            continue
        loop = _per_item(module, call)
        if loop is None:
            continue
        where = "a loop" if loop.type in ("for_statement", "for_in_statement") else (
            f"a `.{_method(module, loop)}()` callback")
        yield make_match(
            rule.id, module, call.node,
            f"`{call.name}()` runs once per item inside {where}: N items cost N {kind} "
            "round trips. Load them in one query (`where: { id: { in: ids } }`, "
            "`findAll({ where: { id: ids } })`, `$in`) or with a join/include.",
        )


def _read_kind(call: TreeCall, prisma: bool) -> str | None:
    name = call.name
    if "." not in name or "(" in name.split(".")[0]:
        return None
    parts = name.split(".")
    method = parts[-1]
    receiver = ".".join(parts[:-1])
    if method in PRISMA_READS and prisma and len(parts) >= 3 and PRISMA_CLIENT.search(
            ".".join(parts[:-2])):
        return "Prisma"
    if method in TYPEORM_READS and REPOSITORY.search(receiver):
        return "database"
    if method in SEQUELIZE_READS | MONGOOSE_READS and MODEL.match(receiver):
        if method == "find" and call.arguments and unwrap(call.arguments[0]).type in (
                "arrow_function", "function_expression"):
            return None  # `Array.find(cb)` on something named like a class
        return "database"
    if method in DRIVER_READS and DRIVER.search(receiver):
        return "database"
    return None


def _per_item(module: TreeModule, call: TreeCall) -> Node | None:
    """The for-loop or array callback that repeats this call per item, if any."""
    if call.loop is not None:
        return call.loop if _collection_loop(module, call.loop) else None
    function = call.function
    while function is not None:
        iteration = in_loop_callback(module, function)
        if iteration is not None:
            callee = iteration.child_by_field_name("function")
            receiver = callee.child_by_field_name("object") if callee is not None else None
            if receiver is not None and unwrap(receiver).type == "array":
                return None
            return iteration
        if module.enclosing_loop(function) is not None:
            loop = module.enclosing_loop(function)
            return loop if loop is not None and _collection_loop(module, loop) else None
        # an inner helper (`async (x) => {...}`) defined in a loop body still runs per item
        function = module.enclosing_function(function) if function.type in (
            "arrow_function", "function_expression") and _is_immediate(function) else None
    return None


def _is_immediate(function: Node) -> bool:
    parent = function.parent
    return parent is not None and parent.type in ("arguments", "parenthesized_expression")


def _collection_loop(module: TreeModule, loop: Node) -> bool:
    if loop.type == "for_in_statement":
        right = loop.child_by_field_name("right")
        return right is not None and unwrap(right).type != "array"
    return loop.type == "for_statement"


def _method(module: TreeModule, call: Node) -> str:
    callee = call.child_by_field_name("function")
    prop = callee.child_by_field_name("property") if callee is not None else None
    return module.text_of(prop) if prop is not None else "map"
