"""The pull request page and the branch sections of the repository page."""

import pytest
from django.urls import reverse

from dashboard.models import Repository
from dashboard.services.reviews import review_repository
from reviewer.git import write_commit
from tests.factories import RepositoryFactory
from tests.test_branches import BEA, TEST_FILE, git, sqli


@pytest.fixture
def merged_pull(team, tmp_path):
    repo = tmp_path / "svc"
    write_commit(repo, {"app/a.py": "x = 1\n"}, "start")
    git(repo, "checkout", "-q", "-b", "feat/<b>bold</b>")
    write_commit(repo, {"app/b.py": sqli("find_b"), "tests/test_b.py": TEST_FILE},
                 "add b", author=BEA)
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "--no-ff", "-q", "feat/<b>bold</b>", "-m",
        "Merge pull request #3 from acme/feat\n\n<script>alert(1)</script> refunds")
    repository = RepositoryFactory(team=team, url=str(repo), status="queued",
                                   name="payments")
    assert review_repository(repository.pk) == "ready"
    return Repository.objects.get(pk=repository.pk).pull_requests.get()


@pytest.mark.django_db(transaction=True)
def test_the_pull_request_page_lists_its_findings_with_untrusted_text_escaped(
    lead_client, merged_pull
):
    response = lead_client.get(reverse("pull-request-detail", args=[merged_pull.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; refunds" in html
    assert "<script>alert(1)" not in html
    assert "Introduced (1)" in html and "Fixed (0)" in html
    assert "app/b.py:2" in html and "Bea Castro" in html
    finding = merged_pull.changes.get().finding
    assert reverse("finding-detail", args=[finding.pk]) in html

    page = lead_client.get(reverse("repository-detail", args=[merged_pull.repository_id]))
    assert reverse("pull-request-detail", args=[merged_pull.pk]) in page.content.decode()
    detail = lead_client.get(reverse("finding-detail", args=[finding.pk])).content.decode()
    assert "Reached the default branch" in detail and "#3" in detail


@pytest.mark.django_db(transaction=True)
def test_other_teams_cannot_open_a_pull_request(client, outsider, merged_pull):
    client.force_login(outsider)
    response = client.get(reverse("pull-request-detail", args=[merged_pull.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_tracking_patterns_are_saved_from_the_repository_page(lead_client, team):
    repository = RepositoryFactory(team=team)
    url = reverse("repository-tracking", args=[repository.pk])
    response = lead_client.post(url, {"branch_patterns": "release/*,  develop",
                                      "review_interval_minutes": "30"})
    assert response.status_code == 302
    repository.refresh_from_db()
    assert repository.tracked_patterns == ["release/*", "develop"]
    assert repository.review_interval_minutes == 30
    bad = lead_client.post(url, {"branch_patterns": "", "review_interval_minutes": "0"})
    assert bad.status_code == 400
