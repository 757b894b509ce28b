from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.hardening._helpers import (
    make_match,
    naming_context,
    snake,
    string_value,
    value_before,
    words,
)

FAST_HASHES = frozenset({
    "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384",
    "sha3_512", "blake2b", "blake2s",
})
HASH_CALLS = frozenset(f"hashlib.{name}" for name in FAST_HASHES) | frozenset({
    "Crypto.Hash.MD5.new", "Crypto.Hash.SHA1.new", "Crypto.Hash.SHA256.new",
    "Cryptodome.Hash.MD5.new", "Cryptodome.Hash.SHA256.new",
})
# Password-ish words: substrings for the long ones, whole words for the short ones.
PASSWORD_SUBSTRING = re.compile(r"password|passwd|passphrase|passcode|passwort|contrase", re.I)
PASSWORD_WORDS = frozenset({"pwd", "pw", "pin", "pass", "pword", "pswd", "psw"})
# A name with one of these words holds something about a password, not the password itself.
NOT_PASSWORD_WORDS = frozenset({
    "token", "tokens", "salt", "url", "uri", "link", "id", "name", "field", "length", "len",
    "policy", "hint", "label", "reset", "key", "nonce", "otp", "expiry", "expires", "at",
    "count", "attempts", "changed", "updated", "min", "max", "regex", "pattern", "prompt",
    "widget", "form", "input", "validator", "strength", "score", "pwned", "breach", "leak",
    "history", "enabled", "required",
})
# Hashing an existing digest (session auth hashes, cache keys) is not password storage.
ALREADY_HASHED = frozenset({"hash", "hashed", "digest", "encrypted", "hmac"})
STRONG_KDF = re.compile(
    r"(^|\.)(bcrypt|argon2|passlib|scrypt|pbkdf2\w*|make_password|set_password|hashpw|"
    r"generate_password_hash|PasswordHasher|CryptContext|hash_password)(\.|$|\()",
    re.I,
)
HASH_MODULES = ("hashlib.", "Crypto.", "Cryptodome.", "cryptography.")
PASSWORD_SETTER = re.compile(r"^(set|update|change|reset|save|store)_(user_)?password$")
DIGEST_METHODS = frozenset({"hexdigest", "digest", "finalize"})
BREACH_CHECK = re.compile(r"pwnedpasswords|haveibeenpwned|k-anonymity", re.I)


class WeakPasswordHash(Rule):
    id = "weak-password-hash"
    title = "Password hashed with a fast hash function"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.SECURITY
    cwe = 916
    languages = ("python",)
    skip_roles = ("test",)
    rationale = (
        "MD5 and the SHA family are built to be fast: a GPU tries billions of guesses a second, "
        "so a leaked table of such hashes gives up most passwords within days, salt or not. "
        "Password storage needs a slow, memory-hard, salted function."
    )
    fix = (
        "Hash passwords with argon2id, bcrypt or scrypt (argon2-cffi, bcrypt, passlib, Django's "
        "make_password / Werkzeug's generate_password_hash) and verify with their check "
        "function; rehash legacy digests on the next login."
    )
    example = Example(
        before="user.password_hash = hashlib.sha256((salt + password).encode()).hexdigest()",
        after="user.password_hash = PasswordHasher().hash(password)  # argon2-cffi",
    )
    references = (
        "https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html",
        "https://cwe.mitre.org/data/definitions/916.html",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not (module.imports("hashlib") or module.imports("Crypto")
                or module.imports("Cryptodome") or module.imports("cryptography")):
            return
        breach_check = bool(BREACH_CHECK.search(module.source))
        # id(function node) -> {name bound to a bare hasher: its algorithm}
        hashers: dict[int, dict[str, str]] = {}
        hash_calls = [c for c in module.calls if c.name.startswith(HASH_MODULES)]
        for call in hash_calls:
            algorithm = _fast_hash(module, call.node)
            if algorithm is not None and _data_argument(module, call) is None:
                context = naming_context(module, call.node)
                if context and context[0] == "target":
                    hashers.setdefault(_key(call), {})[context[1]] = algorithm
        consumed: set[int] = set()  # hash calls and hashers already reported at a sink
        for call in module.calls:
            if "assword" not in call.attr or not call.node.args:
                continue
            if not PASSWORD_SETTER.match(snake(call.attr)):
                continue
            evidence = _digest_in(module, call, call.node.args[0], hashers.get(_key(call), {}))
            if evidence is None:
                continue
            algorithm, nodes = evidence
            consumed.update(id(n) for n in nodes)
            yield make_match(
                self.id, module, call.node,
                f"`{call.attr}()` stores a single `{algorithm}` digest as the password: fast "
                "hashes are brute-forced offline at billions of guesses a second.",
                call.scope,
            )
        for call in module.calls:
            if id(call.node) in consumed or not (
                call.attr == "update" or call.name.startswith(HASH_MODULES)
            ):
                continue
            algorithm = _fast_hash(module, call.node)
            if algorithm is not None:
                data = _data_argument(module, call)
                found = data is not None and self._check(module, call, algorithm, data,
                                                         breach_check)
            elif call.attr == "update" and call.node.args:
                receiver = call.receiver.rsplit(".", 1)[-1]
                algorithm = hashers.get(_key(call), {}).get(receiver)
                found = algorithm is not None and self._check(
                    module, call, algorithm, call.node.args[0], breach_check
                )
            else:
                continue
            if found:
                yield found

    def _check(self, module: PythonModule, call: CallSite, algorithm: str, data: ast.expr,
               breach_check: bool) -> Match | None:
        source = _password_in(data)
        if source is None:
            context = naming_context(module, call.node)
            if context is None or not _is_password_name(context[1], stored=True):
                return None
            stored_as = context[1]
            message = (f"`{stored_as}` is set from a single `{algorithm}` digest: fast hashes "
                       "are brute-forced offline at billions of guesses a second.")
        else:
            message = (f"`{source}` is hashed with `{algorithm}`: fast hashes are brute-forced "
                       "offline at billions of guesses a second; use argon2/bcrypt/scrypt.")
        if _prehash_for_kdf(module, call):
            return None
        if breach_check and algorithm == "sha1":
            return None  # Have I Been Pwned range query: sha1 is the protocol
        return make_match(self.id, module, call.node, message, call.scope)


def _key(call: CallSite) -> int:
    return id(call.function.node) if call.function else 0


def _fast_hash(module: PythonModule, node: ast.Call) -> str | None:
    name = module.resolve(node.func)
    if name in HASH_CALLS:
        return name.rsplit(".", 1)[-1] if name.startswith("hashlib.") else name.split(".")[-2]
    if name == "hashlib.new" and node.args:
        algorithm = (string_value(node.args[0]) or "").lower().replace("-", "")
        return algorithm if algorithm in FAST_HASHES else None
    if name == "cryptography.hazmat.primitives.hashes.Hash" and node.args and isinstance(
        node.args[0], ast.Call
    ):
        algorithm = module.resolve(node.args[0].func).rsplit(".", 1)[-1].lower()
        return algorithm if algorithm in FAST_HASHES else None
    return None


def _data_argument(module: PythonModule, call: CallSite) -> ast.expr | None:
    if call.name == "hashlib.new":
        return call.argument(1, "data")
    if call.name.endswith(".Hash"):
        return None  # cryptography's Hash(algorithm) takes data through update()
    return call.argument(0, "data") or call.argument(0, "string")


def _digest_in(module: PythonModule, call: CallSite, node: ast.expr, hashers: dict[str, str],
               depth: int = 2) -> tuple[str, list[ast.AST]] | None:
    """The fast-hash algorithm whose digest `node` is, with the hash calls that made it."""
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            algorithm = _fast_hash(module, child)
            if algorithm is not None:
                return algorithm, [child]
            func = child.func
            if (isinstance(func, ast.Attribute) and func.attr in DIGEST_METHODS
                    and isinstance(func.value, ast.Name) and func.value.id in hashers):
                name = func.value.id
                updates = [c.node for c in (call.function.calls if call.function else [])
                           if c.attr == "update" and c.receiver == name]
                return hashers[name], updates
        elif isinstance(child, ast.Name) and depth > 0 and child.id not in hashers:
            value = value_before(module, call.function, child.id, call.node.lineno)
            if value is not None:
                found = _digest_in(module, call, value, hashers, depth - 1)
                if found:
                    return found
    return None


def _password_in(node: ast.expr) -> str | None:
    """The password-like name inside the hashed expression, if any."""
    for child in ast.walk(node):
        match child:
            case ast.Name(id=name) if _is_password_name(name):
                return name
            case ast.Attribute(attr=attr) if _is_password_name(attr):
                return attr
            case ast.Subscript(slice=ast.Constant(value=str() as key)) if _is_password_name(key):
                return key
            case ast.Call(func=ast.Attribute(attr="get"), args=[ast.Constant(value=str() as key),
                                                              *_]) if _is_password_name(key):
                return key
    return None


def _is_password_name(name: str, stored: bool = False) -> bool:
    """`password`, `new_pwd`, `userPassword`; when `stored`, also `password_hash`."""
    parts = words(name)
    excluded = NOT_PASSWORD_WORDS if stored else NOT_PASSWORD_WORDS | ALREADY_HASHED
    if not parts or excluded.intersection(parts):
        return False
    return bool(PASSWORD_SUBSTRING.search(name) or PASSWORD_WORDS.intersection(parts))


def _prehash_for_kdf(module: PythonModule, call: CallSite) -> bool:
    """sha256 before bcrypt (its 72-byte limit) or inside a KDF is not the storage hash."""
    for ancestor in module.ancestors(call.node):
        if isinstance(ancestor, ast.Call) and STRONG_KDF.search(module.resolve(ancestor.func)):
            return True
        if isinstance(ancestor, ast.stmt):
            break
    if call.function is None:
        return False
    return any(STRONG_KDF.search(other.name) for other in call.function.calls)
