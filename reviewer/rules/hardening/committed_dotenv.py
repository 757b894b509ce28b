from __future__ import annotations

import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.rules.base import Example, Rule
from reviewer.text import TextFile

ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*(.*?)\s*$")
SECRET_WORDS = frozenset({
    "password", "passwd", "pwd", "pass", "passphrase", "secret", "secrets", "token", "apikey",
    "credentials", "credential", "privatekey", "accesskey", "secretkey",
})
SECRET_PAIRS = frozenset({
    ("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"),
    ("signing", "key"), ("encryption", "key"), ("master", "key"), ("auth", "key"),
    ("license", "key"), ("app", "key"), ("service", "key"), ("account", "key"),
    ("client", "secret"), ("webhook", "secret"), ("sas", "key"), ("crypt", "key"),
})
# The last word says the value is about a secret (its name, lifetime, location), not it.
NOT_SECRET_LAST = frozenset({
    "id", "name", "names", "user", "username", "file", "path", "dir", "host", "port", "length",
    "len", "min", "max", "expire", "expires", "expiry", "expiration", "ttl", "lifetime",
    "minutes", "seconds", "hours", "days", "algorithm", "alg", "header", "type", "enabled",
    "prefix", "field", "location", "region", "scope", "scopes", "audience", "issuer",
    "endpoint", "version", "timeout", "rotation", "interval", "policy", "backend", "mode",
    "class", "env", "format", "required", "provider", "count", "size", "hint", "strategy",
})
URL_CREDENTIALS = re.compile(r"^[a-z][a-z0-9+.\-]*://(?P<user>[^:/@\s]*):(?P<pw>[^@\s/]+)@",
                             re.IGNORECASE)
PLACEHOLDER = re.compile(
    r"^(?:x+|\*+|\.+|-+|_+|0+|\?+|"
    r"change[-_ ]?me|change[-_ ]?this|replace[-_ ]?me|todo|tbd|fixme|placeholder|dummy|fake|"
    r"sample|example|none|null|nil|undefined|secret|password|passwd|pass|token|test|testing|"
    r"dev|development|local|default|foo|bar|foobar|admin|root|guest|postgres|mysql|redis|"
    r"user|changeit|empty|unset|required|optional|insert[-_ ]?\w*|enter[-_ ]?\w*)$"
    r"|^<.*>$|^\[.*\]$|^\{\{.*\}\}$|\$\{|^\$[A-Za-z_]|your[-_ ]|[-_ ]here$|^put[-_ ]|"
    r"example|placeholder|changeme|change[-_]me|replace[-_]?me|xxxx|\*\*\*\*|<[a-z_ -]+>|"
    r"^(?:true|false|yes|no|on|off)$|^\d+$",
    re.IGNORECASE,
)


class CommittedDotenv(Rule):
    id = "committed-dotenv"
    title = "Real secret in a committed dotenv file"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.SECURITY
    cwe = 798
    languages = ("dotenv",)
    skip_roles = ("test",)
    rationale = (
        "A `.env` file in git hands its passwords, tokens and keys to everyone with access "
        "to the repository, its forks and backups, forever: deleting the file later does "
        "not remove it from history."
    )
    fix = (
        "Rotate the exposed secret, remove the file from git and add it to `.gitignore`; "
        "commit a `.env.example` with placeholder values instead."
    )
    example = Example(
        before="STRIPE_SECRET_KEY=sk_live_51Hx...",
        after="STRIPE_SECRET_KEY=   # set in the deployment's secret store",
    )
    references = (
        "https://cwe.mitre.org/data/definitions/798.html",
        "https://12factor.net/config",
    )
    # Keys never reported, and values the project uses as placeholders.
    settings = {"ignore_keys": [], "placeholders": []}

    def check_text(self, text: TextFile) -> Iterable[Match]:
        if text.kind.variant == "example":
            return  # `.env.example` and other templates are meant to be committed
        options = text.settings(self.id, self.settings)
        ignored = {k.upper() for k in options.get("ignore_keys", [])}
        placeholders = {v.lower() for v in options.get("placeholders", [])}
        quote: str | None = None  # inside a multi-line quoted value
        for number, line in enumerate(text.lines, start=1):
            if quote is not None:
                if line.rstrip().endswith(quote):
                    quote = None
                continue
            found = ASSIGNMENT.match(line)
            if found is None or line.lstrip().startswith("#"):
                continue
            key, raw = found.group(1), found.group(2)
            value, quote = _value(raw)
            if key.upper() in ignored or value.lower() in placeholders:
                continue
            problem = _problem(key, value)
            if problem:
                yield Match(
                    rule_id=self.id,
                    line=number,
                    end_line=number,
                    message=problem,
                    code=f"{key}=<redacted>",
                    scope=key,
                )


def _value(raw: str) -> tuple[str, str | None]:
    """The value without quotes or trailing comment, and the quote left open (multi-line)."""
    if raw[:1] in ("'", '"', "`"):
        quote = raw[0]
        end = raw.find(quote, 1)
        if end == -1:
            return raw[1:].strip(), quote
        return raw[1:end].strip(), None
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip(), None


def _words(key: str) -> list[str]:
    return [w for w in re.split(r"[_.\-]+", key.lower()) if w]


def _secret_key(key: str) -> bool:
    parts = _words(key)
    if not parts or parts[-1] in NOT_SECRET_LAST:
        return False
    if SECRET_WORDS.intersection(parts):
        return True
    return any(pair in SECRET_PAIRS for pair in zip(parts, parts[1:], strict=False))


def _problem(key: str, value: str) -> str | None:
    if not value:
        return None
    credentials = URL_CREDENTIALS.match(value)
    if credentials:
        password = credentials.group("pw")
        if PLACEHOLDER.search(password):
            return None
        return f"`{key}` carries a password inside its connection URL, committed in plain text."
    if "://" in value and not _secret_key(key):
        return None
    if not _secret_key(key) or PLACEHOLDER.search(value):
        return None
    return f"`{key}` is set to a real-looking secret in a committed dotenv file."
