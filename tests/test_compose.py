"""compose.yaml cannot be run here (no Docker engine), so its commands are checked against the code."""

import importlib
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]


def test_production_has_every_service_with_health_checks_and_volumes():
    assert {"web", "worker", "beat", "redis", "postgres", "migrate"} <= set(SERVICES)
    for name in ("web", "worker", "redis", "postgres"):
        assert "healthcheck" in SERVICES[name], f"{name} has no health check"
    assert {"pgdata", "redisdata", "repos"} <= set(COMPOSE["volumes"])
    assert any("pgdata:" in v for v in SERVICES["postgres"]["volumes"])


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_celery_commands_point_at_the_real_app(name):
    command = SERVICES[name]["command"]
    app_path = command[command.index("-A") + 1]
    module = importlib.import_module(app_path)
    assert module.celery_app.main == "dashboard"
    assert command[command.index("-A") + 2] in {"worker", "beat"}


def test_gunicorn_serves_the_real_wsgi_application():
    command = SERVICES["web"]["command"]
    module_name, attribute = command[1].split(":")
    assert callable(getattr(importlib.import_module(module_name), attribute))


def test_manage_py_commands_exist():
    commands = get_commands()
    for service in SERVICES.values():
        command = service.get("command") or []
        if isinstance(command, list) and "manage.py" in command:
            assert command[command.index("manage.py") + 1] in commands


def test_health_check_url_is_routed():
    from django.urls import resolve

    test = " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "/healthz" in test
    assert resolve("/healthz").url_name == "healthz"


def test_environment_variables_are_read_by_settings_and_documented():
    settings_source = (ROOT / "dashboard" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    env = SERVICES["web"]["environment"]
    for variable in env:
        assert f'"{variable}"' in settings_source, f"settings never read {variable}"
        assert f"`{variable}`" in readme, f"README does not document {variable}"


def test_the_beat_schedule_names_a_registered_task():
    from django.conf import settings

    import dashboard.tasks  # noqa: F401 - registers the tasks, as the worker's autodiscovery does
    from dashboard.celery import app

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
