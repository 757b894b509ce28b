from reviewer.model import Category, Severity
from reviewer.rules.base import Example, Rule


class BreakingApiChange(Rule):
    """Reported by the engine's API contract delta (reviewer/contract.py), not per file:
    each commit's API surface (routes and request/response models of FastAPI, Flask,
    Django, Express, Fastify, NestJS, Next.js, net/http, gin, echo, chi, or OpenAPI
    documents) is compared with its parent's, and every breaking change is a finding on
    the line that changed."""

    id = "breaking-api-change"
    title = "Change that breaks API consumers"
    severity = Severity.HIGH
    category = Category.API_CONTRACT
    languages = ("python", "javascript", "typescript", "go", "yaml", "json")
    rationale = (
        "Removing a route, removing or renaming a field, changing its type, making a request "
        "field required or dropping an enum value breaks clients that were built against the "
        "old contract, and they usually find out in production."
    )
    fix = (
        "Evolve the API additively: add new routes and optional fields, deprecate before "
        "removing, accept old and new names during a migration window, or version the API."
    )
    example = Example(
        before="class UserOut(BaseModel):\n    email: str",
        after="class UserOut(BaseModel):\n    email: str  # kept; new `contact` added beside it",
    )
    references = ("https://opensource.zalando.com/restful-api-guidelines/#compatibility",)
