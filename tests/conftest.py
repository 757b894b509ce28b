import os
from pathlib import Path

import pytest

from reviewer.git import write_commit
from tests.factories import MembershipFactory, TeamFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SERVICES = os.environ.get("DATABASE_URL", "").startswith("postgres") and bool(
    os.environ.get("CELERY_BROKER_URL")
)


def pytest_collection_modifyitems(config, items):
    """Tests marked `services` need Postgres, Redis and a worker: skip on a laptop, never in CI."""
    needing = [item for item in items if item.get_closest_marker("services")]
    if not needing or SERVICES:
        return
    if IN_CI:
        raise pytest.UsageError(
            "CI=true but DATABASE_URL (postgres) and CELERY_BROKER_URL are not both set: "
            f"{len(needing)} service tests would be skipped"
        )
    skip = pytest.mark.skip(reason="needs DATABASE_URL=postgres://... and CELERY_BROKER_URL")
    for item in needing:
        item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    settings.REPOSITORY_CACHE_DIR = tmp_path / "repo-cache"
    settings.REVIEWER_CACHE_DIR = tmp_path / "blob-cache"
    settings.LOCAL_REPOSITORY_ROOTS = [tmp_path]


@pytest.fixture
def team(db):
    return TeamFactory(name="Payments")


@pytest.fixture
def lead(team):
    return MembershipFactory(team=team, user=UserFactory(username="lena")).user


@pytest.fixture
def outsider(db):
    return MembershipFactory(user=UserFactory(username="otto")).user


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def make_repo(tmp_path):
    """Build a real git repository commit by commit: make_repo(name, [(files, message), ...])."""

    def build(name: str, commits: list[tuple[dict, str]]) -> Path:
        path = tmp_path / name
        path.mkdir(parents=True, exist_ok=True)
        for files, message in commits:
            write_commit(path, files, message)
        return path

    return build
