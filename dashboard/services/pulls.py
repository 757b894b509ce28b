"""Pull requests found in git itself, and each one's findings: what its head has that its
base had not (and which of its commits wrote it), and what it fixed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dashboard.models import (
    Change,
    Commit,
    Finding,
    FindingEvent,
    PullRequest,
    PullRequestFinding,
    Repository,
)
from dashboard.services import rollups
from dashboard.services.branches import contains, is_tracked
from dashboard.services.ingestion import (
    Ownership,
    ensure_findings,
    existing_findings,
    ingest_commit_review,
)
from reviewer.engine import Reviewer
from reviewer.git import GitRepository
from reviewer.pulls import (
    parse_merge_message,
    parse_squash_subject,
    pull_ref_number,
    pull_request_key,
    pull_request_url,
)


@dataclass(frozen=True)
class RefsSeen:
    """The refs of this fetch that pull requests are discovered from."""

    default: str
    default_head: str
    heads: dict[str, str]  # branch name -> sha
    pull_refs: dict[str, str]  # refs/pull/N/head -> sha

    def branch_at(self, sha: str, otherwise: str = "") -> str:
        """A branch other than the default whose head is `sha`."""
        return next((name for name, head in self.heads.items()
                     if head == sha and name != self.default), otherwise)


def discover_pull_requests(repository: Repository, mirror: GitRepository, refs: RefsSeen,
                           merges: list[Commit]) -> list[PullRequest]:
    """Create or update the pull requests that merge commits of the default branch, pull
    request refs and branches show; returns those whose findings need (re)computing."""
    claimed: set[str] = set()
    for merge in merges:
        if len(merge.parent_shas) > 1:
            pull = _from_merge_commit(repository, mirror, merge, refs.default)
        else:
            pull = _from_squash_commit(repository, mirror, refs, merge)
        if pull is not None:
            claimed.add(pull.head_sha)
    # Nothing to learn from a ref whose head is the one stored while the default branch
    # has not moved either: a re-review of an unchanged repository asks git nothing.
    default_moved = repository.reviewed_head != refs.default_head
    known = {} if default_moved else dict(
        repository.pull_requests.values_list("head_sha", "state"))
    for ref, sha in refs.pull_refs.items():
        parsed = pull_ref_number(ref)
        if sha in known:
            claimed.add(sha)
        elif parsed is not None and _from_pull_ref(repository, mirror, refs, *parsed, sha):
            claimed.add(sha)
    for name, sha in refs.heads.items():
        if sha in claimed or known.get(sha) == PullRequest.State.OPEN:
            continue
        if not is_tracked(repository, name, refs.default):
            _from_branch(repository, mirror, refs, name, sha)
    _close_vanished(repository, refs)
    return [
        pull for pull in repository.pull_requests.exclude(state=PullRequest.State.CLOSED)
        if (pull.reviewed_head, pull.reviewed_base) != (pull.head_sha, pull.base_sha)
    ]


def _from_merge_commit(repository: Repository, mirror: GitRepository, merge: Commit,
                       default: str) -> PullRequest | None:
    first, second = merge.parent_shas[:2]
    info = parse_merge_message(merge.message)
    if info is not None:
        key = pull_request_key(info.host, info.number, info.source_branch)
        number, source, title = info.number, info.source_branch, info.title
        host = info.host
    else:
        key, number, source, title, host = f"merge:{merge.sha[:12]}", None, "", merge.subject, ""
    pull = PullRequest.objects.filter(repository=repository, key=key).first()
    if pull is not None and pull.merge_commit_id not in (None, merge.pk):
        # The same branch name merged again later: a pull request of its own.
        key = f"{key}@{merge.sha[:12]}"
        pull = PullRequest.objects.filter(repository=repository, key=key).first()
    pull = pull or PullRequest(repository=repository, key=key)
    pull.number = number
    if number is not None:
        pull.title = title[:500]  # GitHub and GitLab put the pull request's title there
    pull.source_branch = source or pull.source_branch
    pull.target_branch = default
    pull.state = PullRequest.State.MERGED
    pull.merge_commit = merge
    pull.merged_at = merge.committed_at
    pull.closed_at = None
    pull.head_sha = second
    pull.base_sha = mirror.merge_base(first, second) or first
    pull.url = pull.url or pull_request_url(repository.url, number if host else None, "")
    pull.save()
    return pull


def _from_squash_commit(repository: Repository, mirror: GitRepository, refs: RefsSeen,
                        commit: Commit) -> PullRequest | None:
    """A squash (or rebase) merge: the pull request's own head when its ref is still
    published, else the squashed commit itself."""
    info = parse_squash_subject(commit.message)
    if info is None or not commit.parent_shas:
        return None
    key = pull_request_key(info.host, info.number, "")
    pull = (PullRequest.objects.filter(repository=repository, key=key).first()
            or PullRequest(repository=repository, key=key))
    head = refs.pull_refs.get(f"refs/pull/{info.number}/head", commit.sha)
    pull.number = info.number
    pull.title = info.title[:500]
    pull.target_branch = refs.default
    pull.state = PullRequest.State.MERGED
    pull.merge_commit = commit
    pull.merged_at = commit.committed_at
    pull.closed_at = None
    pull.head_sha = head
    pull.base_sha = (mirror.merge_base(commit.parent_shas[0], head) or commit.parent_shas[0]
                     if head != commit.sha else commit.parent_shas[0])
    pull.source_branch = pull.source_branch or refs.branch_at(head)
    pull.url = pull_request_url(repository.url, info.number)
    pull.save()
    return pull


def _from_pull_ref(repository: Repository, mirror: GitRepository, refs: RefsSeen, host: str,
                   number: int, sha: str) -> PullRequest | None:
    key = pull_request_key(host, number, "")
    pull = PullRequest.objects.filter(repository=repository, key=key).first()
    if pull is not None and pull.merge_commit_id is not None:
        return pull  # merged with a merge commit: that one says what it was
    pull = pull or PullRequest(repository=repository, key=key, number=number)
    merged = contains(mirror, refs.default_head, sha)
    if merged and pull.state != PullRequest.State.MERGED:
        pull.merged_at = timezone.now()
    pull.state = PullRequest.State.MERGED if merged else PullRequest.State.OPEN
    pull.closed_at = None
    pull.source_branch = refs.branch_at(sha, pull.source_branch)
    pull.target_branch = refs.default
    if not merged or not pull.base_sha:
        pull.head_sha = sha
        pull.base_sha = mirror.merge_base(refs.default_head, sha) or sha
    pull.url = pull_request_url(repository.url, number)
    pull.save()
    return pull


def _from_branch(repository: Repository, mirror: GitRepository, refs: RefsSeen, name: str,
                 sha: str) -> None:
    key = pull_request_key("", None, name)
    pull = PullRequest.objects.filter(repository=repository, key=key).first()
    merged = contains(mirror, refs.default_head, sha)
    if pull is not None and pull.state == PullRequest.State.MERGED:
        if merged or pull.head_sha == sha:
            return
        # The name was reused for new work after a merge.
        pull = None
        key = f"{key}@{sha[:12]}"
    if merged:
        if pull is not None and pull.state == PullRequest.State.OPEN:
            # Fast-forwarded or rebased into the default branch: merged, same range.
            pull.state = PullRequest.State.MERGED
            pull.merged_at = timezone.now()
            pull.save()
        return  # a merged branch never seen open has no range to report on
    pull = pull or PullRequest.objects.filter(repository=repository, key=key).first()
    pull = pull or PullRequest(repository=repository, key=key)
    pull.source_branch = name
    pull.target_branch = refs.default
    pull.state = PullRequest.State.OPEN
    pull.closed_at = None
    pull.head_sha = sha
    pull.base_sha = mirror.merge_base(refs.default_head, sha) or sha
    pull.url = pull.url or pull_request_url(repository.url, None, name)
    pull.save()


def _close_vanished(repository: Repository, refs: RefsSeen) -> None:
    """Open pull requests whose branch or ref is gone without being merged are closed."""
    heads = set(refs.heads)
    numbers = {pull_ref_number(ref) for ref in refs.pull_refs}
    for pull in repository.pull_requests.filter(state=PullRequest.State.OPEN):
        if pull.number is not None:
            host = "gitlab" if pull.key.startswith("!") else "github"
            gone = (host, pull.number) not in numbers and pull.source_branch not in heads
        else:
            gone = pull.source_branch not in heads
        if gone:
            PullRequest.objects.filter(pk=pull.pk).update(
                state=PullRequest.State.CLOSED, closed_at=timezone.now())


def review_pull_request(repository: Repository, pull: PullRequest, engine: Reviewer,
                        ownership: Ownership) -> None:
    """Review the pull request's own commits (once each), then its whole change."""
    commits: list[Commit] = []
    if pull.base_sha != pull.head_sha:
        for review in engine.review_range(f"{pull.base_sha}..{pull.head_sha}"):
            commits.append(ingest_commit_review(repository, review, ownership, mainline=False))
    head = (commits[-1] if commits else
            Commit.objects.filter(repository=repository, sha=pull.head_sha).first())
    if head is None:
        return
    delta = engine.review_delta(pull.base_sha, pull.head_sha)
    introduced = ensure_findings(repository, delta.introduced, head, ownership)
    fixed = existing_findings(repository, delta.fixed)
    # Which of its commits wrote each finding: the last of them that introduced it.
    written_by: dict[int, Commit] = {}
    position = {commit.pk: commit for commit in commits}
    for finding_id, commit_id in (FindingEvent.objects.filter(
        commit__in=commits, kind=FindingEvent.Kind.INTRODUCED,
        finding__in=list(introduced.values()),
    ).order_by("pk").values_list("finding_id", "commit_id")):
        written_by[finding_id] = position[commit_id]
    with transaction.atomic():
        PullRequestFinding.objects.filter(pull_request=pull).delete()
        PullRequestFinding.objects.bulk_create(
            [PullRequestFinding(pull_request=pull, finding=row, change=Change.INTRODUCED,
                                commit=written_by.get(row.pk)) for row in introduced.values()]
            + [PullRequestFinding(pull_request=pull, finding=row, change=Change.FIXED)
               for row in fixed]
        )
        if pull.merge_commit_id is not None:
            # Seen first through its merge: credit the commit that wrote it, not the merge.
            credit = [row for row in introduced.values()
                      if row.introduced_in_id == pull.merge_commit_id and row.pk in written_by]
            with rollups.track(row.pk for row in credit):
                for row in credit:
                    writer = written_by[row.pk]
                    Finding.objects.filter(pk=row.pk).update(
                        introduced_in=writer, author_email=writer.author_email,
                        introduced_at=writer.committed_at)
                    FindingEvent.objects.filter(
                        finding=row, commit_id=pull.merge_commit_id,
                        kind=FindingEvent.Kind.INTRODUCED,
                    ).update(kind=FindingEvent.Kind.MERGED)
        first = commits[0] if commits else head
        PullRequest.objects.filter(pk=pull.pk).update(
            title=pull.title or first.subject[:500],
            author_name=first.author_name, author_email=first.author_email,
            opened_at=first.authored_at,
            reviewed_head=pull.head_sha, reviewed_base=pull.base_sha,
            findings_introduced=len(introduced), findings_fixed=len(fixed),
            introduced_by_severity=dict(Counter(r.severity for r in introduced.values())),
            fixed_by_severity=dict(Counter(r.severity for r in fixed)),
        )
