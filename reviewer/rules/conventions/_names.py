"""What a name says about the value it holds: a secret, personal data, or neither."""

from __future__ import annotations

import re

CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
SPLIT = re.compile(r"[^a-z0-9]+")

# A name is sensitive when its LAST word is one of these (after the checks below).
SECRET_WORDS = frozenset({
    "password", "passwords", "passwd", "passphrase", "secret", "secrets", "token", "jwt",
    "apikey", "cookie", "cookies", "authorization", "credentials", "creds", "otp",
    "privatekey", "secretkey", "accesstoken", "refreshtoken", "authtoken",
})
PERSONAL_WORDS = frozenset({
    "ssn", "cvv", "cvc", "cvv2", "iban", "email", "emails", "emailaddress", "phone", "phones",
    "phonenumber", "telephone", "dob", "birthdate", "birthday", "creditcard", "cardnumber",
    "ccnumber",
})
# `<qualifier>_<word>`: sensitive only with one of the qualifiers before the word.
QUALIFIED = {
    "key": ({"api", "secret", "private", "access", "signing", "encryption", "client", "master",
             "session", "stripe", "aws"}, "secret"),
    "number": ({"card", "phone", "account", "routing", "passport", "security", "mobile",
                "telephone", "cc", "license", "tax", "ssn"}, "personal"),
    "card": ({"credit", "debit", "bank"}, "personal"),
    "address": ({"email", "home", "street", "billing", "shipping", "mailing", "postal",
                 "residential", "physical", "user", "customer", "delivery"}, "personal"),
    "header": ({"auth", "authorization", "cookie"}, "secret"),
    "birth": ({"of"}, "personal"),
    "date": ({"birth"}, "personal"),
    "string": ({"connection"}, "secret"),
    "dsn": ({"database", "db", "sentry"}, "secret"),
}
# Any of these words makes the name metadata about the value, or a safe form of it.
SAFE_WORDS = frozenset({
    "count", "counts", "id", "ids", "length", "len", "size", "type", "types", "url", "uri",
    "hash", "hashed", "digest", "masked", "redacted", "encrypted", "obfuscated", "sanitized",
    "anonymized", "scrubbed", "truncated", "hint", "prefix", "suffix", "last4", "field",
    "fields", "name", "names", "label", "template", "subject", "body", "domain", "verified",
    "enabled", "required", "expiry", "expires", "expiration", "ttl", "policy", "strength",
    "status", "sent", "valid", "format", "pattern", "regex", "min", "max", "limit", "path",
    "file", "env", "var", "setting", "settings", "backend", "param",
    "index", "idx", "version", "algorithm", "alg", "scheme", "kind", "mode", "changed", "at",
    "provider", "source", "column", "attr", "attribute", "error", "errors", "exists",
})
# A first word that makes the name a flag, a counter or a limit.
SAFE_FIRST = frozenset({
    "is", "has", "num", "n", "max", "min", "total", "should", "can", "was", "needs", "use",
    "enable", "allow", "require", "requires", "validate", "invalid", "count", "len", "no",
    "show", "check", "missing", "empty",
})
# Who sends mail is configuration, not a person's data.
SYSTEM_EMAIL = frozenset({
    "default", "from", "sender", "support", "admin", "admins", "noreply", "reply", "system",
    "server", "smtp", "notification", "notifications", "service", "sales", "company", "team",
    "contact", "site", "bounce", "help", "info", "webmaster", "host",
})


def words(name: str) -> list[str]:
    return [w for w in SPLIT.split(CAMEL.sub("_", name).lower()) if w]


def classify(name: str) -> str | None:
    """'secret', 'personal' or None for an identifier, attribute, key or header name."""
    parts = words(name)
    if not parts or parts[0] in SAFE_FIRST or any(p in SAFE_WORDS for p in parts):
        return None
    last = parts[-1]
    joined = "".join(parts)
    if joined in SECRET_WORDS:
        return "secret"
    if joined in PERSONAL_WORDS or joined in ("dateofbirth", "socialsecuritynumber"):
        return "personal"
    if last in SECRET_WORDS:
        return "secret"
    if last in PERSONAL_WORDS:
        if last in ("email", "emails") and any(p in SYSTEM_EMAIL for p in parts[:-1]):
            return None
        return "personal"
    qualified = QUALIFIED.get(last)
    if qualified and len(parts) >= 2 and parts[-2] in qualified[0]:
        if last == "address" and parts[-2] == "email" and any(
                p in SYSTEM_EMAIL for p in parts[:-2]):
            return None
        return qualified[1]
    return None
