from reviewer.model import Category, Severity
from reviewer.rules.base import Example, Rule


class LoopVariableClosure(Rule):
    """Reported by ruff (B023), batched; mapped into our catalogue."""

    id = "loop-variable-closure"
    title = "Closure captures a loop variable"
    severity = Severity.MEDIUM
    category = Category.CORRECTNESS
    languages = ("python",)
    ruff_codes = ("B023",)
    rationale = (
        "A function or lambda defined in a loop sees the loop variable's last value, not "
        "the value of its own iteration: every callback acts on the same item."
    )
    fix = "Bind the value at definition time, e.g. with a default argument or functools.partial."
    example = Example(
        before="callbacks = [lambda: notify(user) for user in users]",
        after="callbacks = [lambda user=user: notify(user) for user in users]",
    )
    references = ("https://docs.astral.sh/ruff/rules/function-uses-loop-variable/",)
