"""Rule pages render from the rule metadata; findings link to them and filter by them."""

import pytest
from django.urls import reverse

from reviewer.rules import all_rules
from tests.factories import FindingFactory, RepositoryFactory


@pytest.mark.django_db
def test_the_catalogue_lists_every_rule_with_its_open_count(lead_client, team):
    FindingFactory(repository=RepositoryFactory(team=team), rule_id="sql-injection")
    body = lead_client.get(reverse("rule-list")).content.decode()
    for rule in all_rules():
        assert f'href="/rules/{rule.id}/"' in body
    assert 'href="/findings/?rule=sql-injection">1</a>' in body


@pytest.mark.django_db
def test_a_rule_page_shows_rationale_fix_and_example(lead_client):
    body = lead_client.get(reverse("rule-detail", args=["sql-injection"])).content.decode()
    assert "Why it matters" in body and "Pass values as bound parameters" in body
    assert "CWE-89" in body
    assert "cursor.execute(f&quot;SELECT" in body  # the example, escaped


@pytest.mark.django_db
def test_an_unknown_rule_is_404(lead_client):
    assert lead_client.get(reverse("rule-detail", args=["no-such-rule"])).status_code == 404


@pytest.mark.django_db
def test_the_findings_table_filters_by_rule(lead_client, team):
    repository = RepositoryFactory(team=team)
    FindingFactory(repository=repository, rule_id="sql-injection", path="a.py")
    FindingFactory(repository=repository, rule_id="http-call-without-timeout", path="b.py",
                   severity="medium")
    body = lead_client.get(reverse("finding-list") + "?rule=http-call-without-timeout",
                           headers={"HX-Request": "true"}).content.decode()
    assert "b.py" in body and "a.py" not in body


@pytest.mark.django_db
def test_rule_pages_list_every_language_a_rule_covers(lead_client):
    body = lead_client.get(reverse("rule-detail", args=["sql-injection"])).content.decode()
    assert "python, go, javascript, typescript" in body
