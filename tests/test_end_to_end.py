"""The whole path with real parts: git repository -> dashboard -> Redis -> Celery worker
process -> PostgreSQL -> pages. Runs in CI (`.ci/run`); skipped on a laptop without them."""

import html
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from dashboard.celery import app as celery_app
from dashboard.models import Finding, Repository
from reviewer.git import write_commit

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).parent.parent
USERS_SAFE = '''def get_user(cursor, user_id):
    cursor.execute("SELECT id, email FROM users WHERE id = %s", (user_id,))
    return cursor.fetchone()
'''
USERS_SQLI = '''def get_user(cursor, user_id):
    cursor.execute(f"SELECT id, email FROM users WHERE id = '{user_id}'")
    return cursor.fetchone()
'''


@pytest.fixture
def worker(tmp_path, settings):
    """A real `celery worker` process, on the test database, consuming from Redis."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@"
            f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REPOSITORY_CACHE_DIR": str(tmp_path / "worker-cache"),
        "REVIEWER_CACHE_DIR": str(tmp_path / "worker-blob-cache"),
    }
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "dashboard", "purge", "-f"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dashboard", "worker", "--pool=solo",
         "--loglevel=INFO", f"--hostname=e2e-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    celery_app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=1):
            assert process.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "worker did not answer ping in 60 s"
        yield process
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_a_repository_submitted_in_the_dashboard_is_reviewed_by_the_worker(
    worker, lead_client, team, tmp_path
):
    assert connection.vendor == "postgresql"
    repo = tmp_path / "orders-service"
    write_commit(repo, {"app/__init__.py": "", "app/users.py": USERS_SAFE}, "Add user lookup")
    introducing = write_commit(repo, {"app/users.py": USERS_SQLI}, "Quote user ids by hand")
    write_commit(repo, {"README.md": "# orders\n"}, "Document the service")
    fixing = write_commit(repo, {"app/users.py": USERS_SAFE}, "Go back to bound parameters")

    response = lead_client.post(reverse("repository-list"), {"url": str(repo), "team": team.pk})
    assert response.status_code == 302
    repository = Repository.objects.get()

    deadline = time.monotonic() + 120
    while Repository.objects.get(pk=repository.pk).status not in ("ready", "failed", "empty"):
        assert time.monotonic() < deadline, "review did not finish in 120 s"
        time.sleep(0.2)
    repository.refresh_from_db()
    assert repository.status == "ready", repository.status_detail
    assert repository.commits_reviewed == 4

    finding = Finding.objects.get(rule_id="sql-injection")
    assert finding.rule_id == "sql-injection"
    assert finding.introduced_in.sha == introducing
    assert finding.fixed_in.sha == fixing
    assert finding.status == "fixed"

    detail = lead_client.get(reverse("finding-detail", args=[finding.pk])).content.decode()
    assert introducing[:10] in detail and "Quote user ids by hand" in detail
    assert fixing[:10] in detail
    assert 'class="diff-added flagged"' in detail
    # The flagged line, highlighted token by token: its text, once the markup is gone.
    shown = html.unescape(re.sub(r"<[^>]+>", "", detail))
    assert USERS_SQLI.splitlines()[1].strip() in shown

    listing = lead_client.get(reverse("finding-list") + "?status=fixed&severity=critical")
    assert "app/users.py:2" in listing.content.decode()
    repo_page = lead_client.get(reverse("repository-detail", args=[repository.pk])).content.decode()
    assert "4 of 4 commits reviewed" in repo_page
