"""Settings come from the environment and fail loudly on what would be a silent mistake."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def run_django(env: dict, code: str = "import django; django.setup()", argv=None):
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL", "CELERY_BROKER_URL")}
    return subprocess.run(
        [sys.executable, *(argv or ["-c", code])], cwd=ROOT, capture_output=True, text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "dashboard.settings", **env},
    )


def test_a_secret_key_is_required_when_debug_is_off():
    result = run_django({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) is required" in result.stderr


def test_the_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("from-a-file\n")
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    result = run_django({"SECRET_KEY_FILE": str(key_file)}, code)
    assert result.stdout.strip() == "from-a-file", result.stderr


@pytest.mark.parametrize("value", ["yes", "1", "ture", "on"])
def test_booleans_accept_only_true_or_false(value):
    result = run_django({"DEBUG": value, "SECRET_KEY": "x"})
    assert result.returncode != 0
    assert f"DEBUG must be true or false, not '{value}'" in result.stderr


def test_without_a_broker_tasks_run_in_process_and_with_one_they_do_not():
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.DATABASES['default']['ENGINE'])")
    embedded = run_django({"SECRET_KEY": "x"}, code)
    assert embedded.stdout.split() == ["True", "django.db.backends.sqlite3"], embedded.stderr
    production = run_django({"SECRET_KEY": "x", "CELERY_BROKER_URL": "redis://h:6379/0",
                             "DATABASE_URL": "postgres://u:p@db:5432/reviewer"}, code)
    assert production.stdout.split() == ["False", "django.db.backends.postgresql"]


def test_production_static_files_collect_and_serve_from_the_manifest(tmp_path):
    """DEBUG off uses whitenoise's manifest storage: every template's static file must exist."""
    env = {"SECRET_KEY": "x", "STATIC_ROOT": str(tmp_path / "static"), "ALLOWED_HOSTS": "testserver"}
    collect = run_django(env, argv=["manage.py", "collectstatic", "--noinput"])
    assert collect.returncode == 0, collect.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert list((tmp_path / "static" / "vendor" / "plotly").glob("plotly.min.*.js"))
    render = run_django(env, (
        "import django; django.setup(); from django.test import Client;"
        "r = Client().get('/login/'); print(r.status_code); "
        "print('plotly.min.' in r.content.decode())"))
    assert render.stdout.split() == ["200", "True"], render.stderr


def test_the_makefile_finds_a_python_3_12_or_newer():
    found = subprocess.run([ROOT / "scripts" / "find-python"], capture_output=True, text=True)
    assert found.returncode == 0
    version = subprocess.run([found.stdout.strip(), "-c", "import sys; print(sys.version_info >= (3, 12))"],
                             capture_output=True, text=True)
    assert version.stdout.strip() == "True"
    chosen = subprocess.run([ROOT / "scripts" / "find-python"], capture_output=True, text=True,
                            env={**os.environ, "PYTHON": sys.executable})
    assert chosen.stdout.strip() == sys.executable
