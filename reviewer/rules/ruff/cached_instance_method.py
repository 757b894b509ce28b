from reviewer.model import Category, Severity
from reviewer.rules.base import Example, Rule


class CachedInstanceMethod(Rule):
    """Reported by ruff (B019), batched; mapped into our catalogue."""

    id = "cached-instance-method"
    title = "lru_cache on a method keeps every instance alive"
    severity = Severity.MEDIUM
    category = Category.RELIABILITY
    cwe = 401
    languages = ("python",)
    ruff_codes = ("B019",)
    rationale = (
        "functools.cache/lru_cache on a method stores `self` in a cache owned by the class: "
        "instances are never freed, a slow memory leak in long-running workers."
    )
    fix = "Cache a module-level function of plain arguments, or use cached_property."
    example = Example(
        before="@lru_cache\ndef rates(self, currency): ...",
        after="@cached_property\ndef rates(self): ...",
    )
    references = ("https://docs.astral.sh/ruff/rules/cached-instance-method/",)
