"""The findings explorer and the overview: filters in the URL, counts, constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard import selectors
from dashboard.services.triage import triage_finding
from tests.factories import CommitFactory, FindingFactory, RepositoryFactory


@pytest.fixture
def findings(team):
    repository = RepositoryFactory(team=team, name="payments")
    old = CommitFactory(repository=repository, author_email="bea@example.com",
                        committed_at=timezone.now() - timedelta(days=40))
    new = CommitFactory(repository=repository, author_email="carl@example.com")
    return {
        "billing-sqli": FindingFactory(repository=repository, service="billing",
                                       path="billing/db.py", introduced_in=old),
        "billing-timeout": FindingFactory(repository=repository, service="billing",
                                          rule_id="http-call-without-timeout",
                                          severity="medium", category="reliability",
                                          path="billing/http.py", introduced_in=new),
        "ledger-sqli": FindingFactory(repository=repository, service="ledger",
                                      path="ledger/db.py", introduced_in=new,
                                      message="SQL built from <b>input</b>"),
    }


def rows(response) -> set[str]:
    html = response.content.decode()
    return {path for path in ("billing/db.py", "billing/http.py", "ledger/db.py")
            if f"{path}:" in html}


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "expected"), [
    ({}, {"billing/db.py", "billing/http.py", "ledger/db.py"}),
    ({"service": "billing"}, {"billing/db.py", "billing/http.py"}),
    ({"severity": "critical", "service": "billing"}, {"billing/db.py"}),
    ({"category": "reliability"}, {"billing/http.py"}),
    ({"author": "bea@example.com"}, {"billing/db.py"}),
    ({"q": "ledger"}, {"ledger/db.py"}),
    ({"q": "<b>input"}, {"ledger/db.py"}),
    ({"rule": "http-call-without-timeout"}, {"billing/http.py"}),
])
def test_each_filter_narrows_the_rows_and_the_counts(lead_client, findings, params,
                                                     expected):
    response = lead_client.get(reverse("finding-list"), params)
    assert rows(response) == expected
    count = f'{len(expected)} finding{"s" if len(expected) != 1 else ""}:'
    assert count in response.content.decode()


@pytest.mark.django_db
def test_a_common_text_stops_counting_at_the_cap_and_still_lists_the_most_severe_first(
        lead_client, findings, monkeypatch):
    monkeypatch.setattr(selectors, "TEXT_COUNT_CAP", 2)
    narrow = lead_client.get(reverse("finding-list"), {"q": "db.py"}).content.decode()
    assert "2 findings:" in narrow and "More than" not in narrow

    common = lead_client.get(reverse("finding-list"), {"q": "/"}).content.decode()
    assert "More than 2 findings match the text" in common
    # The capped list is the first of the full order: criticals, newest first.
    assert rows_in_order(common) == ["ledger/db.py", "billing/db.py"]


def rows_in_order(html: str) -> list[str]:
    found = [(html.index(f"{path}:"), path)
             for path in ("billing/db.py", "billing/http.py", "ledger/db.py")
             if f"{path}:" in html]
    return [path for _, path in sorted(found)]


@pytest.mark.django_db
def test_dates_and_triage_filter_from_the_findings_table(lead_client, lead, findings):
    week_ago = (timezone.now() - timedelta(days=7)).date().isoformat()
    recent = lead_client.get(reverse("finding-list"), {"from": week_ago})
    assert rows(recent) == {"billing/http.py", "ledger/db.py"}
    triage_finding(findings["ledger-sqli"], lead, "wont_fix")
    wont_fix = lead_client.get(reverse("finding-list"), {"triage": "wont_fix"})
    assert rows(wont_fix) == {"ledger/db.py"}
    assert "1 finding:" in wont_fix.content.decode()


@pytest.mark.django_db
def test_a_false_positive_leaves_the_counts_until_asked_for(lead_client, lead, findings):
    triage_finding(findings["ledger-sqli"], lead, "false_positive")
    shown = lead_client.get(reverse("finding-list"))
    assert rows(shown) == {"billing/db.py", "billing/http.py"}
    assert "2 findings:" in shown.content.decode()
    everything = lead_client.get(reverse("finding-list"), {"include_hidden": "on"})
    assert "3 findings:" in everything.content.decode()
    overview = lead_client.get(reverse("overview")).content.decode()
    assert "Open findings: 2" in overview


@pytest.mark.django_db
def test_an_htmx_filter_request_gets_only_the_results_region(lead_client, findings):
    response = lead_client.get(reverse("finding-list"), {"service": "ledger"},
                               headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'id="results"' in html and "ledger/db.py" in html
    assert "SQL built from &lt;b&gt;input&lt;/b&gt;" in html


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["overview", "finding-list", "repository-detail",
                                  "service-detail", "rule-detail", "rule-list", "my-findings",
                                  "finding-detail", "commit-detail"])
def test_the_number_of_queries_does_not_grow_with_the_data(lead_client, team, page):
    repository = RepositoryFactory(team=team)
    commit = CommitFactory(repository=repository)
    first = FindingFactory(repository=repository, service="a", introduced_in=commit)
    args = {"repository-detail": [repository.pk], "service-detail": ["a"],
            "rule-detail": ["sql-injection"], "finding-detail": [first.pk],
            "commit-detail": [repository.pk, commit.sha]}.get(page, [])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert lead_client.get(reverse(page, args=args)).status_code == 200
        return len(captured)

    FindingFactory.create_batch(2, repository=repository, service="a", introduced_in=commit)
    few = queries()
    for service in ("a", "b", "c", "d"):
        FindingFactory.create_batch(10, repository=repository, service=service,
                                    severity="high", introduced_in=commit)
    assert queries() == few
