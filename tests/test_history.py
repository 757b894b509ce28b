"""A finding's life through a real history, authors through .mailmap, concurrent reviews."""

import threading
from datetime import UTC

import pytest
from django.db import connection

from dashboard.models import Commit, Finding, FindingEvent, Repository
from dashboard.services.reviews import review_repository
from reviewer.git import write_commit
from tests.factories import RepositoryFactory, TeamFactory

SQLI = 'def find(cur, uid):\n    cur.execute(f"SELECT * FROM users WHERE id = {uid}")\n'
SAFE = 'def find(cur, uid):\n    cur.execute("SELECT * FROM users WHERE id = %s", (uid,))\n'


def review(team, path) -> Repository:
    repository = RepositoryFactory(team=team, url=str(path), status="queued")
    assert review_repository(repository.pk) == "ready"
    return repository


@pytest.mark.django_db(transaction=True)
def test_a_finding_is_one_row_through_moves_fixes_and_regressions(team, tmp_path):
    repo = tmp_path / "svc"
    shas = [
        write_commit(repo, {"app/db.py": SQLI}, "introduce"),
        write_commit(repo, {"app/db.py": "import os\n" * 30 + SQLI}, "shift down 30 lines"),
        write_commit(repo, {"app/db.py": "import os\n" * 30 + SAFE}, "fix"),
        write_commit(repo, {"app/db.py": "import os\n" * 30 + SQLI}, "regress"),
    ]
    repository = review(team, repo)
    finding = repository.findings.get(rule_id="sql-injection")
    assert finding.introduced_in.sha == shas[0]
    assert finding.status == "open" and finding.is_regression and finding.fixed_in is None
    assert finding.line == 32
    events = [(e.kind, e.commit.sha) for e in
              finding.events.select_related("commit").order_by("commit__committed_at", "pk")]
    assert events == [("introduced", shas[0]), ("fixed", shas[2]), ("reopened", shas[3])]
    fix = Commit.objects.get(sha=shas[2])
    assert fix.fixed_by_severity == {"critical": 1}
    assert "critical" not in Commit.objects.get(sha=shas[1]).introduced_by_severity


@pytest.mark.django_db(transaction=True)
def test_authors_are_normalized_through_mailmap(team, tmp_path):
    repo = tmp_path / "svc"
    write_commit(repo, {"a.py": "x = 1\n", ".mailmap": "Alice Moreau <alice@corp.example> "
                        "<alice@laptop.local>\n"}, "one", author=("alice", "alice@laptop.local"))
    write_commit(repo, {"b.py": "y = 2\n"}, "two", author=("Alice Moreau", "alice@corp.example"))
    repository = review(team, repo)
    authors = set(repository.commits.values_list("author_name", "author_email"))
    assert authors == {("Alice Moreau", "alice@corp.example")}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_reviews_leave_the_same_state_as_one(team, tmp_path):
    assert connection.vendor == "postgresql"
    repo = tmp_path / "svc"
    for index in range(12):
        write_commit(repo, {f"app/m{index}.py": SQLI.replace("find", f"find{index}")},
                     f"commit {index}")
    single = review(team, repo)
    expected = (single.commits.count(), single.findings.count(),
                FindingEvent.objects.filter(finding__repository=single).count())

    racing = RepositoryFactory(team=TeamFactory(), url=str(repo), name="racing",
                               status="queued")
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(review_repository(racing.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) in (["busy", "ready"], ["ready", "ready"])
    racing.refresh_from_db()
    assert racing.status == "ready"
    assert (racing.commits.count(), racing.findings.count(),
            FindingEvent.objects.filter(finding__repository=racing).count()) == expected
    assert Finding.objects.filter(repository=racing).values("fingerprint").distinct().count() \
        == expected[1]


@pytest.mark.django_db(transaction=True)
def test_renaming_the_file_or_moving_the_code_records_a_move_not_a_fix(team, tmp_path):
    repo = tmp_path / "svc"
    moved_function = SQLI.replace("def find(", "def lookup(")
    shas = [
        write_commit(repo, {"app/db.py": SQLI}, "introduce"),
        write_commit(repo, {"app/db.py": None, "app/queries.py": SQLI}, "rename the module"),
        write_commit(repo, {"app/queries.py": None,
                            "app/users/repo.py": "import os\n\n" + moved_function},
                     "move it into another function and file"),
    ]
    repository = review(team, repo)
    finding = repository.findings.get(rule_id="sql-injection")
    assert finding.status == "open" and not finding.is_regression
    assert finding.introduced_in.sha == shas[0]
    assert (finding.path, finding.line) == ("app/users/repo.py", 4)
    events = [(e.kind, e.commit.sha, e.detail.get("from"), e.detail.get("to")) for e in
              finding.events.select_related("commit").order_by("commit__committed_at", "pk")]
    assert events == [
        ("introduced", shas[0], None, None),
        ("moved", shas[1], "app/db.py:2", "app/queries.py:2"),
        ("moved", shas[2], "app/queries.py:2", "app/users/repo.py:4"),
    ]
    assert repository.findings.filter(rule_id="sql-injection").count() == 1


@pytest.mark.django_db(transaction=True)
def test_findings_belong_to_services_and_owners(team, tmp_path):
    repo = tmp_path / "platform"
    write_commit(repo, {
        "services/billing/app/db.py": SQLI,
        "apps/web/db.py": SQLI.replace("find", "find_web"),
        "legacy/payments/db.py": SQLI.replace("find", "find_legacy"),
        "tools/db.py": SQLI.replace("find", "find_tool"),
        ".reviewer.toml": '[reviewer.services]\n"legacy/payments/*" = "payments"\n',
        ".github/CODEOWNERS": "* @org/platform\n/services/billing/ @org/billing\n",
    }, "monorepo")
    repository = review(team, repo)
    rows = {f.path: (f.service, f.owners)
            for f in repository.findings.filter(rule_id="sql-injection")}
    assert rows == {
        "services/billing/app/db.py": ("billing", ["@org/billing"]),
        "apps/web/db.py": ("web", ["@org/platform"]),
        "legacy/payments/db.py": ("payments", ["@org/platform"]),
        "tools/db.py": (repository.name, ["@org/platform"]),
    }


@pytest.mark.django_db
def test_beat_queues_only_repositories_whose_own_interval_has_passed(team):
    from datetime import datetime, timedelta

    from dashboard.services.reviews import repositories_due

    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    never = RepositoryFactory(team=team, last_reviewed_at=None)
    due = RepositoryFactory(team=team, last_reviewed_at=now - timedelta(minutes=20))
    fresh = RepositoryFactory(team=team, last_reviewed_at=now - timedelta(minutes=5))
    hourly = RepositoryFactory(team=team, last_reviewed_at=now - timedelta(minutes=30),
                               review_interval_minutes=60)
    assert set(repositories_due(now)) == {never.pk, due.pk}
    assert fresh.pk not in repositories_due(now) and hourly.pk not in repositories_due(now)
