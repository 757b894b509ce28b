"""Triage: states with an audit trail, counts that leave false positives out, expiring risks."""

from datetime import date

import pytest
from django.urls import reverse

from dashboard.models import Finding, TriageEvent
from dashboard.services.reviews import review_repository
from dashboard.services.triage import TriageError, reopen_expired_risks, triage_finding
from reviewer.git import write_commit
from tests.factories import FindingFactory, RepositoryFactory

SQLI = 'def find(cur, uid):\n    cur.execute(f"SELECT * FROM users WHERE id = {uid}")\n'


@pytest.fixture
def finding(team):
    return FindingFactory(repository=RepositoryFactory(team=team), severity="critical")


@pytest.mark.django_db
def test_marking_a_false_positive_updates_the_page_and_the_counts(lead_client, lead, finding):
    before = lead_client.get(reverse("overview")).content.decode()
    assert '<span class="count">1</span> <span class="label">Critical' in before
    response = lead_client.post(reverse("finding-triage", args=[finding.pk]),
                                {"state": "false_positive", "note": "uid is an int"},
                                headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "False positive" in body and "lena: Untriaged → False positive" in body
    after = lead_client.get(reverse("overview")).content.decode()
    assert '<span class="count">0</span> <span class="label">Critical' in after
    listing = lead_client.get(reverse("finding-list")).content.decode()
    assert finding.path not in listing
    shown = lead_client.get(reverse("finding-list") + "?include_hidden=on").content.decode()
    assert finding.path in shown and "False positive" in shown


@pytest.mark.django_db
def test_an_accepted_risk_needs_a_note(lead_client, finding):
    response = lead_client.post(reverse("finding-triage", args=[finding.pk]),
                                {"state": "accepted_risk", "note": ""},
                                headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "needs a note" in response.content.decode()
    finding.refresh_from_db()
    assert finding.triage == ""
    assert not TriageEvent.objects.exists()


@pytest.mark.django_db
def test_an_expired_accepted_risk_reopens_by_itself_on_the_record(lead, finding):
    triage_finding(finding, lead, "accepted_risk", "vendor fix due in March",
                   expires_on=date(2027, 3, 31), today=date(2026, 11, 22))
    assert reopen_expired_risks(date(2027, 3, 31)) == 0
    assert reopen_expired_risks(date(2027, 4, 1)) == 1
    finding.refresh_from_db()
    assert (finding.triage, finding.triage_expires_on) == ("", None)
    latest = finding.triage_events.first()
    assert latest.user is None and latest.from_state == "accepted_risk"
    assert "expired" in latest.note
    assert reopen_expired_risks(date(2027, 4, 2)) == 0


@pytest.mark.django_db
def test_expiry_only_for_accepted_risks_and_in_the_future(lead, finding):
    with pytest.raises(TriageError):
        triage_finding(finding, lead, "wont_fix", "legacy", expires_on=date(2030, 1, 1))
    with pytest.raises(TriageError):
        triage_finding(finding, lead, "accepted_risk", "x", expires_on=date(2020, 1, 1),
                       today=date(2026, 11, 22))


@pytest.mark.django_db
def test_users_cannot_triage_other_teams_findings(client, outsider, finding):
    client.force_login(outsider)
    response = client.post(reverse("finding-triage", args=[finding.pk]),
                           {"state": "false_positive"})
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_triage_follows_the_finding_into_later_commits(lead, team, tmp_path):
    repo = tmp_path / "svc"
    write_commit(repo, {"app/db.py": SQLI}, "introduce")
    repository = RepositoryFactory(team=team, url=str(repo), status="queued")
    review_repository(repository.pk)
    finding = repository.findings.get(rule_id="sql-injection")
    triage_finding(finding, lead, "wont_fix", "internal admin tool")
    write_commit(repo, {"app/db.py": "import os\n" * 20 + SQLI}, "shift it")
    write_commit(repo, {"app/db.py": None, "app/queries.py": "import os\n" * 20 + SQLI},
                 "rename")
    review_repository(repository.pk)
    finding = Finding.objects.get(pk=finding.pk)
    assert (finding.path, finding.triage, finding.triage_note) == (
        "app/queries.py", "wont_fix", "internal admin tool")
    assert repository.findings.filter(rule_id="sql-injection").count() == 1
