from __future__ import annotations

import ast
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.hardening._helpers import (
    assigned,
    is_literal,
    make_match,
    string_value,
    value_before,
)

PYJWT_DECODE = frozenset({
    "jwt.decode", "jwt.decode_complete", "jwt.api_jwt.decode", "jwt.api_jwt.decode_complete",
    "jwt.PyJWT().decode", "jwt.PyJWT().decode_complete", "jwt.api_jwt.PyJWT().decode",
})
PYJWT_ENCODE = frozenset({"jwt.encode", "jwt.api_jwt.encode", "jwt.PyJWT().encode"})
JOSE_DECODE = frozenset({"jose.jwt.decode"})
JOSE_ENCODE = frozenset({"jose.jwt.encode"})
JOSE_UNVERIFIED = frozenset({"jose.jwt.get_unverified_claims", "jose.jws.get_unverified_claims"})
ALL_DECODE = PYJWT_DECODE | JOSE_DECODE


class JwtWithoutVerification(Rule):
    id = "jwt-without-verification"
    title = "JWT decoded without verifying its signature, algorithm or expiry"
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    category = Category.SECURITY
    cwe = 347
    languages = ("python",)
    skip_roles = ("test",)
    rationale = (
        "A token whose signature is not checked, or whose algorithm is taken from the "
        "token's own header (`none`, or HS256 signed with the public key), can be forged by "
        "anyone: its claims then decide who the caller is. Ignoring `exp` keeps stolen "
        "tokens valid forever."
    )
    fix = (
        "Decode with the verification key and a fixed allow-list: "
        "`jwt.decode(token, key, algorithms=[\"RS256\"], audience=...)`; keep signature and "
        "expiry checks on. Read unverified headers only to pick the key."
    )
    example = Example(
        before='claims = jwt.decode(token, options={"verify_signature": False})',
        after='claims = jwt.decode(token, public_key, algorithms=["RS256"], audience="api")',
    )
    references = (
        "https://pyjwt.readthedocs.io/en/stable/api.html#jwt.decode",
        "https://cwe.mitre.org/data/definitions/347.html",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not (module.imports("jwt") or module.imports("jose")):
            return
        for call in module.calls:
            name = call.name
            where: ast.AST = call.node
            if name in ALL_DECODE:
                problem, source = _decode_problem(module, call)
                if source is not None:
                    where = source  # the options dict that turns the check off
            elif name in JOSE_UNVERIFIED:
                problem = None if _verifies_elsewhere(module, call) else (
                    f"`{call.attr}()` returns claims without checking the signature; "
                    "anything derived from them can be forged."
                )
            elif name in PYJWT_ENCODE | JOSE_ENCODE:
                algorithm = call.keyword("algorithm")
                value = string_value(algorithm.value) if algorithm else None
                problem = (
                    f"`{name}()` issues an unsigned token (`algorithm=\"none\"`)."
                    if value is not None and value.lower() == "none" else None
                )
            else:
                continue
            if problem:
                yield make_match(self.id, module, where, problem, call.scope)


def _decode_problem(module: PythonModule, call: CallSite) -> tuple[str | None, ast.AST | None]:
    """What is wrong with the decode call, and the options statement to report if not the call."""
    name = call.name
    options, source = _options(module, call)
    verify = call.keyword("verify")
    third = call.node.args[2] if len(call.node.args) > 2 else None
    unverified = (
        _false(module, call, options.get("verify_signature"))
        or (verify is not None and _false(module, call, verify.value))
        or (name in PYJWT_DECODE and is_literal(third, False))
    )
    if unverified:
        if _verifies_elsewhere(module, call):
            return None, None  # peeks at the claims to choose the key, then verifies
        return (f"`{name}()` is called with signature verification disabled: "
                "the claims can be forged."), source
    algorithms = call.keyword("algorithms")
    if algorithms is not None and _has_none_algorithm(module, call, algorithms.value):
        return f"`{name}()` accepts the `none` algorithm: unsigned tokens pass.", None
    if _false(module, call, options.get("verify_exp")):
        return (f"`{name}()` ignores the `exp` claim: expired or stolen tokens stay valid.",
                source)
    no_key = len(call.node.args) < 2 and call.keyword("key") is None
    if name in PYJWT_DECODE and no_key and algorithms is None and not call.has_star_kwargs:
        return (f"`{name}()` has neither a key nor an `algorithms=` allow-list: PyJWT 1.x "
                "then accepts tokens signed with an empty key."), None
    return None, None


def _false(module: PythonModule, call: CallSite, node: ast.expr | None) -> bool:
    if isinstance(node, ast.Name):
        node = value_before(module, call.function, node.id, call.node.lineno)
    return is_literal(node, False)


def _options(module: PythonModule, call: CallSite) -> tuple[dict[str, ast.expr], ast.AST | None]:
    """The options mapping's entries, and its assignment statement when it is a variable."""
    keyword = call.keyword("options")
    node = keyword.value if keyword is not None else None
    if node is None and len(call.node.args) > 3 and isinstance(call.node.args[3], ast.Dict):
        node = call.node.args[3]
    source = None
    if isinstance(node, ast.Name):
        node = value_before(module, call.function, node.id, call.node.lineno)
        source = module.enclosing_statement(node) if node is not None else None
    found: dict[str, ast.expr] = {}
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            text = string_value(key)
            if text:
                found[text] = value
    elif isinstance(node, ast.Call) and module.resolve(node.func) == "dict":
        for kw in node.keywords:
            if kw.arg:
                found[kw.arg] = kw.value
    return found, source


def _has_none_algorithm(module: PythonModule, call: CallSite, node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        values = assigned(module, call.function, node.id)
        if len(values) != 1:
            return False
        node = values[0]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any((string_value(e) or "").lower() == "none" for e in node.elts)
    return (string_value(node) or "").lower() == "none"


def _verifies_elsewhere(module: PythonModule, call: CallSite) -> bool:
    """The same function also decodes with verification: the unverified read is a peek."""
    if call.function is None:
        return False
    token = module.code(call.node.args[0]) if call.node.args else None
    for other in call.function.calls:
        if other is call or other.name not in ALL_DECODE:
            continue
        if other.node.lineno < call.node.lineno or not other.node.args or (
            module.code(other.node.args[0]) != token
        ):
            continue  # verifying the same token afterwards is what makes it a peek
        options, _ = _options(module, other)
        verify = other.keyword("verify")
        if _false(module, other, options.get("verify_signature")):
            continue
        if verify is not None and _false(module, other, verify.value):
            continue
        if other.keyword("algorithms") is not None or len(other.node.args) > 2:
            return True
    return False
