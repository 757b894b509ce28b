"""Adding repositories and seeing their review status, including every way input can be bad."""

import pytest
from django.db import connection
from django.urls import reverse

from dashboard.models import Finding, Repository
from tests.factories import RepositoryFactory

SQLI = 'def find(cur, uid):\n    cur.execute(f"SELECT * FROM users WHERE id = {uid}")\n'


def add(client, team, url):
    return client.post(reverse("repository-list"), {"url": url, "team": team.pk}, follow=True)


@pytest.mark.django_db(transaction=True)
def test_adding_a_local_repository_reviews_it_and_shows_findings(lead_client, team, make_repo):
    path = make_repo("svc", [({"app/db.py": SQLI}, "Add lookup")])
    response = add(lead_client, team, str(path))
    page = response.content.decode()
    assert "Up to date" in page
    assert "1 of 1 commits reviewed" in page
    finding = Finding.objects.get(rule_id="sql-injection")
    assert (finding.path, finding.status) == ("app/db.py", "open")
    overview = lead_client.get(reverse("overview")).content.decode()
    assert 'href="/findings/?severity=critical' in overview
    assert "app/db.py:2" in overview


@pytest.mark.django_db(transaction=True)
def test_a_url_that_does_not_exist_fails_with_a_clear_status(lead_client, team, tmp_path):
    response = add(lead_client, team, str(tmp_path / "missing-repo"))
    page = response.content.decode()
    assert "Failed" in page
    assert "could not fetch" in page
    assert Repository.objects.get().status == Repository.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_a_repository_without_commits_says_so(lead_client, team, tmp_path):
    import git

    git.Repo.init(tmp_path / "empty").close()
    page = add(lead_client, team, str(tmp_path / "empty")).content.decode()
    assert "No commits" in page
    assert "has no commits yet" in page


@pytest.mark.django_db(transaction=True)
def test_binary_and_non_utf8_files_are_listed_as_skipped(lead_client, team, make_repo):
    path = make_repo("svc", [({
        "static/logo.png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        "data/legacy.csv": "id;name\n1;Ren\xe9e\n".encode("cp1252"),
        "app/db.py": SQLI,
    }, "Assets and import")])
    page = add(lead_client, team, str(path)).content.decode()
    assert "Up to date" in page
    assert "static/logo.png" in page and "binary file" in page
    assert "data/legacy.csv" in page and "not valid UTF-8" in page
    assert Finding.objects.filter(rule_id="sql-injection").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "ext::sh -c touch% /tmp/pwned",
    "--upload-pack=touch /tmp/pwned",
    "http://insecure.example.com/repo.git",
    "ftp://example.com/repo.git",
    "/etc",
    "relative/path",
])
def test_dangerous_or_unsupported_urls_are_refused(lead_client, team, url):
    response = add(lead_client, team, url)
    assert response.status_code == 200
    assert Repository.objects.count() == 0
    assert 'class="errorlist' in response.content.decode()


@pytest.mark.django_db
def test_credentials_in_a_url_are_encrypted_at_rest_and_never_shown(lead_client, team, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    token = "ghp_SuperSecretToken1234567890abcdefABCD"
    from django.db import transaction

    with transaction.atomic():  # the review is queued on commit; here it is never run
        from dashboard.services.repositories import add_repository

        repository = add_repository(team, f"https://ci:{token}@github.com/org/svc.git", None)
        transaction.set_rollback(False)
    assert repository.url == "https://github.com/org/svc.git"
    with connection.cursor() as cursor:
        cursor.execute("SELECT url, credentials FROM dashboard_repository")
        url, stored = cursor.fetchone()
    assert token not in url and token not in stored
    assert Repository.objects.get().credentials == f"ci:{token}"
    page = lead_client.get(reverse("repository-detail", args=[repository.pk])).content.decode()
    assert token not in page


@pytest.mark.django_db
def test_users_see_only_their_teams_repositories(client, outsider, team):
    repository = RepositoryFactory(team=team, name="payments-api")
    client.force_login(outsider)
    assert client.get(reverse("repository-detail", args=[repository.pk])).status_code == 404
    assert "payments-api" not in client.get(reverse("repository-list")).content.decode()
    assert "payments-api" not in client.get(reverse("overview")).content.decode()
    assert client.post(reverse("repository-review", args=[repository.pk])).status_code == 404


@pytest.mark.django_db
def test_status_polling_answers_a_fragment_and_stops_when_done(lead_client, team):
    running = RepositoryFactory(team=team, status=Repository.Status.REVIEWING, commits_total=10,
                                commits_reviewed=4)
    url = reverse("repository-detail", args=[running.pk]) + "?region=status"
    response = lead_client.get(url, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "4 of 10 commits reviewed" in body
    assert 'hx-trigger="every 2s"' in body
    Repository.objects.filter(pk=running.pk).update(status=Repository.Status.READY)
    assert lead_client.get(url, headers={"HX-Request": "true"}).status_code == 286


@pytest.mark.django_db(transaction=True)
def test_reviewing_again_duplicates_nothing(lead_client, team, make_repo):
    from dashboard.services.reviews import review_repository

    path = make_repo("svc", [({"app/db.py": SQLI}, "one"), ({"README.md": "x\n"}, "two")])
    add(lead_client, team, str(path))
    repository = Repository.objects.get()
    counts = (repository.commits.count(), Finding.objects.count())
    assert review_repository(repository.pk) == Repository.Status.READY
    assert review_repository(repository.pk) == Repository.Status.READY
    assert (repository.commits.count(), Finding.objects.count()) == counts
    assert counts[0] == 2 and Finding.objects.filter(rule_id="sql-injection").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_malformed_config_is_shown_and_the_review_uses_the_defaults(lead_client, team,
                                                                      make_repo):
    path = make_repo("svc", [({"app/db.py": SQLI,
                               ".reviewer.toml": '[reviewer]\ndisable = "sql-injection"\n'},
                              "Add lookup and config")])
    page = add(lead_client, team, str(path)).content.decode()
    assert "Configuration ignored" in page
    assert "reviewer.disable must be a list of strings" in page
    assert Finding.objects.filter(rule_id="sql-injection").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_valid_config_overrides_severity_and_disables_rules(lead_client, team, make_repo):
    net = "import requests\n\n\ndef ping(url):\n    return requests.get(url)\n"
    config = ('[reviewer]\ndisable = ["http-call-without-timeout"]\n'
              '[reviewer.severity]\n"sql-injection" = "high"\n')
    path = make_repo("svc", [({"app/db.py": SQLI, "app/net.py": net, ".reviewer.toml": config},
                              "Add code")])
    page = add(lead_client, team, str(path)).content.decode()
    assert "Configuration ignored" not in page
    finding = Finding.objects.get(rule_id="sql-injection")
    assert finding.severity == "high"
    assert not Finding.objects.filter(rule_id="http-call-without-timeout").exists()


@pytest.mark.django_db(transaction=True)
def test_a_finding_suppressed_in_code_is_kept_with_its_reason(lead_client, team, make_repo):
    source = ("def find(cur, uid):\n"
              "    # reviewer: ignore[sql-injection] uid is validated by the router\n"
              '    cur.execute(f"SELECT * FROM users WHERE id = {uid}")\n')
    path = make_repo("svc", [({"app/db.py": source}, "Add lookup")])
    add(lead_client, team, str(path))
    finding = Finding.objects.get(rule_id="sql-injection")
    assert finding.is_suppressed
    assert finding.suppressed_reason == "uid is validated by the router"
    page = lead_client.get(reverse("finding-detail", args=[finding.pk])).content.decode()
    assert "suppressed in code" in page and "uid is validated by the router" in page
