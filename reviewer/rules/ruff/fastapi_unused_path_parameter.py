from reviewer.model import Category, Severity
from reviewer.rules.base import Example, Rule


class FastapiUnusedPathParameter(Rule):
    """Reported by ruff (FAST003), batched; mapped into our catalogue."""

    id = "fastapi-unused-path-parameter"
    title = "Route path parameter missing from the handler"
    severity = Severity.HIGH
    category = Category.API_CONTRACT
    languages = ("python",)
    ruff_codes = ("FAST003",)
    rationale = (
        "A `{parameter}` in the route path that the handler does not declare is never "
        "validated or used: the endpoint answers the same whatever the client asks for."
    )
    fix = "Declare the path parameter in the handler's signature (or remove it from the path)."
    example = Example(
        before='@router.get("/orders/{order_id}")\nasync def get_order(): ...',
        after='@router.get("/orders/{order_id}")\nasync def get_order(order_id: int): ...',
    )
    references = ("https://docs.astral.sh/ruff/rules/fast-api-unused-path-parameter/",)
