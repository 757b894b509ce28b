"""The commit, service, rule and "my findings" pages, on data a review produced."""

import json
import re

import pytest
from django.urls import reverse

from dashboard.highlight import stylesheet
from dashboard.models import Repository
from dashboard.services.reviews import review_repository
from dashboard.services.triage import triage_finding
from reviewer.git import write_commit
from tests.factories import CommitFactory, FindingFactory, RepositoryFactory
from tests.test_branches import SAFE_A, sqli


@pytest.fixture
def reviewed(team, tmp_path):
    repo = tmp_path / "platform"
    shas = [
        write_commit(repo, {"services/billing/a.py": "import os\n\n" + sqli("find_a")},
                     "add a <b>lookup</b>", author=("Bea", "bea@example.com")),
        write_commit(repo, {"services/billing/a.py": "import os\n\n" + SAFE_A}, "fix a"),
    ]
    repository = RepositoryFactory(team=team, url=str(repo), status="queued", name="platform")
    assert review_repository(repository.pk) == "ready"
    return Repository.objects.get(pk=repository.pk), shas


def row_after(html: str, marker: str) -> str:
    return html.split(marker, 1)[1].split("</tr>", 2)[1]


@pytest.mark.django_db(transaction=True)
def test_the_commit_page_shows_findings_inline_at_their_lines(lead_client, reviewed):
    repository, (introducing, fixing) = reviewed
    url = reverse("commit-detail", args=[repository.pk, introducing[:10]])
    html = lead_client.get(url).content.decode()
    assert "add a &lt;b&gt;lookup&lt;/b&gt;" in html
    flagged_line = html.split('<td class="ln">4</td>', 1)[1]
    inline = flagged_line.split("</tr>", 1)[1].split("</tr>", 1)[0]
    assert "inline-introduced" in inline and "sql-injection" in inline

    fixed = lead_client.get(reverse("commit-detail", args=[repository.pk, fixing])).content
    removed = fixed.decode().split('class="diff-removed', 1)[1]
    assert "inline-fixed" in removed.split("</tr>", 1)[1].split("</tr>", 1)[0]
    assert lead_client.get(reverse("commit-detail", args=[repository.pk, "abc"])).status_code \
        == 404


@pytest.mark.django_db(transaction=True)
def test_the_service_page_shows_its_trend_rules_and_history(lead_client, reviewed):
    repository, _ = reviewed
    html = lead_client.get(reverse("service-detail", args=["billing"])).content.decode()
    # Both commits changed code without tests (untested-change); the injection was fixed.
    assert "Open findings: 2" in html
    assert "Table of this chart" in html and "platform" in html
    assert "Fixed" in html and "sql-injection" in html
    assert lead_client.get(reverse("service-detail", args=["nope"])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_other_teams_see_neither_the_service_nor_the_commit(client, outsider, reviewed):
    repository, (introducing, _) = reviewed
    client.force_login(outsider)
    assert client.get(reverse("service-detail", args=["billing"])).status_code == 404
    url = reverse("commit-detail", args=[repository.pk, introducing])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_rule_page_shows_where_it_occurs_and_its_false_positive_rate(
    lead_client, lead, team
):
    repository = RepositoryFactory(team=team)
    first, second = FindingFactory.create_batch(2, repository=repository, service="billing")
    triage_finding(first, lead, "false_positive")
    triage_finding(second, lead, "wont_fix")
    html = lead_client.get(reverse("rule-detail", args=["sql-injection"])).content.decode()
    assert "<strong>50%</strong> of the 2 triaged findings were false positives" in html
    assert reverse("service-detail", args=["billing"]) in html
    empty = lead_client.get(reverse("rule-detail", args=["pii-in-logs"])).content.decode()
    assert "No finding of this rule has been triaged yet" in empty


@pytest.mark.django_db
def test_my_findings_follow_my_commit_identities(lead_client, lead, team):
    repository = RepositoryFactory(team=team)
    mine = CommitFactory(repository=repository, author_email="lena@work.example")
    FindingFactory(repository=repository, introduced_in=mine, path="app/mine.py")
    FindingFactory(repository=repository, path="app/theirs.py")
    before = lead_client.get(reverse("my-findings")).content.decode()
    assert "app/mine.py" not in before and "Add the e-mail address" in before
    response = lead_client.post(reverse("my-findings"), {"email": "lena@work.example"})
    assert response.status_code == 302
    after = lead_client.get(reverse("my-findings")).content.decode()
    assert "app/mine.py" in after and "app/theirs.py" not in after
    # The weekly trend is theirs alone: one finding brought in this week.
    trend = json.loads(re.search(r'<script id="chart-my-trend" type="application/json">(.*?)'
                                 r'</script>', after, re.S)[1])
    assert trend["new"][-1] == 1 and sum(trend["new"]) == 1 and sum(trend["fixed"]) == 0
    assert lead_client.post(reverse("my-findings"), {"email": "not an email"}).status_code \
        == 400


def test_the_highlighting_stylesheet_is_the_one_pygments_generates():
    from pathlib import Path

    css = (Path(__file__).parent.parent / "static" / "css" / "highlight.css").read_text()
    assert stylesheet() in css
