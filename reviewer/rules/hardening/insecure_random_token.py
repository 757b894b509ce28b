from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.hardening._helpers import (
    assigned,
    make_match,
    naming_context,
    snake,
    words,
)

RANDOM_FUNCS = frozenset({
    "random", "choice", "choices", "randint", "randrange", "getrandbits", "sample", "uniform",
    "randbytes", "shuffle",
})
NUMPY_FUNCS = frozenset({"randint", "choice", "bytes", "random", "rand", "random_sample"})
POPULATION_FUNCS = frozenset({"choice", "choices", "sample"})
UUID_PREDICTABLE = frozenset({"uuid.uuid1", "uuid.uuid3", "uuid.uuid5"})

TOKEN_NAME = re.compile(
    r"(^|_)(token|secret|password|passwd|pwd|passphrase|passcode|nonce|otp|totp|hotp|csrf|"
    r"xsrf|apikey|api_key|access_key|secret_key|signing_key|session_(id|key|token)|sessionid|"
    r"pin|code_verifier|oauth_state|"
    r"(reset|verification|verify|confirm|confirmation|activation|auth|login|mfa|2fa|sms|"
    r"email|security|one_time|invite|invitation|recovery|unlock|pairing|magic|access|"
    r"authorization|backup)_(codes?|keys?|pins?|links?|ids?|hash))(_|$)"
)
# Names that hold something about a token rather than the token itself, or ML tokens.
NOT_TOKEN_WORDS = frozenset({
    "length", "len", "count", "size", "ttl", "expiry", "expires", "expire", "expiration",
    "timeout", "delay", "index", "idx", "limit", "max", "min", "num", "type", "name", "field",
    "bucket", "rate", "interval", "position", "pos", "probability", "prob", "weight",
    "chance", "retry", "retries", "backoff", "jitter", "sleep", "wait", "header", "url",
    "endpoint", "path", "file", "format", "pattern", "regex", "charset", "alphabet", "chars",
    "characters", "digits", "strength", "hint", "policy", "tokens", "next", "prev",
    "previous", "start", "end", "pad", "mask", "bos", "eos", "unk", "vocab", "sampled",
    "embedding", "logits", "temperature", "prefix", "label", "server", "host", "node",
})
# Locals of `generate_password()` named `chars` are the password being built.
LOCAL_NOT_TOKEN = NOT_TOKEN_WORDS - {"chars", "characters", "digits", "tokens"}
# `verify_token()` and friends consume tokens: their random calls are something else.
NOT_GENERATING = frozenset({
    "verify", "check", "validate", "is", "has", "compare", "revoke", "delete", "remove",
    "expire", "invalidate", "parse", "decode", "load", "fetch", "read", "lookup", "find",
    "count", "log", "mask", "redact", "hash", "store", "save",
})
LOCKING = frozenset({"lock", "locks", "locking", "mutex", "semaphore", "lease", "redlock"})
ALPHABET_WORDS = frozenset({
    "chars", "characters", "alphabet", "charset", "letters", "digits", "symbols", "alnum",
    "alphanumeric", "punctuation", "hexdigits", "ascii", "lowercase", "uppercase",
})


class InsecureRandomToken(Rule):
    id = "insecure-random-token"
    title = "Security token built with the non-cryptographic `random` module"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.SECURITY
    cwe = 330
    languages = ("python",)
    skip_roles = ("test",)
    rationale = (
        "`random` is a Mersenne Twister: after 624 observed outputs an attacker can predict "
        "every later value, and `uuid1`/`uuid3`/`uuid5` are derived from the clock, the MAC "
        "address or the input. Reset codes, API keys and session ids built from them can be "
        "guessed."
    )
    fix = (
        "Use the `secrets` module: `secrets.token_urlsafe(32)`, `secrets.choice(alphabet)`, "
        "`secrets.randbelow(10**6)` for numeric codes; `uuid.uuid4()` for opaque ids."
    )
    example = Example(
        before='reset_token = "".join(random.choices(string.ascii_letters, k=32))',
        after="reset_token = secrets.token_urlsafe(32)",
    )
    references = (
        "https://docs.python.org/3/library/secrets.html",
        "https://cwe.mitre.org/data/definitions/330.html",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not (module.imports("random") or module.imports("uuid") or module.imports("numpy")):
            return
        reported: set[int] = set()
        helpers: dict[str, list[CallSite]] = {}  # generic helper name -> its random calls
        for call in module.calls:
            source = _random_source(module, call)
            if source is None:
                continue
            if LOCKING.intersection(words(call.scope)):
                continue  # lock ownership tokens only need to be unique
            context = naming_context(module, call.node)
            named = _token_use(module, call, context)
            if named:
                reported.add(id(call.node))
                yield make_match(
                    self.id, module, call.node,
                    f"{named} `{source}()`, which is predictable; "
                    "use the `secrets` module.",
                    call.scope,
                )
            elif (context and context[0] == "return" and call.function is not None
                  and call.function.parent is None and call.function.class_name is None):
                helpers.setdefault(call.function.name, []).append(call)
        if not helpers:
            return
        for call in module.calls:
            if call.name not in helpers:
                continue
            context = naming_context(module, call.node)
            if context is None or not _is_token_name(context[1]):
                continue
            for inner in helpers[call.name]:
                if id(inner.node) in reported:
                    continue
                reported.add(id(inner.node))
                source = _random_source(module, inner) or "random"
                yield make_match(
                    self.id, module, inner.node,
                    f"`{call.name}()` builds `{context[1]}` with "
                    f"`{source}()`, which is predictable; use the `secrets` module.",
                    inner.scope,
                )


def _random_source(module: PythonModule, call: CallSite) -> str | None:
    name = call.name
    if name in UUID_PREDICTABLE:
        return name
    if name.startswith("random.Random(") and call.attr in RANDOM_FUNCS:
        pass
    elif name.startswith("numpy.random.") and call.attr in NUMPY_FUNCS:
        pass
    elif not (name.startswith("random.") and name.count(".") == 1 and call.attr in RANDOM_FUNCS):
        return None
    if call.keyword("weights") is not None or call.keyword("cum_weights") is not None:
        return None  # weighted sampling: simulation or ML, not a secret
    if call.attr in POPULATION_FUNCS and not _alphabet(module, call, call.argument(0, "seq")):
        return None  # picks one of existing values (a server, a pooled API key)
    return name


def _alphabet(module: PythonModule, call: CallSite, node: ast.expr | None,
              depth: int = 2) -> bool:
    """Characters or digits to draw from, not a collection of existing values."""
    match node:
        case None:
            return False
        case ast.Constant(value=str() | bytes()):
            return True
        case ast.BinOp(left=left, right=right):
            return _alphabet(module, call, left, depth) or _alphabet(module, call, right, depth)
        case ast.List(elts=elts) | ast.Tuple(elts=elts):
            return bool(elts) and all(
                isinstance(e, ast.Constant) and (isinstance(e.value, int) or (
                    isinstance(e.value, str) and len(e.value) == 1)) for e in elts)
        case ast.Call(func=func, args=args):
            callee = module.resolve(func)
            if callee == "range":
                return True
            if callee in ("list", "tuple", "str") and args:
                return _alphabet(module, call, args[0], depth)
            return False
        case ast.Attribute(attr=attr):
            return module.resolve(node).startswith("string.") or bool(
                ALPHABET_WORDS.intersection(words(attr)))
        case ast.Name(id=name):
            if ALPHABET_WORDS.intersection(words(name)):
                return True
            if depth == 0:
                return False
            values = assigned(module, call.function, name)
            return bool(values) and all(_alphabet(module, call, v, depth - 1) for v in values)
    return False


def _is_token_name(name: str) -> bool:
    normalized = snake(name)
    if not TOKEN_NAME.search(normalized):
        return False
    return not NOT_TOKEN_WORDS.intersection(normalized.split("_"))


def _token_use(module: PythonModule, call: CallSite,
               context: tuple[str, str] | None) -> str | None:
    """The token-like name the random value is given, or None."""
    function = call.function
    in_token_function = (function is not None and _is_token_name(function.name)
                         and not NOT_GENERATING.intersection(words(function.name)))
    if call.attr == "shuffle":
        target = call.argument(0, "x")
        if not isinstance(target, ast.Name):
            return None
        if _is_token_name(target.id):
            return f"`{target.id}` is shuffled with"
        if in_token_function and not LOCAL_NOT_TOKEN.intersection(words(target.id)):
            return f"`{target.id}` in `{function.name}()` is shuffled with"
        return None
    if context is None:
        return None
    kind, name = context
    if _is_token_name(name):
        if kind == "return":
            return f"`{name}()` returns a value built with"
        return f"`{name}` is built with"
    if not in_token_function:
        return None
    # Inside `generate_otp()` / `send_reset_code()`: its result or a local it builds.
    if kind == "return":
        return f"`{function.name}()` returns a value built with"
    if kind == "target" and not LOCAL_NOT_TOKEN.intersection(words(name)):
        return f"`{name}` in `{function.name}()` is built with"
    return None
