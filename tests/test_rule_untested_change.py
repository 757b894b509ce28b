"""untested-change: a commit that changes service code without touching any test."""

from reviewer.config import ReviewConfig
from reviewer.engine import Reviewer
from reviewer.git import GitRepository

RULE = "untested-change"
CODE = "def total(items):\n    return sum(items)\n"
CHANGED = "def total(items):\n    return sum(i for i in items if i)\n"
TEST = "from app.billing import total\n\n\ndef test_total():\n    assert total([1]) == 1\n"


def findings(path, config=None):
    with GitRepository(path / ".git") as repository:
        reviewer = Reviewer(repository, config=config) if config else Reviewer(repository)
        reviews = list(reviewer.review_range("HEAD"))
    return {
        r.commit.message.strip(): [f for f in r.introduced if f.rule_id == RULE] for r in reviews
    }


def test_a_source_change_without_tests_is_reported_once_on_the_first_added_line(make_repo):
    path = make_repo("svc", [
        ({"app/billing.py": CODE, "tests/test_billing.py": TEST}, "start"),
        ({"app/billing.py": CHANGED, "app/orders.py": "X = 1\n"}, "change without tests"),
    ])
    by_message = findings(path)
    assert by_message["start"] == []
    [finding] = by_message["change without tests"]
    assert (finding.path, finding.line, finding.severity) == ("app/billing.py", 2, "low")
    assert "2 source files changed without any test change" in finding.message
    assert finding.scope.startswith("commit:")


def test_commits_that_touch_tests_are_not_reported(make_repo):
    path = make_repo("svc", [
        ({"app/billing.py": CODE}, "code first"),
        ({"app/billing.py": CHANGED, "tests/test_billing.py": TEST}, "code with test"),
        ({"app/billing.py": CODE, "app/tests/test_x.py": TEST}, "nested test"),
    ])
    by_message = findings(path)
    assert by_message["code with test"] == []
    assert by_message["nested test"] == []
    assert len(by_message["code first"]) == 1


def test_deletions_docs_config_migrations_and_init_files_are_not_reported(make_repo):
    path = make_repo("svc", [
        ({"app/billing.py": CODE, "app/old.py": CODE, "tests/test_billing.py": TEST}, "start"),
        ({"app/old.py": None}, "delete only"),
        ({"README.md": "# Billing\n", "pyproject.toml": "[project]\nname = 'x'\n",
          "Dockerfile": "FROM python:3.13\n"}, "docs and config"),
        ({"app/migrations/0002_add_total.py": "operations = []\n",
          "alembic/versions/abc_add.py": "def upgrade():\n    pass\n"}, "migrations"),
        ({"app/__init__.py": "VERSION = '1'\n"}, "init only"),
        ({"app/settings.py": "DEBUG = False\n"}, "settings"),
        ({"scripts/backfill.py": "print('x')\n"}, "script"),
        ({"docs/conf.py": "project = 'x'\n", "setup.py": "setup()\n"}, "tooling"),
    ])
    by_message = findings(path)
    for message in ("delete only", "docs and config", "migrations", "init only", "settings",
                    "script", "tooling"):
        assert by_message[message] == [], message


def test_a_change_that_only_removes_lines_is_not_reported(make_repo):
    path = make_repo("svc", [
        ({"app/billing.py": CODE + "\n\ndef unused():\n    pass\n", "tests/test_b.py": TEST},
         "start"),
        ({"app/billing.py": CODE}, "remove dead code"),
    ])
    assert findings(path)["remove dead code"] == []


def test_the_rule_can_be_disabled_in_its_settings(make_repo):
    path = make_repo("svc", [({"app/billing.py": CODE}, "no tests")])
    assert len(findings(path)["no tests"]) == 1
    disabled = ReviewConfig(rules={RULE: {"enabled": False}})
    assert findings(path, disabled)["no tests"] == []


def test_with_services_configured_only_service_code_counts(make_repo):
    path = make_repo("svc", [
        ({"services/billing/api.py": CODE, "lib/common.py": CODE, "tests/test_api.py": TEST},
         "start"),
        ({"lib/helper.py": CODE}, "outside any service"),
        ({"services/billing/api.py": CHANGED}, "inside a service"),
    ])
    config = ReviewConfig(services={"services/billing/**": "billing"})
    by_message = findings(path, config)
    assert by_message["outside any service"] == []
    [finding] = by_message["inside a service"]
    assert finding.path == "services/billing/api.py"
    assert finding.message.startswith("1 source file changed")
