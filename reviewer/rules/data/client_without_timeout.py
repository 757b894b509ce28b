from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from reviewer.model import Category, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.python.strings import literal_parts
from reviewer.rules.base import Example, Rule


@dataclass(frozen=True, slots=True)
class Client:
    keywords: tuple[str, ...]  # any one of them sets a timeout
    position: int | None = None  # positional index of the timeout, where it has one
    needs_host: bool = False  # only connects when given a host (`SMTP()` does not)
    socket_default: bool = False  # honours socket.setdefaulttimeout()
    url_position: int | None = None  # DSN / URL argument that may carry the timeout
    url_keywords: tuple[str, ...] = ()
    label: str = "timeout"


SOCKET = ("timeout",)
REDIS = ("socket_timeout", "socket_connect_timeout")
MONGO = ("serverSelectionTimeoutMS", "socketTimeoutMS", "timeoutMS", "connectTimeoutMS")


def _redis(position: int | None) -> Client:
    return Client(REDIS, position, url_position=0 if position is None else None,
                  url_keywords=("url",), label="socket_timeout")


CLIENTS: dict[str, Client] = {
    "smtplib.SMTP": Client(SOCKET, 3, needs_host=True, socket_default=True),
    "smtplib.SMTP_SSL": Client(SOCKET, 5, needs_host=True, socket_default=True),
    "ftplib.FTP": Client(SOCKET, 4, needs_host=True, socket_default=True),
    "ftplib.FTP_TLS": Client(SOCKET, 7, needs_host=True, socket_default=True),
    "telnetlib.Telnet": Client(SOCKET, 2, needs_host=True, socket_default=True),
    "poplib.POP3": Client(SOCKET, 2, socket_default=True),
    "poplib.POP3_SSL": Client(SOCKET, 4, socket_default=True),
    "imaplib.IMAP4": Client(SOCKET, 2, socket_default=True),
    "imaplib.IMAP4_SSL": Client(SOCKET, 5, socket_default=True),
    "socket.create_connection": Client(SOCKET, 1, socket_default=True),
    "http.client.HTTPConnection": Client(SOCKET, 2, socket_default=True),
    "http.client.HTTPSConnection": Client(SOCKET, 4, socket_default=True),
    "psycopg2.connect": Client(("connect_timeout",), url_position=0,
                               url_keywords=("dsn", "conninfo"), label="connect_timeout"),
    "pymongo.MongoClient": Client(MONGO, url_position=0, url_keywords=("host",),
                                  label="serverSelectionTimeoutMS/socketTimeoutMS"),
}
for _name in ("psycopg.connect", "psycopg.Connection.connect", "psycopg.AsyncConnection.connect",
              "psycopg2.extras.connect"):
    CLIENTS[_name] = CLIENTS["psycopg2.connect"]
for _name in ("pymongo.mongo_client.MongoClient", "pymongo.AsyncMongoClient",
              "motor.motor_asyncio.AsyncIOMotorClient", "motor.motor_tornado.MotorClient"):
    CLIENTS[_name] = CLIENTS["pymongo.MongoClient"]
for _prefix in ("redis", "redis.client", "redis.asyncio", "redis.asyncio.client", "aioredis"):
    CLIENTS[f"{_prefix}.Redis"] = _redis(4)
    CLIENTS[f"{_prefix}.StrictRedis"] = _redis(4)
    CLIENTS[f"{_prefix}.Redis.from_url"] = _redis(None)
    CLIENTS[f"{_prefix}.StrictRedis.from_url"] = _redis(None)
    CLIENTS[f"{_prefix}.from_url"] = _redis(None)
CLIENTS["redis.cluster.RedisCluster"] = Client(REDIS, label="socket_timeout")
CLIENTS["redis.asyncio.cluster.RedisCluster"] = Client(REDIS, label="socket_timeout")
CLIENTS["redis.cluster.RedisCluster.from_url"] = _redis(None)
ROOTS = frozenset(name.split(".", 1)[0] for name in CLIENTS)


class ClientWithoutTimeout(Rule):
    id = "client-without-timeout"
    title = "Network client created without a timeout"
    severity = Severity.MEDIUM
    category = Category.RELIABILITY
    cwe = 400
    languages = ("python",)
    rationale = (
        "SMTP, FTP, Redis, PostgreSQL, MongoDB and raw socket clients wait forever by default "
        "(or for minutes): one unreachable or stalled server blocks the request or worker "
        "that called it, and under load every worker ends up stuck the same way."
    )
    fix = (
        "Pass the client's timeout option (`timeout=`, `socket_timeout=` and "
        "`socket_connect_timeout=`, `connect_timeout=`, `serverSelectionTimeoutMS=`) sized to "
        "the caller's deadline."
    )
    example = Example(
        before='server = smtplib.SMTP("smtp.example.com", 587)',
        after='server = smtplib.SMTP("smtp.example.com", 587, timeout=10)',
    )
    references = (
        "https://docs.python.org/3/library/smtplib.html#smtplib.SMTP",
        "https://redis.readthedocs.io/en/stable/connections.html",
        "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-CONNECT-TIMEOUT",
    )
    skip_roles = ("test",)

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not any(target.split(".", 1)[0] in ROOTS for target in module.aliases.values()):
            return
        global_default: bool | None = None
        for call in module.calls:
            client = CLIENTS.get(call.name)
            if client is None:
                continue
            if client.socket_default:
                if global_default is None:
                    global_default = any(c.name == "socket.setdefaulttimeout"
                                         for c in module.calls)
                if global_default:
                    continue
            problem = _problem(module, call, client)
            if problem:
                yield Match(
                    rule_id=self.id,
                    line=call.node.lineno,
                    end_line=call.node.end_lineno or call.node.lineno,
                    message=problem,
                    code=module.code(call.node),
                    scope=call.scope,
                )


def _problem(module: PythonModule, call: CallSite, client: Client) -> str | None:
    if call.has_star_kwargs or any(isinstance(a, ast.Starred) for a in call.node.args):
        return None  # options come from elsewhere (settings, a caller's kwargs)
    if call.keyword("connection_pool") is not None:
        return None
    if client.needs_host and call.argument(0, "host") is None:
        return None  # connects later, via .connect(host, timeout=...)
    for name in client.keywords:
        keyword = call.keyword(name)
        if keyword is not None:
            if _is_none(keyword.value):
                return (f"`{call.name}()` sets `{name}=None`, which waits forever on a stalled "
                        "server; give it a finite timeout.")
            return None
    if client.position is not None and len(call.node.args) > client.position:
        if _is_none(call.node.args[client.position]):
            return f"`{call.name}()` passes a `None` timeout, which waits forever."
        return None
    if client.url_position is not None:
        url = None
        for name in client.url_keywords:
            keyword = call.keyword(name)
            if keyword is not None:
                url = keyword.value
        if url is None and len(call.node.args) > client.url_position:
            url = call.node.args[client.url_position]
        if url is not None and _url_sets_timeout(module, call, url, client.keywords):
            return None
    return (f"`{call.name}()` opens a connection without a timeout (`{client.label}`): a "
            "stalled or unreachable server blocks the caller indefinitely.")


def _url_sets_timeout(module: PythonModule, call: CallSite, url: ast.expr,
                      keywords: tuple[str, ...], depth: int = 2) -> bool:
    """`"postgresql://...?connect_timeout=5"`, also through a local or module variable."""
    if isinstance(url, ast.Name):
        if depth == 0:
            return False
        values = (module.assigned_values(call.function, url.id)
                  or module.assigned_values(None, url.id))
        return any(_url_sets_timeout(module, call, v, keywords, depth - 1) for v in values)
    text = " ".join(literal_parts(url))
    return any(f"{k}=" in text for k in keywords)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
