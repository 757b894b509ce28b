"""The rollup tables stay exactly what the findings say, through every kind of change."""

import pytest

from dashboard.models import (
    FindingActivity,
    FindingCount,
    OpenFindingCount,
    Repository,
    RuleActivity,
    ServiceActivity,
)
from dashboard.services import rollups
from dashboard.services.reviews import review_repository
from dashboard.services.triage import triage_finding
from reviewer.git import run_git, write_commit
from tests.factories import RepositoryFactory
from tests.test_branches import BEA, SAFE_A, TEST_FILE, git, sqli


def snapshot(repository: Repository) -> tuple[set, set, set]:
    stock = {(r.service, r.rule_id, r.severity, r.author_email, r.hidden, r.open)
             for r in OpenFindingCount.objects.filter(repository=repository) if r.open}
    flows = {(r.day, r.service, r.rule_id, r.severity, r.author_email, r.hidden, r.new,
              r.fixed)
             for r in FindingActivity.objects.filter(repository=repository)
             if r.new or r.fixed}
    by_rule = {(r.week, r.service, r.rule_id, r.severity, r.hidden, r.new, r.fixed)
               for r in RuleActivity.objects.filter(repository=repository)
               if r.new or r.fixed}
    counts = {(r.service, r.rule_id, r.severity, r.status, r.triage, r.hidden, r.findings)
              for r in FindingCount.objects.filter(repository=repository) if r.findings}
    by_service = {(r.week, r.service, r.severity, r.hidden, r.new, r.fixed)
                  for r in ServiceActivity.objects.filter(repository=repository)
                  if r.new or r.fixed}
    return stock, flows, counts, by_rule, by_service


def assert_rollups_exact(repository: Repository) -> tuple[set, set]:
    """The incremental rollups equal a rebuild; (open by author, weekly activity)."""
    incremental = snapshot(repository)
    rollups.rebuild(repository.pk)
    assert incremental == snapshot(repository)
    stock, flows, counts, by_rule, by_service = incremental
    # Every finding is counted once, whatever its status.
    assert sum(row[-1] for row in counts) == repository.findings.count()
    # The weekly activity tables are the daily one summed up.
    for coarse in (by_rule, by_service):
        assert sum(row[-2] for row in coarse) == sum(row[-2] for row in flows)
        assert sum(row[-1] for row in coarse) == sum(row[-1] for row in flows)
    return stock, flows


def review(repository: Repository) -> Repository:
    assert review_repository(repository.pk) == "ready"
    return Repository.objects.get(pk=repository.pk)


@pytest.mark.django_db(transaction=True)
def test_rollups_follow_reviews_triage_merges_moves_and_force_pushes(team, lead, tmp_path):
    repo = tmp_path / "svc"
    write_commit(repo, {"services/billing/a.py": sqli("find_a"), "tests/test_a.py": TEST_FILE},
                 "add a", author=BEA)
    write_commit(repo, {"services/billing/b.py": sqli("find_b")}, "add b")
    repository = review(RepositoryFactory(team=team, url=str(repo), status="queued"))
    stock, flows = assert_rollups_exact(repository)
    assert ("billing", "sql-injection", "critical", "bea@example.com", False, 1) in stock

    # Fix one, move the other into another service, regress the first.
    write_commit(repo, {"services/billing/a.py": SAFE_A.replace("find_a", "find_a")},
                 "fix a")
    write_commit(repo, {"services/billing/b.py": None, "services/ledger/b.py": sqli("find_b")},
                 "move b to ledger")
    write_commit(repo, {"services/billing/a.py": sqli("find_a")}, "regress a")
    repository = review(repository)
    stock, _ = assert_rollups_exact(repository)
    assert {row[0] for row in stock if row[1] == "sql-injection"} == {"billing", "ledger"}

    # A false positive leaves the counted buckets, and comes back.
    finding = repository.findings.get(rule_id="sql-injection", path="services/ledger/b.py")
    triage_finding(finding, lead, "false_positive")
    stock, flows = assert_rollups_exact(repository)
    assert any(row[4] for row in stock) and any(row[5] for row in flows)
    triage_finding(finding, lead, "")
    assert_rollups_exact(repository)

    # A merged pull request, then a force-push of the default branch that drops it.
    before_merge = run_git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    write_commit(repo, {"services/billing/c.py": sqli("find_c")}, "add c", author=BEA)
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "--no-ff", "-q", "feature", "-m", "Merge pull request #4 from x/feature")
    repository = review(repository)
    stock, _ = assert_rollups_exact(repository)
    merged = repository.findings.get(rule_id="sql-injection", path="services/billing/c.py")
    assert merged.author_email == "bea@example.com" and merged.status == "open"

    git(repo, "reset", "-q", "--hard", before_merge)
    git(repo, "branch", "-q", "-D", "feature")
    write_commit(repo, {"README.md": "after the rewrite\n"}, "rewrite")
    repository = review(repository)
    stock_after, _ = assert_rollups_exact(repository)
    assert sum(row[5] for row in stock_after) < sum(row[5] for row in stock)
