from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.data._helpers import FOR_LOOPS, FUNCTION_LIKE, LOOP_STATEMENTS, last_part

BROAD = frozenset({"Exception", "BaseException"})
TRANSIENT = re.compile(
    r"Connect|Timeout|TimedOut|RequestException|HTTPError|HTTPStatusError|TransportError|"
    r"NetworkError|OperationalError|InterfaceError|DatabaseError|OSError|IOError|socket|"
    r"URLError|ClientError|ClientResponseError|ServerError|Unavailable|RateLimit|Throttl|"
    r"TooManyRequests|APIError|APIStatusError|Transient|Retr[iy]able|Retriable|BotoCore|"
    r"Deadlock|Redis|BrokenPipe|ProtocolError|RemoteDisconnected|SMTP|WebSocket|Grpc|RpcError",
)
NETWORK_MODULES = (
    "requests.", "httpx.", "aiohttp.", "urllib.", "urllib3.", "socket.", "smtplib.", "boto3.",
    "botocore.", "redis.", "psycopg", "pymongo.", "grpc.", "ftplib.", "http.client.", "asyncpg.",
    "pika.", "kafka.", "openai.", "stripe.",
)
NETWORK_ATTRS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "request", "send", "sendall", "recv",
    "connect", "execute", "executemany", "commit", "urlopen", "fetch", "fetchone", "fetchall",
    "publish", "invoke", "getresponse", "sendmail", "send_message", "upload_file",
    "download_file", "put_object", "get_object", "ping", "query", "scalar", "scalars",
    "create_connection", "login", "open_connection", "produce", "basic_publish", "flush",
    "create", "stream", "call", "urlretrieve", "acquire",
})
NETWORK_FUNCTION = re.compile(
    r"fetch|request|send|connect|call_api|upload|download|http|api|query|post|publish|notify|"
    r"deliver|charge|submit|webhook|sync|push|pull|refresh",
    re.IGNORECASE,
)
BACKOFF = re.compile(r"sleep|backoff|wait|delay|throttle|jitter|pause|cooldown", re.IGNORECASE)
RETRY_LIBRARIES = ("tenacity", "backoff", "retrying", "retry", "stamina", "urllib3.util.retry")
SUCCESS_FLAGS = frozenset({"ok", "is_success"})
RETRY_COUNTER = re.compile(r"retr|attempt|tries|tried|count|remaining|left", re.IGNORECASE)
STATUS_ATTRS = frozenset({"status_code", "status"})
ITEM_INDEX = re.compile(r"page|batch|chunk|offset|idx|index|row|item|line|worker|shard",
                        re.IGNORECASE)


class RetryWithoutBackoff(Rule):
    id = "retry-without-backoff"
    title = "Retry loop without backoff"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.RELIABILITY
    languages = ("python",)
    rationale = (
        "Retrying a failed network or database call immediately burns the whole retry budget "
        "in milliseconds, before a transient fault can clear, and hammers a struggling "
        "dependency with a synchronized burst from every client (retry storm)."
    )
    fix = (
        "Sleep between attempts with exponential backoff and jitter "
        "(`time.sleep(base * 2 ** attempt + random.random())`), or use tenacity/backoff "
        "with a wait strategy."
    )
    example = Example(
        before=(
            "for attempt in range(5):\n    try:\n        return client.get(url)\n"
            "    except httpx.TransportError:\n        continue"
        ),
        after=(
            "for attempt in range(5):\n    try:\n        return client.get(url)\n"
            "    except httpx.TransportError:\n        time.sleep(0.5 * 2 ** attempt)"
        ),
    )
    references = (
        "https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/",
        "https://tenacity.readthedocs.io/en/latest/",
    )
    skip_roles = ("test",)

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        candidates: dict[int, tuple[ast.AST, ast.expr | None]] = {}
        for handler in module.handlers:
            attempt = _retrying_try(module, handler)
            if attempt is not None:
                candidates.setdefault(id(attempt[0]), attempt)
        for loop, operation in _status_retry_loops(module):
            candidates.setdefault(id(loop), (loop, operation))
        for loop, operation in candidates.values():
            if _has_backoff(module, loop):
                continue
            header = _header(module, loop)
            what = f"`{ast.unparse(operation)[:60]}`" if operation is not None else "the call"
            function = module.function_at(loop)
            yield Match(
                rule_id=self.id,
                line=loop.lineno,
                end_line=loop.end_lineno or loop.lineno,
                message=(
                    f"Retry loop `{header}` repeats {what} immediately after a failure, with no "
                    "sleep or backoff between attempts; add exponential backoff with jitter."
                ),
                code=header,
                scope=function.qualname if function else "",
            )


def _retry_loop(module: PythonModule, node: ast.AST) -> ast.AST | None:
    """The innermost loop statement around `node` if it is an attempt loop (range/while)."""
    child = node
    for ancestor in module.ancestors(node):
        if isinstance(ancestor, FUNCTION_LIKE):
            return None
        if isinstance(ancestor, LOOP_STATEMENTS):
            if any(s is child for s in ancestor.orelse):
                return None
            if isinstance(ancestor, ast.While):
                return None if child is ancestor.test else ancestor
            if child is ancestor.iter or child is ancestor.target:
                return None
            return ancestor if _is_attempt_range(module, ancestor) else None
        child = ancestor
    return None


def _is_attempt_range(module: PythonModule, loop: ast.For | ast.AsyncFor) -> bool:
    """`for attempt in range(5)` / `itertools.count()`, not `range(len(rows))` or pages."""
    iterable = loop.iter
    if not isinstance(iterable, ast.Call):
        return False
    name = module.resolve(iterable.func)
    if name not in {"range", "itertools.count"}:
        return False
    if any(isinstance(n, ast.Call) for a in iterable.args for n in ast.walk(a)):
        return False  # range(len(items)), range(count_pages())
    return not any(ITEM_INDEX.search(n.id) for n in ast.walk(loop.target)
                   if isinstance(n, ast.Name))


def _retrying_try(module: PythonModule, handler: ast.ExceptHandler):
    attempt = module.parent(handler)
    if not isinstance(attempt, ast.Try | ast.TryStar):
        return None
    if not _catches_transient(module, handler) or _terminates(handler.body):
        return None
    loop = _retry_loop(module, attempt)
    if loop is None:
        return None
    operation = _network_call(module, attempt.body) or _callable_argument(module, attempt)
    if operation is None:
        return None
    if not _exits_on_success(module, attempt, loop):
        return None
    return loop, operation


def _catches_transient(module: PythonModule, handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for kind in types:
        name = last_part(module.resolve(kind))
        if name in BROAD or (name and TRANSIENT.search(name)):
            return True
    return False


def _terminates(body: list[ast.stmt]) -> bool:
    """The block always leaves the loop: ends in raise/return/break (on every branch)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Raise | ast.Return | ast.Break):
        return True
    if isinstance(last, ast.If):
        return _terminates(last.body) and _terminates(last.orelse)
    return False


def _network_call(module: PythonModule, body: list[ast.stmt]) -> ast.expr | None:
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
                return node.value
            if not isinstance(node, ast.Call):
                continue
            name = module.resolve(node.func)
            if not name or name.endswith(("Error", "Exception", "Warning")):
                continue
            if name.startswith(NETWORK_MODULES):
                return node
            attr = last_part(name)
            if "." in name and attr in NETWORK_ATTRS:
                return node
            if NETWORK_FUNCTION.search(attr):
                return node
    return None


def _callable_argument(module: PythonModule, attempt: ast.Try) -> ast.expr | None:
    """A generic retry wrapper: `def with_retries(fn, ...): ... return fn(*args)`."""
    function = module.function_at(attempt)
    if function is None:
        return None
    parameters = set(function.parameter_names())
    for statement in attempt.body:
        for node in ast.walk(statement):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in parameters):
                return node
    return None


def _exits_on_success(module: PythonModule, attempt: ast.Try, loop: ast.AST) -> bool:
    """The loop ends once the attempt succeeds: a retry loop, not a server or worker loop.

    Bounded loops (`range(n)`, `while retries < n`) may exit conditionally; an open
    `while True` must leave unconditionally right after the attempt.
    """
    bounded = not isinstance(loop, ast.While) or any(
        isinstance(n, ast.Name) and RETRY_COUNTER.search(n.id) for n in ast.walk(loop.test))
    exits = _has_exit if bounded else _top_level_exit
    if exits(attempt.body) or exits(attempt.orelse):
        return True
    body = loop.body
    index = next((i for i, s in enumerate(body) if s is attempt), None)
    if index is not None and exits(body[index + 1:]):
        return True
    if isinstance(loop, ast.While):
        flags = {n.id for n in ast.walk(loop.test) if isinstance(n, ast.Name)}
        for statement in attempt.body + attempt.orelse:
            for node in ast.walk(statement):
                if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                        and any(isinstance(t, ast.Name) and t.id in flags
                                for t in node.targets)):
                    return True
    return False


def _top_level_exit(statements: list[ast.stmt]) -> bool:
    """An unconditional break/return (also inside a `with` block)."""
    for statement in statements:
        if isinstance(statement, ast.Break | ast.Return):
            return True
        if isinstance(statement, ast.With | ast.AsyncWith) and _top_level_exit(statement.body):
            return True
    return False


def _has_exit(statements: list[ast.stmt]) -> bool:
    """A break/return reachable in these statements, not inside a nested loop or function."""
    stack = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break | ast.Return):
            return True
        if isinstance(node, (*LOOP_STATEMENTS, *FUNCTION_LIKE)):
            continue
        if isinstance(node, ast.If):
            stack.extend(node.body + node.orelse)
        elif isinstance(node, ast.With | ast.AsyncWith):
            stack.extend(node.body)
        elif isinstance(node, ast.Try | ast.TryStar):
            stack.extend(node.body + node.orelse + node.finalbody)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                stack.extend(case.body)
    return False


def _status_retry_loops(module: PythonModule):
    """`for _ in range(n): r = http.get(...); if r.status_code == 200: break` and the like."""
    seen: set[int] = set()
    for call in module.calls:
        loop = call.loop
        if loop is None or id(loop) in seen or not isinstance(loop, LOOP_STATEMENTS):
            continue
        name = call.name
        if not (name.startswith(NETWORK_MODULES)
                or ("." in name and call.attr in NETWORK_ATTRS - {"get", "create", "acquire"})):
            continue
        statement = module.enclosing_statement(call.node)
        if _retry_loop(module, statement) is not loop:
            continue
        if _checks_status_then_exits(loop.body):
            seen.add(id(loop))
            yield loop, call.node


def _checks_status_then_exits(body: list[ast.stmt]) -> bool:
    """`if resp.status_code == 200: break` / `if resp.ok: return resp`: exit on success."""
    for statement in body:
        if isinstance(statement, ast.If) and _is_success_check(statement.test):
            if _has_exit(statement.body):
                return True
    return False


def _is_success_check(test: ast.expr) -> bool:
    if isinstance(test, ast.BoolOp):
        return any(_is_success_check(v) for v in test.values)
    if isinstance(test, ast.Attribute):
        return test.attr in SUCCESS_FLAGS
    if isinstance(test, ast.Compare) and isinstance(test.left, ast.Attribute):
        if test.left.attr not in STATUS_ATTRS or len(test.ops) != 1:
            return False
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, ast.Eq) and isinstance(right, ast.Constant):
            return isinstance(right.value, int) and 200 <= right.value < 300
        if isinstance(op, ast.Lt) and isinstance(right, ast.Constant):
            return right.value in (300, 400)
        if isinstance(op, ast.In) and isinstance(right, ast.Tuple | ast.List | ast.Set):
            return all(isinstance(e, ast.Constant) and isinstance(e.value, int)
                       and 200 <= e.value < 300 for e in right.elts)
    return False


def _has_backoff(module: PythonModule, loop: ast.AST) -> bool:
    for node in ast.walk(loop):
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return True  # a generator hands control back between attempts
        if isinstance(node, ast.Call):
            name = module.resolve(node.func) or ""
            attr = last_part(name)
            if BACKOFF.search(attr):
                return True
            if attr in {"select", "poll"} and (
                    any(kw.arg == "timeout" for kw in node.keywords)
                    or name in {"select.select", "select.poll"}):
                return True  # blocks until ready or timed out
    function = module.function_at(loop)
    while function is not None:
        for decorator in function.decorators:
            if decorator.split(".", 1)[0] in RETRY_LIBRARIES or "retry" in decorator.lower():
                return True
        function = function.parent
    return False


def _header(module: PythonModule, loop: ast.AST) -> str:
    if isinstance(loop, FOR_LOOPS):
        prefix = "async for" if isinstance(loop, ast.AsyncFor) else "for"
        return f"{prefix} {ast.unparse(loop.target)} in {ast.unparse(loop.iter)}"
    return f"while {ast.unparse(loop.test)}"
