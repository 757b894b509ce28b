"""`make demo` relies on seed_demo: a login, a team, and the demo history reviewed."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from dashboard.demo.history import HISTORY, PULL_REQUESTS
from dashboard.models import Finding, Repository


@pytest.mark.django_db(transaction=True)
def test_seed_demo_reviews_a_history_with_introduced_and_fixed_findings(tmp_path, capsys):
    call_command("seed_demo", path=tmp_path / "payments-service")
    output = capsys.readouterr().out
    password = output.split("Login:     demo / ", 1)[1].split()[0]
    assert authenticate(username="demo", password=password) is not None

    repository = Repository.objects.get()
    assert repository.status == "ready"
    merged = [p for p in PULL_REQUESTS if p.merged_days_ago is not None]
    branch_commits = sum(len(p.commits) for p in PULL_REQUESTS)
    # Progress counts the default branch; the pull requests' own commits are stored too.
    assert repository.commits_reviewed == len(HISTORY) + len(merged)
    assert repository.commits.filter(reviewed_at__isnull=False).count() == (
        len(HISTORY) + len(merged) + branch_commits)
    states = dict(repository.pull_requests.values_list("key", "state"))
    assert states == {"#14": "merged", "#15": "open"}
    # The open pull request fixes the invoice search injection that main still has.
    fixing = repository.pull_requests.get(key="#15").changes.filter(change="fixed")
    assert fixing.filter(finding__rule_id="sql-injection", finding__status="open").exists()
    findings = Finding.objects.filter(repository=repository)
    rules = set(findings.values_list("rule_id", flat=True))
    assert {"sql-injection", "http-call-without-timeout", "hardcoded-secret"} <= rules
    assert findings.filter(status="fixed").exists() and findings.filter(status="open").exists()
    assert repository.commits.filter(skipped_files__reason="binary file").exists()

    # Running it again (a second `make demo`) changes nothing but the password.
    counts = (repository.commits.count(), findings.count())
    call_command("seed_demo", path=tmp_path / "payments-service")
    assert (repository.commits.count(), findings.count()) == counts
