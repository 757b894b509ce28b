"""Review a repository: fetch it, review the commits not reviewed yet, store the results."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from dashboard.models import Commit, Repository
from dashboard.services.branches import (
    mark_reachability,
    review_tracked_branch,
    rewind_mainline,
    settle_off_mainline_findings,
    sync_branches,
)
from dashboard.services.ingestion import Ownership, ingest_commit_review
from dashboard.services.pulls import RefsSeen, discover_pull_requests, review_pull_request
from dashboard.services.repositories import clone_url
from reviewer.cache import BlobCache
from reviewer.config import CONFIG_FILE, DEFAULT_CONFIG, ConfigError, ReviewConfig
from reviewer.engine import Reviewer
from reviewer.git import PULL_REF_PREFIXES, EmptyRepository, GitError, GitRepository
from reviewer.ownership import CODEOWNERS_PATHS, CodeOwners
from reviewer.pulls import parse_squash_subject
from reviewer.rules import all_rules

log = logging.getLogger(__name__)
LEASE = timedelta(hours=6)


def claim_review(repository_id: int) -> bool:
    """Take the repository's review lease with a conditional UPDATE: one runner at a time."""
    now = timezone.now()
    claimed = (
        Repository.objects.filter(pk=repository_id)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .update(
            lease_expires_at=now + LEASE,
            status=Repository.Status.FETCHING,
            status_detail="",
        )
    )
    return claimed == 1


def _finish(repository_id: int, status: str, detail: str = "", **fields) -> None:
    Repository.objects.filter(pk=repository_id).update(
        status=status, status_detail=detail, lease_expires_at=None, **fields
    )


def review_repository(repository_id: int) -> str:
    """Returns the final status; a review already running elsewhere returns "busy"."""
    if not claim_review(repository_id):
        return "busy"
    repository = Repository.objects.get(pk=repository_id)
    try:
        return _review(repository)
    except Exception as error:
        log.exception("review of repository %s failed", repository_id)
        _finish(repository_id, Repository.Status.FAILED, f"Internal error during review: {error}")
        raise


def _review(repository: Repository) -> str:
    destination = settings.REPOSITORY_CACHE_DIR / str(repository.pk)
    try:
        mirror, branch = GitRepository.fetch(
            clone_url(repository), destination, timeout=settings.GIT_TIMEOUT_SECONDS
        )
    except EmptyRepository:
        _finish(repository.pk, Repository.Status.EMPTY,
                "The repository has no commits yet. Push a commit, then press Review now.")
        return Repository.Status.EMPTY
    except GitError as error:
        _finish(repository.pk, Repository.Status.FAILED, str(error))
        return Repository.Status.FAILED

    with mirror:
        return _review_commits(repository, mirror, branch)


def _review_commits(repository: Repository, mirror: GitRepository, default: str) -> str:
    head = mirror.resolve(f"refs/heads/{default}")
    heads = {ref.removeprefix("refs/heads/"): sha
             for ref, sha in mirror.refs("refs/heads/").items()}
    refs = RefsSeen(default=default, default_head=head, heads=heads,
                    pull_refs=mirror.refs(*PULL_REF_PREFIXES))
    sync = sync_branches(repository, mirror, heads, default)
    if sync.history_changed:
        mark_reachability(repository, mirror.reachable_commits())
    rev_range = head
    if repository.reviewed_head and _is_ancestor(mirror, repository.reviewed_head, head):
        rev_range = f"{repository.reviewed_head}..{head}"
    elif repository.reviewed_head:
        # The default branch was force-pushed: undo what its dropped commits did, then
        # review from where the old and the new history part.
        chain = mirror.first_parent_chain(head)
        rewind_mainline(repository, set(chain))
        fork = Commit.objects.filter(repository=repository, mainline_seq__isnull=False
                                     ).order_by("-mainline_seq").values_list("sha").first()
        rev_range = f"{fork[0]}..{head}" if fork else head
    reviewed = _mainline_commits(repository)
    pending = mirror.count_commits(rev_range)
    Repository.objects.filter(pk=repository.pk).update(
        status=Repository.Status.REVIEWING,
        default_branch=default,
        commits_reviewed=reviewed,
        commits_total=reviewed + pending,
    )
    config, config_error = load_config(mirror, head)
    ownership = Ownership(config=config, codeowners=load_codeowners(mirror, head))
    Repository.objects.filter(pk=repository.pk).update(config_error=config_error)
    cache = BlobCache(settings.REVIEWER_CACHE_DIR, namespace=config.analysis_key)
    merges: list[Commit] = []  # merge commits and squash merges: merged pull requests
    try:
        engine = Reviewer(mirror, cache=cache, config=config)
        for review in engine.review_range(rev_range):
            commit = ingest_commit_review(repository, review, ownership)
            if len(review.commit.parents) > 1 or parse_squash_subject(commit.message):
                merges.append(commit)
        Repository.objects.filter(pk=repository.pk).update(
            status_detail="Reviewing branches and pull requests")
        for branch in repository.branches.filter(is_tracked=True, is_default=False,
                                                 deleted_at__isnull=True):
            review_tracked_branch(repository, branch, mirror, engine, ownership, head)
        for pull in discover_pull_requests(repository, mirror, refs, merges):
            review_pull_request(repository, pull, engine, ownership)
    finally:
        cache.close()
    if sync.history_changed:
        settle_off_mainline_findings(repository)
    _finish(
        repository.pk,
        Repository.Status.READY,
        reviewed_head=head,
        last_reviewed_at=timezone.now(),
        commits_reviewed=_mainline_commits(repository),
    )
    return Repository.Status.READY


def _mainline_commits(repository: Repository) -> int:
    return Commit.objects.filter(repository=repository, mainline_seq__isnull=False).count()


def repositories_due(now) -> list[int]:
    """Repositories whose own review interval has passed (or never reviewed)."""
    due = []
    for pk, last, minutes in Repository.objects.values_list(
        "pk", "last_reviewed_at", "review_interval_minutes"
    ):
        if last is None or last + timedelta(minutes=minutes) <= now:
            due.append(pk)
    return due


def load_config(mirror: GitRepository, head: str) -> tuple[ReviewConfig, str]:
    """The repository's .reviewer.toml at `head`, or the defaults and the reason why."""
    data = mirror.read_path(head, CONFIG_FILE)
    if data is None:
        return DEFAULT_CONFIG, ""
    try:
        text = data.decode("utf-8")
        return ReviewConfig.parse(text, known_rules={rule.id for rule in all_rules()}), ""
    except UnicodeDecodeError:
        return DEFAULT_CONFIG, f"{CONFIG_FILE} is not UTF-8 text; the defaults were used."
    except ConfigError as error:
        return DEFAULT_CONFIG, f"{error}. The defaults were used."


def load_codeowners(mirror: GitRepository, head: str) -> CodeOwners | None:
    for path in CODEOWNERS_PATHS:
        data = mirror.read_path(head, path)
        if data is not None:
            return CodeOwners.parse(data.decode("utf-8", "replace"))
    return None


def _is_ancestor(mirror: GitRepository, ancestor: str, head: str) -> bool:
    try:
        return mirror.is_ancestor(ancestor, head)
    except GitError:
        return False
