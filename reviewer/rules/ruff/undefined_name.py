from reviewer.model import Category, Severity
from reviewer.rules.base import Example, Rule


class UndefinedName(Rule):
    """Reported by ruff (F821), batched; mapped into our catalogue."""

    id = "undefined-name"
    title = "Name used but never defined"
    severity = Severity.HIGH
    category = Category.CORRECTNESS
    languages = ("python",)
    ruff_codes = ("F821",)
    rationale = (
        "The name does not exist where it is used: the code path raises NameError the first "
        "time it runs, typically an error path no test exercised."
    )
    fix = "Import or define the name, or fix the typo."
    example = Example(
        before="except ValidationError as exc:\n    log.warning(exec)",
        after="except ValidationError as exc:\n    log.warning(exc)",
    )
    references = ("https://docs.astral.sh/ruff/rules/undefined-name/",)
