from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from reviewer.model import Category, Confidence, Severity
from reviewer.rules.base import ChangedFile, CommitMatch, Example, Rule

if TYPE_CHECKING:
    from reviewer.config import ReviewConfig

# Python files that are not a service's behaviour: packaging, tooling, docs and examples,
# database migration environments, type stubs and version stamps.
NOT_SERVICE_CODE = re.compile(
    r"(^|/)(docs?|examples?|samples?|alembic|migrations|\.github)/"
    r"|(^|/)(setup|noxfile|fabfile|tasks|manage|conftest|_version|version|__version__|"
    r"__about__|wsgi|asgi|gunicorn\.conf|gunicorn_conf)\.py$"
    r"|(^|/)__init__\.py$|\.pyi$"
)
CHANGED = frozenset({"A", "M", "R", "C", "T"})


class UntestedChange(Rule):
    id = "untested-change"
    title = "Source change without a test change"
    severity = Severity.LOW
    confidence = Confidence.LOW
    category = Category.TESTING
    languages = ("python",)
    rationale = (
        "A commit that changes a service's code but no test leaves the new behaviour "
        "unverified: the next change can break it silently, and the reviewer has nothing "
        "executable that shows what the change is meant to do."
    )
    fix = "Add or update a test covering the change in the same commit."
    example = Example(
        before="commit: M app/billing.py",
        after="commit: M app/billing.py, M tests/test_billing.py",
    )
    settings = {"min_changed_lines": 1, "enabled": True}

    def check_commit(self, files: list[ChangedFile], config: ReviewConfig
                     ) -> Iterable[CommitMatch]:
        options = config.rule_settings(self.id, self.settings)
        if not options.get("enabled", True):
            return
        if any(f.kind.role == "test" for f in files):
            return
        try:
            min_lines = int(options.get("min_changed_lines", 1))
        except (TypeError, ValueError):
            min_lines = 1
        changed = [
            f for f in files
            if _is_service_source(f, config) and f.additions >= min_lines
        ]
        if not changed:
            return
        first = changed[0]
        names = ", ".join(PurePosixPath(f.path).name for f in changed[:3])
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        count = f"{len(changed)} source file{'s' if len(changed) > 1 else ''}"
        yield CommitMatch(
            rule_id=self.id,
            path=first.path,
            line=first.first_added_line or 1,
            message=f"{count} changed without any test change in this commit "
            f"({names}{more}).",
        )


def _is_service_source(changed: ChangedFile, config: ReviewConfig) -> bool:
    if changed.status[:1] not in CHANGED:
        return False
    if changed.kind.language != "python" or changed.kind.role != "source":
        return False
    if NOT_SERVICE_CODE.search(changed.path.lower()):
        return False
    return not config.services or config.service_for(changed.path) is not None
