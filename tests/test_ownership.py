"""CODEOWNERS semantics: gitignore-style patterns, the last matching line wins."""

from reviewer.config import ReviewConfig
from reviewer.ownership import CodeOwners, service_for

CODEOWNERS = """# default owners
*                   @org/platform
*.py                @org/python
/services/billing/  @org/billing
docs/**             @org/docs
api/*.go            @go-team
"""


def test_the_last_matching_pattern_wins():
    owners = CodeOwners.parse(CODEOWNERS)
    assert owners.owners_for("README.md") == ("@org/platform",)
    assert owners.owners_for("app/models.py") == ("@org/python",)
    assert owners.owners_for("services/billing/app/db.py") == ("@org/billing",)
    assert owners.owners_for("docs/guide/setup.md") == ("@org/docs",)
    assert owners.owners_for("api/handlers.go") == ("@go-team",)
    assert owners.owners_for("api/v2/handlers.go") == ("@org/platform",)


def test_services_come_from_the_config_then_the_monorepo_layout():
    config = ReviewConfig(services={"legacy/**": "payments"})
    assert service_for("legacy/app/db.py", config) == "payments"
    assert service_for("services/search/api.py", config) == "search"
    assert service_for("cmd/worker/main.go", config) == "worker"
    assert service_for("app/db.py", config) is None
