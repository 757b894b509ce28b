from reviewer.model import Category, Severity
from reviewer.rules.base import Example, Rule


class MutableDefaultArgument(Rule):
    """Reported by ruff (B006), batched; mapped into our catalogue."""

    id = "mutable-default-argument"
    title = "Mutable default argument shared between calls"
    severity = Severity.MEDIUM
    category = Category.CORRECTNESS
    languages = ("python",)
    ruff_codes = ("B006",)
    rationale = (
        "A list, dict or set default is created once, when the function is defined, and "
        "shared by every call: one request's data leaks into the next."
    )
    fix = "Default to None and create the container inside the function."
    example = Example(
        before="def add_tag(tag, tags=[]):\n    tags.append(tag)",
        after="def add_tag(tag, tags=None):\n    tags = [] if tags is None else tags",
    )
    references = ("https://docs.astral.sh/ruff/rules/mutable-argument-default/",)
