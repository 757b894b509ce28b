"""Branches as the remote has them now: tracked branches' findings, force-pushes, and what
rewritten history leaves behind (marked, never deleted)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from django.db import transaction
from django.utils import timezone

from dashboard.models import (
    Branch,
    BranchFinding,
    Change,
    Commit,
    Finding,
    FindingEvent,
    HistoryRewrite,
    Repository,
)
from dashboard.services import rollups
from dashboard.services.ingestion import (
    Ownership,
    ensure_findings,
    existing_findings,
    ingest_commit_review,
)
from reviewer.engine import Reviewer
from reviewer.git import GitRepository

BATCH = 5_000


@dataclass
class BranchSync:
    """What changed since the last fetch."""

    rewrites: list[HistoryRewrite] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def history_changed(self) -> bool:
        return bool(self.rewrites or self.deleted)


def is_tracked(repository: Repository, name: str, default: str) -> bool:
    return name == default or any(fnmatchcase(name, p) for p in repository.tracked_patterns)


def sync_branches(repository: Repository, mirror: GitRepository, heads: dict[str, str],
                  default: str) -> BranchSync:
    """Store each branch's head; a head that does not contain the previous one is a
    force-push, recorded with the number of commits it dropped."""
    sync = BranchSync()
    known = {b.name: b for b in repository.branches.all()}
    now = timezone.now()
    for name, sha in heads.items():
        tracked = is_tracked(repository, name, default)
        branch = known.get(name)
        if branch is None:
            Branch.objects.create(repository=repository, name=name, head_sha=sha,
                                  is_default=name == default, is_tracked=tracked)
            continue
        if (branch.deleted_at is None and branch.head_sha != sha
                and not contains(mirror, sha, branch.head_sha)):
            sync.rewrites.append(HistoryRewrite(
                repository=repository, branch=name, old_head=branch.head_sha, new_head=sha,
                dropped_commits=mirror.count_only_in(branch.head_sha, sha),
            ))
        Branch.objects.filter(pk=branch.pk).update(
            head_sha=sha, is_default=name == default, is_tracked=tracked, deleted_at=None,
            updated_at=now,
        )
    for name, branch in known.items():
        if name in heads or branch.deleted_at is not None:
            continue
        Branch.objects.filter(pk=branch.pk).update(deleted_at=now, updated_at=now)
        sync.deleted.append(name)
        dropped = mirror.count_only_in(branch.head_sha, "--all")
        if dropped:
            sync.rewrites.append(HistoryRewrite(
                repository=repository, branch=name, old_head=branch.head_sha, new_head="",
                dropped_commits=dropped,
            ))
    HistoryRewrite.objects.bulk_create(sync.rewrites)
    return sync


def contains(mirror: GitRepository, head: str, rev: str) -> bool:
    """Whether `head` contains `rev`; a commit gone from the mirror is not contained."""
    try:
        return mirror.is_ancestor(rev, head)
    except Exception:  # noqa: BLE001 - the object is gone from the mirror
        return False


def mark_reachability(repository: Repository, reachable: set[str]) -> int:
    """Mark stored commits no ref reaches as unreachable (and clear the mark of those that
    are reachable again); returns how many became unreachable."""
    now = timezone.now()
    gone: list[int] = []
    back: list[int] = []
    for pk, sha, unreachable_at in Commit.objects.filter(repository=repository).values_list(
        "pk", "sha", "unreachable_at"
    ).iterator(chunk_size=BATCH):
        if unreachable_at is None and sha not in reachable:
            gone.append(pk)
        elif unreachable_at is not None and sha in reachable:
            back.append(pk)
    for start in range(0, len(gone), BATCH):
        Commit.objects.filter(pk__in=gone[start:start + BATCH]).update(unreachable_at=now)
    for start in range(0, len(back), BATCH):
        Commit.objects.filter(pk__in=back[start:start + BATCH]).update(unreachable_at=None)
    return len(gone)


def settle_off_mainline_findings(repository: Repository) -> None:
    """Findings not on the default branch are "only in rewritten history" when every
    commit that saw them is unreachable, and back to "not on the default branch" when one
    is reachable again."""
    off = Finding.objects.filter(repository=repository)
    gone = set(off.filter(status=Finding.Status.BRANCH)
               .exclude(events__commit__unreachable_at__isnull=True)
               .values_list("pk", flat=True))
    back = set(FindingEvent.objects.filter(
        finding__repository=repository, finding__status=Finding.Status.UNREACHABLE,
        commit__unreachable_at__isnull=True,
    ).values_list("finding_id", flat=True))
    with transaction.atomic(), rollups.track(gone | back):
        off.filter(pk__in=gone).update(status=Finding.Status.UNREACHABLE)
        off.filter(pk__in=back).update(status=Finding.Status.BRANCH)


def rewind_mainline(repository: Repository, kept: set[str]) -> int:
    """Take the default branch's commits that its new history (`kept`: the new head's
    first-parent chain) no longer has off the lifecycle, newest first, and put each
    finding they touched back where the remaining history leaves it. Returns how many."""
    dropped: list[int] = []
    for pk, sha in (Commit.objects.filter(repository=repository, mainline_seq__isnull=False)
                    .order_by("-mainline_seq").values_list("pk", "sha").iterator()):
        if sha in kept:
            break
        dropped.append(pk)
    if not dropped:
        return 0
    touched = set(FindingEvent.objects.filter(commit_id__in=dropped)
                  .values_list("finding_id", flat=True))
    with transaction.atomic(), rollups.track(touched):
        moves = (FindingEvent.objects.filter(commit_id__in=dropped, kind=FindingEvent.Kind.MOVED)
                 .order_by("-commit__mainline_seq", "-pk"))
        for move in moves:
            _undo_move(move)
        Commit.objects.filter(pk__in=dropped).update(mainline_seq=None)
        for finding_id in touched:
            _replay_lifecycle(finding_id)
    return len(dropped)


def _undo_move(move: FindingEvent) -> None:
    previous = move.detail.get("from_fingerprint")
    source = move.detail.get("from", "")
    if not previous or Finding.objects.filter(
        repository_id=move.finding.repository_id, fingerprint=previous
    ).exists():
        return
    path, _, line = source.rpartition(":")
    Finding.objects.filter(pk=move.finding_id).update(
        fingerprint=previous, path=path or move.finding.path,
        line=int(line) if line.isdigit() else move.finding.line,
    )


def _replay_lifecycle(finding_id: int) -> None:
    """A finding's default-branch state from its events on default-branch commits."""
    events = list(
        FindingEvent.objects.filter(finding_id=finding_id, commit__mainline_seq__isnull=False)
        .order_by("commit__mainline_seq", "pk")
        .values_list("kind", "commit_id")
    )
    regression = any(kind == FindingEvent.Kind.REOPENED for kind, _ in events)
    if not events:
        update = {"status": Finding.Status.BRANCH, "fixed_in": None}
    elif events[-1][0] == FindingEvent.Kind.FIXED:
        update = {"status": Finding.Status.FIXED, "fixed_in_id": events[-1][1]}
    else:
        update = {"status": Finding.Status.OPEN, "fixed_in": None}
    Finding.objects.filter(pk=finding_id).update(
        is_regression=regression, updated_at=timezone.now(), **update)


def review_tracked_branch(repository: Repository, branch: Branch, mirror: GitRepository,
                          engine: Reviewer, ownership: Ownership, default_head: str) -> None:
    """Review the branch's own commits not reviewed yet, then store how its findings differ
    from the default branch's."""
    if branch.reviewed_head == branch.head_sha and branch.reviewed_base == default_head:
        return
    base = mirror.merge_base(default_head, branch.head_sha)
    start = base
    if branch.reviewed_head and contains(mirror, branch.head_sha, branch.reviewed_head):
        start = branch.reviewed_head
    if start != branch.head_sha:
        rev_range = f"{start}..{branch.head_sha}" if start else branch.head_sha
        for review in engine.review_range(rev_range):
            ingest_commit_review(repository, review, ownership, mainline=False)
    delta = engine.review_delta(default_head, branch.head_sha, change_level=False)
    head_commit = Commit.objects.filter(repository=repository, sha=branch.head_sha).first()
    with transaction.atomic():
        BranchFinding.objects.filter(branch=branch).delete()
        if head_commit is not None:
            rows = ensure_findings(repository, delta.introduced, head_commit, ownership)
            BranchFinding.objects.bulk_create(
                [BranchFinding(branch=branch, finding=rows[f.fingerprint],
                               change=Change.INTRODUCED) for f in delta.introduced]
                + [BranchFinding(branch=branch, finding=row, change=Change.FIXED)
                   for row in existing_findings(repository, delta.fixed)],
                ignore_conflicts=True,
            )
        Branch.objects.filter(pk=branch.pk).update(reviewed_head=branch.head_sha,
                                                   reviewed_base=default_head)
