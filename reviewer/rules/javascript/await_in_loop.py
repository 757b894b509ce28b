from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.rules.base import Example, Rule
from reviewer.rules.javascript._js import (
    is_app_server_code,
    make_match,
    squash,
    unwrap,
    walk_identifiers,
)
from reviewer.rules.javascript.n_plus_one_query import (
    DRIVER,
    MODEL,
    PRISMA_CLIENT,
    REPOSITORY,
)
from reviewer.treesitter import TreeModule

LOOP_TYPES = frozenset({"for_statement", "for_in_statement"})
STOP_TYPES = frozenset({"function_declaration", "function_expression", "arrow_function",
                        "method_definition", "generator_function_declaration",
                        "generator_function", "function", "class_body"})
# Loops that are sequential on purpose: pacing, ordered steps, batches, retries.
PACING = re.compile(r"\b(sleep|delay|wait|setTimeout|setImmediate|throttle|rateLimit|"
                    r"limiter|backoff|pause)\b", re.IGNORECASE)
SEQUENTIAL_NAMES = re.compile(r"migration|step|stage|middleware|hook|plugin|seed|batch|chunk|"
                              r"page|retr(y|ies)|attempt|tries|queue|task|job|command|lock|"
                              r"transaction|line", re.IGNORECASE)
# Receivers whose calls must run in order or on one connection/page.
SEQUENTIAL_RECEIVERS = re.compile(
    r"^(this\.)?(page|browser|frame|locator|context|stream|writer|writable|socket|ws|rl|"
    r"readline|reader|channel|tx|trx|transaction|queryRunner|session|lock|mutex|"
    r"semaphore|limiter|queue|fs|fsp|fsPromises|fs\.promises|process|client)\b"
)
DB_NAME = re.compile(r"(^|\.)(prisma|db|knex|sequelize|mongoose|repository|repo|manager|"
                     r"pool|conn|connection|collection|redis|cache)(\.|$)", re.IGNORECASE)


class AwaitInLoop(Rule):
    """`await` on independent calls one iteration at a time.

    Reported once per `for`/`for...of`/`for...in` loop whose body awaits a call that does not
    depend on the previous iteration. Not reported: `for await`, `while`/`do` loops
    (polling, pagination, retries), loops that `break`/`return` (searches), loops that carry
    an awaited value into the next iteration (`cursor = await next(cursor)`), loops that
    pace themselves (`sleep`, `delay`, `setTimeout`, a rate limiter), loops over migrations,
    steps, batches, pages, retries or queues, calls on a page/stream/socket/transaction/file
    that must run in order, and database calls (n-plus-one-query reports those).
    """

    id = "await-in-loop"
    title = "Independent awaits run one at a time in a loop"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.PERFORMANCE
    languages = ("javascript", "typescript")
    skip_roles = ("test", "script", "migration")
    rationale = (
        "Each iteration waits for the previous call to finish, so N independent calls take "
        "the sum of their latencies instead of the longest one: 50 calls of 100 ms become a "
        "5-second request."
    )
    fix = (
        "Start the calls together and await them at once: `await Promise.all(items.map(fn))`; "
        "for large inputs bound the concurrency (p-limit, p-map with `concurrency`, or "
        "chunks of N with `Promise.all`)."
    )
    example = Example(
        before=(
            "for (const id of ids) {\n"
            "  results.push(await fetchProfile(id));\n"
            "}"
        ),
        after=(
            "const limit = pLimit(8);\n"
            "const results = await Promise.all(ids.map((id) => limit(() => fetchProfile(id))));"
        ),
    )
    references = (
        "https://eslint.org/docs/latest/rules/no-await-in-loop",
        "https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/"
        "Global_Objects/Promise/all",
    )

    def check_tree(self, module: TreeModule) -> Iterable[Match]:
        if "await" not in module.text or "for" not in module.text:
            return
        if not is_app_server_code(module):
            return
        reported: set[int] = set()
        verdicts: dict[int, bool] = {}
        for awaited in module.calls:
            if awaited.loop is None:
                continue
            node = awaited.node.parent
            while node is not None and node.type == "parenthesized_expression":
                node = node.parent
            if node is None or node.type != "await_expression":
                continue
            loop = _loop(module, node)
            if loop is None or loop.id in reported:
                continue
            if loop.id not in verdicts:
                verdicts[loop.id] = _parallelizable_loop(module, loop)
            if not verdicts[loop.id]:
                continue
            call = _awaited_call(node)
            if call is None or not _independent_call(module, call, loop):
                continue
            if not _per_item_work(module, call, node, loop):
                continue
            reported.add(loop.id)
            callee = squash(module.text_of(call.child_by_field_name("function")))
            yield make_match(
                self.id, module, node,
                f"`await {callee}()` inside a loop runs the iterations one after another; "
                "the calls do not depend on each other, so start them together with "
                "`Promise.all` (with a concurrency limit for large inputs).",
            )


def _loop(module: TreeModule, node: Node) -> Node | None:
    """The innermost for-loop around `node` in the same function, taking the loop body only
    (an await in the loop header is not per item)."""
    child = node
    for ancestor in module.ancestors(node):
        if ancestor.type in STOP_TYPES:
            return None
        if ancestor.type in LOOP_TYPES:
            body = ancestor.child_by_field_name("body")
            return ancestor if body is not None and child.id == body.id else None
        if ancestor.type in ("while_statement", "do_statement"):
            return None
        child = ancestor
    return None


def _parallelizable_loop(module: TreeModule, loop: Node) -> bool:
    if loop.type == "for_in_statement" and any(c.type == "await" for c in loop.children):
        return False  # for await
    body = loop.child_by_field_name("body")
    if body is None:
        return False
    body_text = module.text_of(body)
    if PACING.search(body_text):
        return False
    if re.search(r"\b(break|return)\b", body_text):
        return False
    header = module.text_of(loop)[: body.start_byte - loop.start_byte]
    if SEQUENTIAL_NAMES.search(header):
        return False
    if loop.type == "for_in_statement":
        right = loop.child_by_field_name("right")
        if right is not None and unwrap(right).type == "array" and len(
                unwrap(right).named_children) <= 3:
            return False
    elif loop.type == "for_statement" and re.search(r"<=?\s*\d\b", header):
        return False  # `for (let i = 0; i < 3; i++)`: a retry or a fixed handful
    return not _carries_state(module, loop, body)


def _carries_state(module: TreeModule, loop: Node, body: Node) -> bool:
    """An outer variable reassigned from an awaited value: the next iteration reads it."""
    declared = {module.text_of(n) for n in module.captures(
        "(variable_declarator name: (identifier) @n)", body).get("n", [])}
    for node in module.captures("(assignment_expression left: (identifier) @left) @a",
                                body).get("a", []):
        left = node.child_by_field_name("left")
        name = module.text_of(left)
        if name not in declared and "await" in module.text_of(node):
            return True
    return False


HTTP_CALL = re.compile(r"^(fetch|nodeFetch|got|ky|request|superagent|needle|undici\.request|"
                       r"(axios|got|ky|superagent|needle|http|https|request)\.\w+|"
                       r"(this\.)?\w*([aA]pi|[cC]lient|[hH]ttp)\.(get|post|put|patch|delete|"
                       r"request))$")


def _per_item_work(module: TreeModule, call: Node, node: Node, loop: Node) -> bool:
    """The call is made for the current item (its arguments use the loop variable) and is
    an HTTP request or its result is collected (`results.push(await ...)`,
    `out[key] = await ...`): the shape `Promise.all(items.map(...))` replaces one to one."""
    names = _loop_names(module, loop)
    arguments = call.child_by_field_name("arguments")
    used = {module.text_of(i) for i in walk_identifiers(arguments)}
    if not names & used:
        return False
    callee = squash(module.text_of(call.child_by_field_name("function")))
    if HTTP_CALL.match(callee):
        return True
    parent = node.parent
    while parent is not None and parent.type in ("parenthesized_expression", "member_expression"):
        parent = parent.parent
    if parent is not None and parent.type == "arguments":
        outer = parent.parent
        fn = outer.child_by_field_name("function") if outer is not None else None
        return fn is not None and module.text_of(fn).endswith((".push", ".add", ".set"))
    if parent is not None and parent.type == "assignment_expression":
        left = parent.child_by_field_name("left")
        return left is not None and left.type in ("subscript_expression", "member_expression")
    if parent is not None and parent.type == "variable_declarator":
        target = parent.child_by_field_name("name")
        body = loop.child_by_field_name("body")
        if target is None or target.type != "identifier" or body is None:
            return False
        name = re.escape(module.text_of(target))
        return bool(re.search(rf"\.(push|add|set)\([^;]*\b{name}\b|\]\s*=\s*{name}\b",
                              module.text_of(body)))
    return False


def _loop_names(module: TreeModule, loop: Node) -> set[str]:
    if loop.type == "for_in_statement":
        left = loop.child_by_field_name("left")
        return {module.text_of(i) for i in walk_identifiers(left)} if left is not None else set()
    initializer = loop.child_by_field_name("initializer")
    found = set()
    if initializer is not None:
        for declarator in module.captures("(variable_declarator name: (identifier) @n)",
                                          initializer).get("n", []):
            found.add(module.text_of(declarator))
    return found


def _awaited_call(node: Node) -> Node | None:
    inner = unwrap(node.named_children[0]) if node.named_children else None
    while inner is not None and inner.type == "call_expression":
        callee = inner.child_by_field_name("function")
        if callee is not None and callee.type == "member_expression":
            prop = callee.child_by_field_name("property")
            obj = unwrap(callee.child_by_field_name("object"))
            if prop is not None and obj.type == "call_expression" and prop.type == (
                    "property_identifier") and obj.child_by_field_name("function") is not None:
                # `fetch(url).then(r => r.json())` / `got(url).json()`: judge the first call
                inner = obj
                continue
        return inner
    return None


def _independent_call(module: TreeModule, call: Node, loop: Node) -> bool:
    callee = call.child_by_field_name("function")
    if callee is None:
        return False
    name = squash(module.text_of(callee))
    if "(" in name or not name:
        return False
    if SEQUENTIAL_RECEIVERS.match(name) or DB_NAME.search(name):
        return False
    parts = name.split(".")
    receiver = ".".join(parts[:-1])
    if receiver and (MODEL.match(receiver) or REPOSITORY.search(receiver)
                     or DRIVER.search(receiver) or PRISMA_CLIENT.search(parts[0])):
        return False
    if re.search(r"save|insert|update|delete|remove|create|upsert|write|send|publish|emit|"
                 r"push|post|put|patch|charge|transfer|pay|query|exec|sql|run|migrat|commit|"
                 r"install|build|deploy|spawn", parts[-1], re.IGNORECASE):
        return False  # side effects: ordering may matter, and retries/partial failure too
    # Arguments must come from the loop variable or constants, not from state built up
    # inside the loop body.
    body = loop.child_by_field_name("body")
    if body is None:
        return False
    arguments = call.child_by_field_name("arguments")
    assigned = {module.text_of(n) for n in module.captures(
        "(augmented_assignment_expression left: (identifier) @n)", body).get("n", [])}
    for ident in walk_identifiers(arguments):
        if module.text_of(ident) in assigned:
            return False
    return True
