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
