from reviewer.model import Category, Severity
from reviewer.rules.base import Example, Rule


class ReturnInFinally(Rule):
    """Reported by ruff (B012), batched; mapped into our catalogue."""

    id = "return-in-finally"
    title = "return, break or continue in finally swallows the exception"
    severity = Severity.HIGH
    category = Category.RELIABILITY
    cwe = 584
    languages = ("python",)
    ruff_codes = ("B012",)
    rationale = (
        "Leaving a finally block with return, break or continue discards the exception "
        "that was propagating: failures silently become successes."
    )
    fix = "Move the return out of finally; keep finally for cleanup only."
    example = Example(
        before="try:\n    charge()\nfinally:\n    return True",
        after="try:\n    charge()\nfinally:\n    release()\nreturn True",
    )
    references = ("https://docs.astral.sh/ruff/rules/jump-statement-in-finally/",)
