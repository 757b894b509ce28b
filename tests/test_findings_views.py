"""The findings table and a finding's page, as full pages and as HTMX fragments."""

import html
import re

import pytest
from django.urls import reverse

from dashboard.services.reviews import review_repository
from tests.factories import CommitFactory, FindingFactory, RepositoryFactory

SQLI = 'def find(cur, uid):\n    cur.execute(f"SELECT * FROM users WHERE id = {uid}")\n'


@pytest.fixture
def mixed_findings(team):
    repository = RepositoryFactory(team=team, name="billing")
    FindingFactory(repository=repository, severity="critical", path="app/critical.py")
    FindingFactory(repository=repository, severity="medium", rule_id="http-call-without-timeout",
                   path="app/medium.py")
    FindingFactory(repository=repository, severity="medium", rule_id="http-call-without-timeout",
                   path="app/fixed.py", status="fixed",
                   fixed_in=CommitFactory(repository=repository))
    return repository


@pytest.mark.django_db
def test_filtering_by_severity_with_htmx_returns_only_the_results_fragment(
    lead_client, mixed_findings
):
    response = lead_client.get(reverse("finding-list") + "?severity=medium",
                               headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and 'id="results"' in body
    assert "app/medium.py" in body
    assert "app/critical.py" not in body and "app/fixed.py" not in body
    assert "1 finding" in body


@pytest.mark.django_db
def test_the_full_page_keeps_the_filter_from_the_url(lead_client, mixed_findings):
    response = lead_client.get(reverse("finding-list") + "?severity=critical&severity=medium")
    body = response.content.decode()
    assert "<html" in body
    assert 'value="critical"' in body and "checked" in body
    assert "app/critical.py" in body and "app/medium.py" in body
    assert 'hx-push-url="true"' in body


@pytest.mark.django_db
def test_status_filter_shows_fixed_findings(lead_client, mixed_findings):
    body = lead_client.get(reverse("finding-list") + "?status=fixed").content.decode()
    assert "app/fixed.py" in body and "app/medium.py" not in body


@pytest.mark.django_db
def test_the_list_does_not_grow_queries_with_rows(lead_client, mixed_findings,
                                                  django_assert_max_num_queries):
    for _ in range(30):
        FindingFactory(repository=mixed_findings)
    with django_assert_max_num_queries(8):
        lead_client.get(reverse("finding-list"))


@pytest.mark.django_db(transaction=True)
def test_a_finding_page_shows_the_introducing_hunk_with_the_flagged_line(
    lead_client, team, make_repo
):
    path = make_repo("svc", [({"app/db.py": "import os\n"}, "start"),
                             ({"app/db.py": "import os\n\n" + SQLI}, "add lookup")])
    repository = RepositoryFactory(team=team, url=str(path), status="queued")
    assert review_repository(repository.pk) == "ready"
    finding = repository.findings.get(rule_id="sql-injection")
    body = lead_client.get(reverse("finding-detail", args=[finding.pk])).content.decode()
    assert "add lookup" in body
    flagged = body.split('class="diff-added flagged"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="ln">4</td>' in flagged
    code = html.unescape(re.sub(r"<[^>]+>", "", flagged))
    assert 'cur.execute(f"SELECT * FROM users WHERE id = {uid}")' in code
    assert 'class="hl-' in flagged  # highlighted by Pygments
    assert "Pass values as bound parameters" in body  # fix guidance from the rule metadata


@pytest.mark.django_db(transaction=True)
def test_untrusted_code_and_commit_messages_are_escaped(lead_client, team, make_repo):
    evil = "<script>alert('x')</script>"
    source = f'def f(cur, v):\n    cur.execute(f"SELECT * FROM t WHERE a = {{v}} -- {evil}")\n'
    path = make_repo("svc", [({"app/db.py": source}, f"Fix {evil}")])
    repository = RepositoryFactory(team=team, url=str(path), status="queued")
    review_repository(repository.pk)
    finding = repository.findings.get(rule_id="sql-injection")
    pages = [
        lead_client.get(reverse("finding-detail", args=[finding.pk])),
        lead_client.get(reverse("repository-detail", args=[repository.pk])),
        lead_client.get(reverse("finding-list")),
    ]
    for page in pages:
        body = page.content.decode()
        assert evil not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in pages[0].content.decode()


@pytest.mark.django_db
def test_users_cannot_open_other_teams_findings(client, outsider, mixed_findings):
    client.force_login(outsider)
    finding = mixed_findings.findings.first()
    assert client.get(reverse("finding-detail", args=[finding.pk])).status_code == 404
    assert "app/critical.py" not in client.get(reverse("finding-list")).content.decode()
