"""Adding repositories: which URLs are accepted, and where their credentials go."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from dashboard.models import Repository, Team, split_patterns
from dashboard.services.dispatch import enqueue_review

SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!//)[A-Za-z0-9._~/-]+$")


class RepositoryURLError(ValueError):
    pass


@dataclass(frozen=True)
class ParsedURL:
    url: str  # safe to display and store
    credentials: str  # "user:token" for https, else ""
    name: str


def parse_repository_url(raw: str) -> ParsedURL:
    """Accept https, ssh (URL or scp-like) and allowed local paths; refuse everything else.

    Git's other transports (`ext::`, `fd::`, options starting with `-`) can run commands
    on the worker, so they are never passed through.
    """
    raw = raw.strip()
    if not raw or raw.startswith("-") or "::" in raw or any(c.isspace() for c in raw):
        raise RepositoryURLError("Enter an https:// or ssh:// URL, git@host:path, or a local path.")
    if SCP_LIKE.match(raw):
        return ParsedURL(raw, "", _name_from(raw.split(":", 1)[1]))
    parts = urlsplit(raw)
    if parts.scheme in ("https", "ssh"):
        if not parts.hostname or not parts.path.strip("/"):
            raise RepositoryURLError("The URL needs a host and a repository path.")
        credentials = ""
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        if parts.scheme == "https" and parts.username:
            credentials = f"{parts.username}:{parts.password or ''}"
        elif parts.username:
            netloc = f"{parts.username}@{netloc}"
        url = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        return ParsedURL(url, credentials, _name_from(parts.path))
    if parts.scheme in ("", "file"):
        path = Path(parts.path if parts.scheme == "file" else raw).expanduser()
        if not path.is_absolute():
            raise RepositoryURLError("A local repository must be given as an absolute path.")
        resolved = path.resolve()
        roots = [root.resolve() for root in settings.LOCAL_REPOSITORY_ROOTS]
        if not any(resolved.is_relative_to(root) for root in roots):
            raise RepositoryURLError(
                "Local paths are allowed only under the directories an administrator listed "
                "in LOCAL_REPOSITORY_ROOTS."
            )
        return ParsedURL(str(resolved), "", _name_from(str(resolved)))
    raise RepositoryURLError(f"The {parts.scheme}:// scheme is not supported; use https or ssh.")


def _name_from(path: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    return name or "repository"


def clone_url(repository: Repository) -> str:
    """The URL git fetches from: the stored URL with its decrypted credentials put back."""
    if not repository.credentials:
        return repository.url
    parts = urlsplit(repository.url)
    return urlunsplit(
        (parts.scheme, f"{repository.credentials}@{parts.netloc}", parts.path, "", "")
    )


def add_repository(team: Team, raw_url: str, added_by: AbstractBaseUser | None) -> Repository:
    parsed = parse_repository_url(raw_url)
    try:
        with transaction.atomic():
            repository = Repository.objects.create(
                team=team,
                name=parsed.name,
                url=parsed.url,
                credentials=parsed.credentials,
                added_by=added_by,
            )
    except IntegrityError as error:
        raise RepositoryURLError(f"{team} already reviews {parsed.url}.") from error
    request_review(repository)
    return repository


def request_review(repository: Repository) -> None:
    """Queue a review; the task runs once the surrounding transaction has committed.

    The status turns to "queued" at once (unless a review holds the lease), so the page
    starts polling for progress.
    """
    Repository.objects.filter(pk=repository.pk, lease_expires_at__isnull=True).update(
        status=Repository.Status.QUEUED, status_detail=""
    )
    transaction.on_commit(lambda: enqueue_review(repository.pk))


def update_tracking(repository: Repository, branch_patterns: str,
                    review_interval_minutes: int) -> None:
    """Which branches besides the default one are reviewed, and how often; the next review
    picks the change up (branches that stop matching keep their rows, untracked)."""
    Repository.objects.filter(pk=repository.pk).update(
        branch_patterns=" ".join(split_patterns(branch_patterns)),
        review_interval_minutes=review_interval_minutes)
