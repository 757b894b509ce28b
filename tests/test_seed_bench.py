"""The benchmark dataset (`manage.py seed_bench`) looks like a real organisation's history."""

from io import StringIO
from statistics import median

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Sum

from dashboard.models import (
    Commit,
    Finding,
    FindingEvent,
    OpenFindingCount,
    PullRequest,
    Repository,
)
from dashboard.selectors import counted
from tests.factories import RepositoryFactory


@pytest.fixture
def seeded(transactional_db):
    call_command("seed_bench", repositories=2, commits=200, findings=2000, stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_it_seeds_the_requested_history_with_a_few_dominant_rules(seeded):
    assert Repository.objects.count() == 2
    assert Commit.objects.count() == 200
    assert Finding.objects.count() == 2000
    per_rule = sorted(Finding.objects.values("rule_id").annotate(n=Count("pk"))
                      .values_list("n", flat=True), reverse=True)
    assert per_rule[0] > 5 * median(per_rule)
    fixed = Finding.objects.filter(status="fixed").count()
    assert 0.45 < fixed / 2000 < 0.75


@pytest.mark.django_db(transaction=True)
def test_fixed_findings_are_fixed_later_and_the_rollups_count_the_open_ones(seeded):
    fixed = Finding.objects.filter(status="fixed")
    assert not fixed.filter(fixed_in__mainline_seq__lte=F("introduced_in__mainline_seq"))
    assert not fixed.filter(fixed_in__committed_at__lte=F("introduced_in__committed_at"))
    assert not fixed.exclude(fixed_in__repository=F("repository"))
    assert FindingEvent.objects.filter(kind="fixed").count() == fixed.count()
    assert FindingEvent.objects.filter(kind="introduced").count() == 2000
    assert not Finding.objects.exclude(author_email=F("introduced_in__author_email"))
    assert Commit.objects.aggregate(n=Sum("findings_introduced"))["n"] == 2000

    shown = OpenFindingCount.objects.filter(hidden=False).aggregate(n=Sum("open"))["n"]
    assert shown == counted(Finding.objects.filter(status="open")).count()
    assert counted(Finding.objects.all()).count() < 2000  # some are hidden


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_add_to_a_database_with_repositories_unless_forced():
    RepositoryFactory()
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_bench", repositories=1, commits=10, findings=10, stdout=StringIO())
    call_command("seed_bench", repositories=1, commits=10, findings=10, force=True,
                 stdout=StringIO())
    assert Repository.objects.count() == 2
    assert Finding.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_pull_requests_cover_windows_of_commits_with_their_own_findings(seeded):
    pulls = PullRequest.objects.all()
    assert pulls.filter(state="merged").count() > pulls.filter(state="open").count() > 0
    for pull in pulls.filter(findings_introduced__gt=0)[:20]:
        introduced = pull.changes.filter(change="introduced")
        assert introduced.count() == pull.findings_introduced
        assert sum(pull.introduced_by_severity.values()) == pull.findings_introduced
        # Each came in with one of the pull request's own commits, written before its head.
        assert not introduced.exclude(finding__introduced_in=F("commit"))
        assert not introduced.filter(
            commit__committed_at__gt=Commit.objects.get(sha=pull.head_sha).committed_at)
