"""The dashboard in a real headless Chromium: login, HTMX filtering, back button, drill-down."""

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model

from dashboard.services.reviews import review_repository
from tests.factories import MembershipFactory, RepositoryFactory

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

SQLI = 'def find(cur, uid):\n    cur.execute(f"SELECT * FROM users WHERE id = {uid}")\n'
NO_TIMEOUT = "import requests\n\n\ndef ping(url):\n    return requests.get(url)\n"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("CI needs Debian's chromium at /usr/bin/chromium")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between page actions are ordinary synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture
def reviewed(make_repo):
    membership = MembershipFactory(user__username="lena")
    path = make_repo("svc", [({"app/db.py": SQLI}, "Add lookup"),
                             ({"app/ping.py": NO_TIMEOUT}, "Add ping")])
    repository = RepositoryFactory(team=membership.team, url=str(path), name="svc",
                                   status="queued")
    assert review_repository(repository.pk) == "ready"
    return membership.user


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/findings/")
    assert "/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/findings/")


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def test_filtering_swaps_the_table_pushes_the_url_and_back_restores_it(
    page, live_server, reviewed
):
    assert get_user_model().objects.filter(username="lena").exists()
    log_in(page, live_server, "lena")
    rows = page.locator("table.findings tbody tr")
    assert rows.count() >= 2
    page.evaluate("window.notReloaded = true")

    with page.expect_response(lambda r: "severity=medium" in r.url):
        page.check("input[name=severity][value=medium]")
    page.wait_for_function("document.querySelector('#result-count').textContent.includes('1 ')")
    assert "severity=medium" in page.url
    assert page.evaluate("window.notReloaded") is True
    assert rows.count() == 1 and "app/ping.py" in rows.first.inner_text()
    shot(page, "findings-filtered")

    with page.expect_response(lambda r: "severity=critical" in r.url):
        page.check("input[name=severity][value=critical]")
    page.wait_for_function("document.querySelectorAll('table.findings tbody tr').length == 2")

    page.go_back()
    page.wait_for_function("document.querySelectorAll('table.findings tbody tr').length == 1")
    query = parse_qs(urlsplit(page.url).query)
    assert query["severity"] == ["medium"]
    assert page.is_checked("input[name=severity][value=medium]")
    assert not page.is_checked("input[name=severity][value=critical]")
    assert page.console_errors == []


def test_drill_down_from_the_overview_to_the_flagged_line(page, live_server, reviewed):
    log_in(page, live_server, "lena")
    page.goto(f"{live_server.url}/")
    page.wait_for_selector(".chart .main-svg")  # plotly drew from our own static files
    shot(page, "overview")
    page.click(".severity-counts .sev-critical a")
    page.wait_for_url("**/findings/?severity=critical*")
    page.click("table.findings a.finding-link")
    flagged = page.locator("tr.flagged")
    assert flagged.count() == 1
    assert 'cur.execute(f"SELECT * FROM users WHERE id = {uid}")' in flagged.inner_text()
    shot(page, "finding")
    page.goto(f"{live_server.url}/repositories/")
    shot(page, "repositories")
    assert page.console_errors == []


def test_a_merged_pull_request_is_reachable_from_its_repository(page, live_server, tmp_path):
    from reviewer.git import run_git, write_commit

    membership = MembershipFactory(user__username="lena")
    repo = tmp_path / "payments"
    write_commit(repo, {"app/a.py": "x = 1\n"}, "start")
    run_git(repo, "checkout", "-q", "-b", "feature/refunds")
    write_commit(repo, {"app/db.py": SQLI, "tests/test_db.py": "def test_it():\n    pass\n"},
                 "Add refund lookup", author=("Bea", "bea@x.io"))
    run_git(repo, "checkout", "-q", "main")
    run_git(repo, "merge", "--no-ff", "-q", "feature/refunds", "-m",
            "Merge pull request #12 from acme/feature/refunds\n\nRefund lookup")
    repository = RepositoryFactory(team=membership.team, url=str(repo), name="payments",
                                   status="queued")
    assert review_repository(repository.pk) == "ready"

    log_in(page, live_server, "lena")
    page.goto(f"{live_server.url}/repositories/{repository.pk}/")
    shot(page, "repository-with-pull-requests")
    page.get_by_role("link", name="#12 Refund lookup").click()
    page.wait_for_url("**/pull-requests/*/")
    assert page.get_by_role("heading", name="Introduced (1)").is_visible()
    assert page.locator("text=app/db.py:2").is_visible()
    shot(page, "pull-request")
    page.get_by_role("link", name="sql-injection").click()
    page.wait_for_url("**/findings/*/")
    assert page.locator("text=Reached the default branch").is_visible()
    shot(page, "finding-history")
    assert page.console_errors == []


BILLING_SQLI = ("def charge(cur, uid):\n"
                "    cur.execute(f\"SELECT * FROM charges WHERE id = {uid}\")\n")


@pytest.fixture
def two_services(tmp_path):
    from reviewer.git import write_commit

    membership = MembershipFactory(user__username="lena")
    repo = tmp_path / "platform"
    write_commit(repo, {"services/billing/db.py": BILLING_SQLI,
                        "services/ledger/db.py": SQLI,
                        "services/ledger/ping.py": NO_TIMEOUT,
                        "tests/test_all.py": "def test_it():\n    pass\n"},
                 "Add billing and ledger", author=("Bea", "bea@example.com"))
    repository = RepositoryFactory(team=membership.team, url=str(repo), name="platform",
                                   status="queued")
    assert review_repository(repository.pk) == "ready"
    return repository


def wait_rows(page, count):
    page.wait_for_function(
        f"document.querySelectorAll('table.findings tbody tr:not(:has(.empty))').length == {count}")


def test_a_tech_lead_filters_drills_down_and_triages(page, live_server, two_services):
    log_in(page, live_server, "lena")
    page.goto(f"{live_server.url}/")
    page.wait_for_selector(".chart .main-svg")
    assert "Open findings: 3" in page.inner_text("#open-heading")
    shot(page, "overview-two-services")

    page.goto(f"{live_server.url}/findings/")
    wait_rows(page, 3)
    with page.expect_response(lambda r: "severity=critical" in r.url):
        page.check("input[name=severity][value=critical]")
    wait_rows(page, 2)
    with page.expect_response(lambda r: "service=billing" in r.url):
        page.fill("input[name=service]", "billing")
        page.press("input[name=service]", "Enter")
    wait_rows(page, 1)
    query = parse_qs(urlsplit(page.url).query)
    assert query["severity"] == ["critical"] and query["service"] == ["billing"]
    assert "services/billing/db.py" in page.inner_text("table.findings")
    shot(page, "explorer-severity-and-service")
    page.go_back()
    wait_rows(page, 2)
    assert "service" not in parse_qs(urlsplit(page.url).query)
    assert page.input_value("input[name=service]") == ""
    assert page.is_checked("input[name=severity][value=critical]")

    # Drill down from the bar of this week's new critical findings.
    page.goto(f"{live_server.url}/")
    page.wait_for_selector(".chart .main-svg")
    bars = page.locator(".chart g.trace.bars").first.locator("g.point path")
    bars.last.click(force=True)
    page.wait_for_url("**/findings/?*severity=critical*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["status"] == ["all"] and "from" in query and "to" in query
    wait_rows(page, 2)
    page.locator("table.findings a.finding-link", has_text="billing/db.py").click()
    page.wait_for_url("**/findings/*/")
    flagged = page.locator("tr.flagged")
    assert flagged.count() == 1 and flagged.locator("span[class^=hl-]").count() > 3
    assert "charges WHERE id = {uid}" in flagged.inner_text()
    shot(page, "finding-highlighted")

    page.select_option("#id_state", "false_positive")
    with page.expect_response(lambda r: "/triage/" in r.url):
        page.click("#triage button[type=submit]")
    page.wait_for_selector("#triage >> text=False positive")
    page.goto(f"{live_server.url}/")
    assert "Open findings: 2" in page.inner_text("#open-heading")
    assert page.inner_text(".severity-counts .sev-critical .count") == "1"
    page.goto(f"{live_server.url}/findings/?include_hidden=on")
    assert "3 findings" in page.inner_text("#result-count")

    for name, path in [("repository", f"/repositories/{two_services.pk}/"),
                       ("service", "/services/billing/"), ("rule", "/rules/sql-injection/"),
                       ("rules", "/rules/"), ("mine", "/me/"),
                       ("commit", f"/repositories/{two_services.pk}/commits/"
                                  f"{two_services.commits.get().sha}/")]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        shot(page, f"page-{name}")

    # Bea claims her commit e-mail: her findings and her weekly trend appear.
    page.goto(f"{live_server.url}/me/")
    page.fill("input[name=email]", "bea@example.com")
    page.click("form.inline-form button[type=submit]")
    page.wait_for_selector(".chart .main-svg")
    assert "platform/services/ledger/db.py" in page.inner_text("main")
    shot(page, "page-mine-claimed")
    assert page.console_errors == []


def test_script_in_code_messages_and_branches_never_runs(page, live_server, tmp_path):
    from reviewer.git import run_git, write_commit

    evil = "<script>window.__xss = 1</script><img src=x onerror='window.__xss = 2'>"
    membership = MembershipFactory(user__username="lena")
    repo = tmp_path / "svc"
    write_commit(repo, {"app/x.py": "x = 1\n"}, "start")
    run_git(repo, "checkout", "-q", "-b", "evil")
    write_commit(repo, {"app/db.py": f'def f(cur, v):\n    cur.execute(f"SELECT {{v}} -- {evil}")\n'},
                 f"Fix {evil}")
    run_git(repo, "checkout", "-q", "main")
    run_git(repo, "merge", "--no-ff", "-q", "evil", "-m", f"Merge pull request #1 from x/evil\n\n{evil}")
    repository = RepositoryFactory(team=membership.team, url=str(repo), name="svc",
                                   status="queued")
    assert review_repository(repository.pk) == "ready"
    finding = repository.findings.get(rule_id="sql-injection")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live_server, "lena")
    for path in ["/", "/findings/", f"/findings/{finding.pk}/", f"/repositories/{repository.pk}/",
                 f"/repositories/{repository.pk}/commits/{finding.introduced_in.sha}/",
                 f"/pull-requests/{repository.pull_requests.get().pk}/", "/services/svc/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss === undefined"), path
    shot(page, "escaped-service")
    assert dialogs == []
