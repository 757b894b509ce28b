"""jwt-without-verification for JavaScript/TypeScript (jsonwebtoken, jose):

* `jwt.decode(token)` (or jose `decodeJwt`) in a file that never verifies a token: the
  decoded claims are trusted without a signature check;
* `jwt.verify(token, publicKey)` without an `algorithms` allow-list when the key is a public
  key or certificate (algorithm confusion: an HS256 token signed with the public key);
* `algorithms: ['none']` / `algorithm: 'none'`, and `ignoreExpiration: true`.

`jwt.verify(token, secret)` with a shared secret and no `algorithms` is not reported:
jsonwebtoken only accepts HMAC algorithms for a secret string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.javascript._js import (
    FileIndex,
    index,
    make_match,
    object_pairs,
    resolved_object,
    squash,
    string_value,
    unwrap,
)
from reviewer.treesitter import TreeCall, TreeModule

JWT_SOURCES = ("jsonwebtoken", "jose")
VERIFY = re.compile(r"\.verify\(|\bverify\(|jwtVerify\(|verifyAsync\(|compactVerify\(|"
                    r"passport-jwt|express-jwt|expressjwt|@nestjs/jwt|koa-jwt|verifyToken|"
                    r"verifyJwt|verifyIdToken")
IDENTITY = re.compile(r"user|identity|principal|claims|auth|session|role|admin|account",
                      re.IGNORECASE)
FUNCTION_NODES = frozenset({"arrow_function", "function_expression", "function_declaration",
                            "method_definition"})
PUBLIC_KEY = re.compile(r"public|pub_?key|pubkey|\bcert|certificate|\.pem|jwks|getSigningKey|"
                        r"BEGIN (RSA )?PUBLIC|BEGIN CERTIFICATE", re.IGNORECASE)


@language_check("jwt-without-verification", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    text = module.text
    if "jsonwebtoken" not in text and "jose" not in text and "jwt" not in text.lower():
        return
    idx = index(module)
    names = _jwt_names(idx)
    if not names:
        return
    verifies = bool(VERIFY.search(text))
    for call in module.calls:
        role = _role(call, names)
        if role is None:
            continue
        problem: str | None = None
        where: Node = call.node
        arguments = call.arguments
        if role == "decode":
            if arguments and _trusted_decode(module, call, verifies):
                problem = (f"`{call.name}()` reads the token's claims without checking its "
                           "signature, and they are trusted here: anyone can forge the "
                           "identity. Use `jwt.verify(token, key, { algorithms: [...] })`.")
        elif role == "verify":
            options = _options(idx, arguments[2] if len(arguments) > 2 else None)
            where, problem = _verify_problem(idx, call, options)
        elif role == "sign":
            options = _options(idx, arguments[2] if len(arguments) > 2 else None)
            algorithm = options.get("algorithm")
            if algorithm is not None and (string_value(module, algorithm) or "").lower() == (
                    "none"):
                where = algorithm.parent or call.node
                problem = f"`{call.name}()` issues an unsigned token (`algorithm: 'none'`)."
        if problem:
            yield make_match(rule.id, module, where, problem)


def _trusted_decode(module: TreeModule, call: TreeCall, verifies: bool) -> bool:
    """Decoded claims with no signature check nearby: nothing in the file verifies, or the
    function does not verify and uses the claims for a decision or as the user."""
    scope = call.function
    if scope is None:  # top-level code: the statement itself
        scope = call.node
        while scope.parent is not None and scope.parent.type != "program":
            scope = scope.parent
    if VERIFY.search(module.text_of(scope)):
        return False
    if not verifies:
        return True
    for ancestor in module.ancestors(call.node):
        if ancestor.type in ("if_statement", "ternary_expression", "binary_expression"):
            return True
        if ancestor.type in ("variable_declarator", "assignment_expression"):
            target = (ancestor.child_by_field_name("name")
                      or ancestor.child_by_field_name("left"))
            return bool(IDENTITY.search(module.text_of(target)))
        if ancestor.type.endswith("statement") or ancestor.type in FUNCTION_NODES:
            return False
    return False


def _jwt_names(idx: FileIndex) -> dict[str, str]:
    """Local names -> 'module' (jsonwebtoken/jose namespace) or a function name."""
    names: dict[str, str] = {}
    for local, (source, imported) in idx.imports.items():
        if source in JWT_SOURCES or source.startswith("jose/"):
            names[local] = "module" if imported in ("*", "default") else imported
    for name, bindings in idx.module_bindings().items():
        for binding in bindings:
            text = squash(idx.module.text_of(binding.value))
            if re.match(r"""^require\(['"](jsonwebtoken|jose)['"]\)$""", text):
                names[name] = "module" if binding.kind != "destructure" else name
    if not names and re.search(r"\bjwt\.(verify|decode|sign)\(", idx.module.text) and (
            "jwt" not in idx.imports and "jwt" not in idx.module_bindings()):
        names["jwt"] = "module"  # `jwt` injected or imported through a local wrapper
    return names


def _role(call: TreeCall, names: dict[str, str]) -> str | None:
    name = call.name
    receiver, _, method = name.rpartition(".")
    if receiver:
        if names.get(receiver) != "module":
            return None
    else:
        method = names.get(name, "")
    if method in ("decode", "decodeJwt"):
        return "decode"
    if method == "verify":
        return "verify"
    if method == "sign":
        return "sign"
    return None


def _options(idx: FileIndex, node: Node | None) -> dict[str, Node]:
    options = resolved_object(idx, node) if node is not None else None
    return (object_pairs(idx.module, options) or {}) if options is not None else {}


def _verify_problem(idx: FileIndex, call: TreeCall,
                    options: dict[str, Node]) -> tuple[Node, str | None]:
    module = idx.module
    algorithms = options.get("algorithms")
    if algorithms is not None:
        values = [string_value(module, v) for v in unwrap(algorithms).named_children] if (
            unwrap(algorithms).type == "array") else []
        if any((v or "").lower() == "none" for v in values):
            return algorithms.parent or call.node, (
                f"`{call.name}()` accepts the `none` algorithm: unsigned tokens pass.")
    ignore = options.get("ignoreExpiration")
    if ignore is not None and unwrap(ignore).type == "true":
        return ignore.parent or call.node, (
            f"`{call.name}()` ignores the `exp` claim (`ignoreExpiration: true`): expired or "
            "stolen tokens stay valid forever.")
    arguments = call.arguments
    if algorithms is None and "..." not in options and len(arguments) > 1:
        key = arguments[1]
        if _public_key(idx, key):
            return call.node, (
                f"`{call.name}()` checks a token against a public key without an `algorithms` "
                "allow-list: a token signed with HS256 using that public key as the secret "
                "passes (algorithm confusion). Pass `{ algorithms: ['RS256'] }`.")
    return call.node, None


def _public_key(idx: FileIndex, key: Node, depth: int = 2) -> bool:
    module = idx.module
    key = unwrap(key)
    if PUBLIC_KEY.search(module.text_of(key)):
        return True
    if key.type == "identifier" and depth > 0:
        return any(_public_key(idx, b.value, depth - 1)
                   for b in idx.values(module.text_of(key), key))
    return False
