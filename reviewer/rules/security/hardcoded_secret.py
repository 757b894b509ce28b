from __future__ import annotations

import ast
import math
import re
from collections import Counter
from collections.abc import Iterable

from reviewer.model import Category, Match, Severity
from reviewer.python.module import PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.text import TextFile

# Formats that are secrets wherever they appear: the provider's own prefixes.
TOKEN_PATTERNS = {
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "GitLab token": re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    "Stripe live key": re.compile(r"\b[sr]k_live_[A-Za-z0-9]{20,}\b"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY"),
}
# The literal every format starts with: a substring test (C speed) rules a file out before
# any regular expression runs, which keeps this rule cheap on the 99% of files without one.
TOKEN_PREFIXES = {
    "AWS access key id": ("AKIA", "ASIA"),
    "GitHub token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    "GitLab token": ("glpat-",),
    "Slack token": ("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"),
    "Stripe live key": ("sk_live_", "rk_live_"),
    "Google API key": ("AIza",),
    "private key": ("PRIVATE KEY",),
}
ANY_TOKEN = re.compile("|".join(f"(?:{p.pattern})" for p in TOKEN_PATTERNS.values()))
SECRET_NAME = re.compile(
    r"(?:^|_)(password|passwd|pwd|secret|secret_key|api_key|apikey|access_key|private_key|"
    r"auth_token|access_token|refresh_token|client_secret|token)$",
    re.IGNORECASE,
)
NOT_SECRET_SUFFIX = re.compile(r"_(type|name|field|url|uri|header|env|path|file|id|length|prefix)$",
                               re.IGNORECASE)
IDENTIFIER_LIKE = re.compile(r"_*[a-z]+(?:[_\-.:][a-z]+)+_*|_[a-z][a-z0-9_]*")
PLACEHOLDER = re.compile(
    r"^(?:|x+|\*+|changeme|change[-_ ]?me|password|secret|token|example|dummy|none|null|todo|"
    r"test|testing|redacted|placeholder)$|^<.*>$|^\$\{.*\}$|^\{\{.*\}\}$|your[-_ ]|example",
    re.IGNORECASE,
)


class HardcodedSecret(Rule):
    id = "hardcoded-secret"
    title = "Secret committed to the repository"
    severity = Severity.CRITICAL
    category = Category.SECURITY
    cwe = 798
    languages = ("python", "text")
    rationale = (
        "A key, token or password in git is readable by everyone with access to the repository "
        "and every clone and backup of it, forever: removing it in a later commit does not "
        "remove it from history. Treat it as leaked."
    )
    fix = (
        "Revoke and rotate the secret, then read it at run time from the environment or a "
        "secret manager."
    )
    example = Example(
        before='STRIPE_KEY = "sk_live_51H…7dc"',
        after='STRIPE_KEY = os.environ["STRIPE_KEY"]',
    )
    references = ("https://cwe.mitre.org/data/definitions/798.html",)

    def check_text(self, text: TextFile) -> Iterable[Match]:
        source = text.text
        hits: dict[int, str] = {}
        for kind, prefixes in TOKEN_PREFIXES.items():
            if not any(prefix in source for prefix in prefixes):
                continue
            for found in TOKEN_PATTERNS[kind].finditer(source):
                number = source.count("\n", 0, found.start()) + 1
                hits.setdefault(number, kind)
        for number, kind in sorted(hits.items()):
            line = text.lines[number - 1] if number <= len(text.lines) else ""
            yield Match(
                rule_id=self.id,
                line=number,
                end_line=number,
                message=f"{kind[0].upper()}{kind[1:]} committed in plain text.",
                code=" ".join(line.split()),
            )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        for name, value in _named_values(module):
            if not _is_secret_assignment(name, value):
                continue
            if ANY_TOKEN.search(value.value):
                continue  # the text scan already reports it, with a better name
            yield Match(
                rule_id=self.id,
                line=value.lineno,
                end_line=value.end_lineno or value.lineno,
                message=f"`{name}` is set to a literal secret.",
                code=" ".join(module.lines[value.lineno - 1].split()),
            )


def _named_values(module: PythonModule) -> Iterable[tuple[str, ast.expr]]:
    """(name, value) pairs from the indexes: assignments, keywords, dict items, defaults."""
    for names in module.assignments.values():
        for name, values in names.items():
            for value in values:
                if isinstance(value, ast.Constant):
                    yield name.rsplit(".", 1)[-1], value
    for call in module.calls:
        for keyword in call.node.keywords:
            if keyword.arg is not None and isinstance(keyword.value, ast.Constant):
                yield keyword.arg, keyword.value
    for node in module.dicts:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value, value
    for function in module.functions:
        args = function.node.args
        positional = [*args.posonlyargs, *args.args]
        for arg, default in zip(positional[len(positional) - len(args.defaults):],
                                args.defaults, strict=True):
            yield arg.arg, default
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if default is not None:
                yield arg.arg, default


def _is_secret_assignment(name: str, value: ast.expr) -> bool:
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return False
    if not SECRET_NAME.search(name) or NOT_SECRET_SUFFIX.search(name):
        return False
    secret = value.value
    if len(secret) < 8 or any(c.isspace() for c in secret) or PLACEHOLDER.search(secret):
        return False
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", secret):
        return False  # the name of an environment variable, not its value
    if IDENTIFIER_LIKE.fullmatch(secret):
        return False  # a key, URL slug or setting name such as "_password_reset_token"
    return _entropy(secret) >= 3.0


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
