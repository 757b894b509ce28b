from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.hardening._helpers import (
    assigned,
    is_literal,
    make_match,
    scope_of,
    string_value,
    words,
)

HTTP_METHODS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream",
    "ws_connect", "urlopen", "fetch",
})
HTTP_LIBRARIES = ("requests.", "httpx.", "boto3.", "botocore.", "hvac.", "aiohttp.", "zeep.",
                  "elasticsearch.", "opensearchpy.", "gitlab.", "keycloak.")
# `verify=False` here means something else: JWT signature checks, not TLS.
OTHER_VERIFY = ("jwt.", "jose.", "authlib.", "itsdangerous.", "cryptography.")
OTHER_VERIFY_METHODS = frozenset({"decode", "encode", "verify", "validate", "loads", "dumps"})
CLIENT_CLASS = re.compile(r"(Client|Session|Transport|Connection|Adapter|Api|API|Connector)$")
ALWAYS_TLS_OFF = frozenset({"verify_ssl", "verify_certs", "ssl_verify", "validate_certs"})
UNVERIFIED_CONTEXT = frozenset({"ssl._create_unverified_context", "ssl._create_stdlib_context"})
ATTRIBUTE_ASSIGN = re.compile(
    r"\.(verify|check_hostname|verify_mode|verify_ssl|_create_default_https_context)\s*=[^=]"
)
# `if not settings.VERIFY_SSL:` around the opt-out: verification is configurable, like
# `verify=settings.VERIFY_TLS`.
CONFIGURED_OPT_OUT = re.compile(r"verify|ssl|tls|insecure|cert", re.IGNORECASE)
SERVER_SIDE = ("ssl.PROTOCOL_TLS_SERVER", "ssl.Purpose.CLIENT_AUTH")


class TlsVerificationDisabled(Rule):
    id = "tls-verification-disabled"
    title = "TLS certificate verification disabled"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    category = Category.SECURITY
    cwe = 295
    languages = ("python",)
    skip_roles = ("test",)
    rationale = (
        "Without certificate and hostname checks any machine on the network path can "
        "impersonate the server, read the credentials sent to it and alter its answers; "
        "the connection is encrypted, but to whoever answers."
    )
    fix = (
        "Keep verification on; for a private CA pass its bundle (`verify=\"/etc/ssl/ca.pem\"`, "
        "`ssl.create_default_context(cafile=...)`) instead of turning checks off."
    )
    example = Example(
        before="requests.post(url, json=payload, verify=False, timeout=10)",
        after="requests.post(url, json=payload, verify=settings.INTERNAL_CA_BUNDLE, timeout=10)",
    )
    references = (
        "https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification",
        "https://cwe.mitre.org/data/definitions/295.html",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        uses_aiohttp = module.imports("aiohttp")
        for call in module.calls:
            problem = _call_problem(module, call, uses_aiohttp)
            if problem and not _configured(module, call.node):
                yield make_match(self.id, module, call.node, problem, call.scope)
        if ATTRIBUTE_ASSIGN.search(module.source):
            yield from self._attribute_assignments(module)

    def _attribute_assignments(self, module: PythonModule) -> Iterable[Match]:
        # Rare text: only files that set one of these attributes pay for this walk.
        contexts: dict[tuple[str, str], ast.Assign] = {}
        hostname_off: list[tuple[str, str, ast.Assign]] = []
        for node in ast.walk(module.tree):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target = node.targets[0]
            if not isinstance(target, ast.Attribute):
                continue
            receiver = module.resolve(target.value) or module.code(target.value)
            scope = scope_of(module, node)
            value = node.value
            message = None
            match target.attr:
                case "verify" if _is_false(module, value) and _http_client(module, target.value):
                    message = f"`{receiver}.verify = False` turns off certificate checks."
                case "verify_ssl" if _is_false(module, value):
                    message = f"`{receiver}.verify_ssl = False` turns off certificate checks."
                case "_create_default_https_context" if module.resolve(value) in (
                    UNVERIFIED_CONTEXT
                ):
                    message = ("Replacing `ssl._create_default_https_context` turns off "
                               "certificate checks for every HTTPS connection in the process.")
                case "verify_mode" if module.resolve(value) == "ssl.CERT_NONE":
                    if not _server_context(module, target.value):
                        contexts[(scope, receiver)] = node
                case "check_hostname" if _is_false(module, value):
                    if not _server_context(module, target.value):
                        hostname_off.append((scope, receiver, node))
            if message and not _configured(module, node):
                yield make_match(self.id, module, node, message, scope)
        for (scope, receiver), node in contexts.items():
            if _configured(module, node):
                continue
            yield make_match(
                self.id, module, node,
                f"`{receiver}.verify_mode = ssl.CERT_NONE` accepts any certificate.", scope,
            )
        for scope, receiver, node in hostname_off:
            if (scope, receiver) not in contexts and not _configured(module, node):
                yield make_match(
                    self.id, module, node,
                    f"`{receiver}.check_hostname = False` accepts a valid certificate for any "
                    "host.", scope,
                )


def _call_problem(module: PythonModule, call: CallSite, uses_aiohttp: bool) -> str | None:
    name = call.name
    if name in UNVERIFIED_CONTEXT:
        return f"`{name}()` creates a context that accepts any certificate."
    if not call.node.keywords:
        return None
    for keyword in call.node.keywords:
        arg, value = keyword.arg, keyword.value
        if arg == "verify" and _is_false(module, value, call) and _tls_call(call):
            return f"`{name}(verify=False)` turns off certificate checks."
        if arg in ALWAYS_TLS_OFF and _is_false(module, value, call):
            return f"`{name}({arg}=False)` turns off certificate checks."
        if arg == "ssl" and uses_aiohttp and _is_false(module, value, call) and (
            name.startswith("aiohttp.") or _method(call) in HTTP_METHODS
        ):
            return f"`{name}(ssl=False)` turns off aiohttp's certificate checks."
        if arg in ("cert_reqs", "ssl_cert_reqs") and _cert_none(module, value, arg):
            return f"`{name}({arg}=CERT_NONE)` accepts any certificate."
        if arg in ("tlsAllowInvalidCertificates", "tlsInsecure") and is_literal(value, True):
            return f"`{name}({arg}=True)` accepts any certificate."
    return None


def _configured(module: PythonModule, node: ast.AST) -> bool:
    """Inside `if not settings.VERIFY_SSL:` (or its else branch): an explicit opt-out."""
    for ancestor in module.ancestors(node):
        if isinstance(ancestor, ast.If) and CONFIGURED_OPT_OUT.search(module.code(ancestor.test)):
            return True
        if isinstance(ancestor, ast.FunctionDef | ast.AsyncFunctionDef):
            return False
    return False


def _method(call: CallSite) -> str:
    return call.attr.lstrip("_").lower()


def _tls_call(call: CallSite) -> bool:
    name = call.name
    if name.startswith(OTHER_VERIFY) or call.attr in OTHER_VERIFY_METHODS:
        return False
    if name.startswith(HTTP_LIBRARIES) or _method(call) in HTTP_METHODS:
        return True
    return bool(CLIENT_CLASS.search(call.attr))


def _is_false(module: PythonModule, node: ast.expr, call: CallSite | None = None) -> bool:
    if is_literal(node, False):
        return True
    if isinstance(node, ast.Name):
        function = call.function if call is not None else module.function_at(node)
        values = assigned(module, function, node.id)
        return bool(values) and all(is_literal(v, False) for v in values)
    return False


def _cert_none(module: PythonModule, node: ast.expr, arg: str) -> bool:
    if module.resolve(node) == "ssl.CERT_NONE":
        return True
    text = string_value(node)
    if text is not None and text.lower() in ("cert_none", "none"):
        return True
    return arg == "ssl_cert_reqs" and is_literal(node, None)


def _http_client(module: PythonModule, receiver: ast.expr) -> bool:
    if isinstance(receiver, ast.Name):
        for value in assigned(module, module.function_at(receiver), receiver.id):
            if isinstance(value, ast.Call) and module.resolve(value.func).startswith(
                ("requests.", "httpx.")
            ):
                return True
    name = module.resolve(receiver) or ""
    last = words(name.rsplit(".", 1)[-1])
    return bool({"session", "sess", "client", "http"}.intersection(last))


def _server_context(module: PythonModule, receiver: ast.expr) -> bool:
    """A server-side context: CERT_NONE there only means client certificates are optional."""
    if not isinstance(receiver, ast.Name):
        return False
    for value in assigned(module, module.function_at(receiver), receiver.id):
        if isinstance(value, ast.Call):
            arguments = [*value.args, *(k.value for k in value.keywords)]
            if any(module.resolve(a) in SERVER_SIDE for a in arguments):
                return True
    return False
