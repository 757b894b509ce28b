"""Store one commit review: the commit, its file changes and skips, and finding lifecycle."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from dashboard.models import (
    ApiChange,
    Commit,
    FileChange,
    Finding,
    FindingEvent,
    Repository,
    SkippedFile,
)
from dashboard.services import rollups
from reviewer.config import DEFAULT_CONFIG, ReviewConfig
from reviewer.engine import CommitReview
from reviewer.ownership import CodeOwners, service_for
from reviewer.rules import rule_by_id


@dataclass(frozen=True)
class Ownership:
    """How paths map to services and owners for this repository (config at the head)."""

    config: ReviewConfig = DEFAULT_CONFIG
    codeowners: CodeOwners | None = None

    def service(self, repository: Repository, path: str) -> str:
        return service_for(path, self.config) or repository.name

    def owners(self, path: str) -> list[str]:
        return list(self.codeowners.owners_for(path)) if self.codeowners else []


def ingest_commit_review(repository: Repository, review: CommitReview,
                         ownership: Ownership | None = None, *, mainline: bool = True) -> Commit:
    """Store a commit's review, then, for a commit of the default branch, apply it to the
    findings' lifecycle. Idempotent: each step happens once per commit, so a commit first
    seen on a feature branch is applied when it later lands on the default branch."""
    ownership = ownership or Ownership()
    data = review.commit
    with transaction.atomic():
        commit, _ = Commit.objects.get_or_create(
            repository=repository,
            sha=data.sha,
            defaults={
                "parent_shas": data.parents,
                "author_name": data.author_name,
                "author_email": data.author_email,
                "authored_at": data.authored_at,
                "committed_at": data.committed_at,
                "message": data.message,
            },
        )
        if commit.reviewed_at is None:
            # On the default branch the lifecycle below records the events.
            _store_review(repository, commit, review, ownership, record_events=not mainline)
        if mainline and commit.mainline_seq is None:
            _apply_to_mainline(repository, commit, review, ownership)
    return commit


def _severity(found) -> str:
    return found.severity or str(rule_by_id(found.rule_id).severity)


def _new_finding(repository: Repository, found, commit: Commit, ownership: Ownership,
                 status: str) -> Finding:
    rule = rule_by_id(found.rule_id)
    return Finding(
        repository=repository,
        fingerprint=found.fingerprint,
        rule_id=found.rule_id,
        severity=_severity(found),
        category=str(rule.category),
        cwe=rule.cwe,
        path=found.path,
        line=found.line,
        end_line=found.end_line,
        message=found.message,
        code=found.code,
        service=ownership.service(repository, found.path),
        owners=ownership.owners(found.path),
        is_suppressed=found.suppressed is not None,
        suppressed_reason=found.suppressed or "",
        introduced_in=commit,
        author_email=commit.author_email,
        introduced_at=commit.committed_at,
        status=status,
    )


def ensure_findings(repository: Repository, found: list, commit: Commit,
                    ownership: Ownership, *, tracked: set[int] | None = None
                    ) -> dict[str, Finding]:
    """The rows of these engine findings by fingerprint; the missing ones are created as
    "not on the default branch" (the default branch's review decides when they open).
    The new rows are counted in the rollups, or added to `tracked` (the ids of an
    enclosing `rollups.track`) when given."""
    rows = {row.fingerprint: row for row in existing_findings(repository, found)}
    missing = {f.fingerprint: f for f in found if f.fingerprint not in rows}
    if missing:
        # The repository's review lock makes these rows ours: count them in the rollups.
        with rollups.track(()) if tracked is None else nullcontext(tracked) as created:
            Finding.objects.bulk_create(
                [_new_finding(repository, f, commit, ownership, Finding.Status.BRANCH)
                 for f in missing.values()],
                ignore_conflicts=True,
            )
            new_rows = {row.fingerprint: row
                        for row in existing_findings(repository, missing.values())}
            created.update(row.pk for row in new_rows.values())
        rows.update(new_rows)
    return rows


def existing_findings(repository: Repository, found: Iterable) -> list[Finding]:
    """The stored rows of these engine findings (those that have one)."""
    return list(Finding.objects.filter(repository=repository,
                                       fingerprint__in=[f.fingerprint for f in found]))


def _store_review(repository: Repository, commit: Commit, review: CommitReview,
                  ownership: Ownership, *, record_events: bool) -> None:
    """What the commit changed against its first parent, wherever the commit lives."""
    data = review.commit
    FileChange.objects.bulk_create(
        [
            FileChange(
                commit=commit,
                path=diff.path,
                old_path=(diff.old_path or "") if diff.old_path != diff.path else "",
                status=diff.status,
                additions=diff.additions,
                deletions=diff.deletions,
                is_binary=diff.is_binary,
                patch=diff.patch,
            )
            for diff in data.files
        ],
        ignore_conflicts=True,
    )
    SkippedFile.objects.bulk_create(
        [SkippedFile(commit=commit, path=s.path, reason=s.reason[:500]) for s in review.skips],
        ignore_conflicts=True,
    )
    ApiChange.objects.bulk_create(
        [
            ApiChange(
                commit=commit, change=c.change, breaking=c.breaking, subject=c.subject[:500],
                path=c.path, line=c.line, detail=c.detail, migration_note=c.migration_note,
            )
            for c in review.api_changes
        ],
        ignore_conflicts=True,
    )
    if record_events:
        rows = ensure_findings(repository, review.introduced, commit, ownership)
        events = [FindingEvent(finding=rows[f.fingerprint], commit=commit,
                               kind=FindingEvent.Kind.INTRODUCED) for f in review.introduced]
        events += [FindingEvent(finding=row, commit=commit, kind=FindingEvent.Kind.FIXED)
                   for row in existing_findings(repository, review.fixed)]
        FindingEvent.objects.bulk_create(events, ignore_conflicts=True)
    commit.findings_introduced = len(review.introduced)
    commit.findings_fixed = len(review.fixed)
    commit.introduced_by_severity = dict(Counter(_severity(f) for f in review.introduced))
    commit.fixed_by_severity = dict(Counter(_severity(f) for f in review.fixed))
    commit.reviewed_at = timezone.now()
    commit.save(update_fields=["findings_introduced", "findings_fixed", "reviewed_at",
                               "introduced_by_severity", "fixed_by_severity"])


def _apply_to_mainline(repository: Repository, commit: Commit, review: CommitReview,
                       ownership: Ownership) -> None:
    """Move the findings' default-branch lifecycle on by one commit, and the rollups
    with it."""
    fingerprints = {f.fingerprint for f in (*review.introduced, *review.fixed)}
    fingerprints |= {f.fingerprint for pair in review.moved for f in pair}
    touched = Finding.objects.filter(repository=repository, fingerprint__in=fingerprints)
    with rollups.track(touched.values_list("pk", flat=True)) as tracked:
        _advance_lifecycle(repository, commit, review, ownership, tracked)


def _advance_lifecycle(repository: Repository, commit: Commit, review: CommitReview,
                       ownership: Ownership, tracked: set[int]) -> None:
    events: list[FindingEvent] = []
    introduced = list(review.introduced)
    fixed = list(review.fixed)
    now = timezone.now()
    for before, after in review.moved:
        moved = Finding.objects.filter(
            repository=repository, fingerprint=before.fingerprint,
            status=Finding.Status.OPEN,
        ).first()
        clash = Finding.objects.filter(repository=repository,
                                       fingerprint=after.fingerprint).exists()
        if moved is None or clash:
            # No open row to carry (e.g. a rule enabled since): an ordinary fix and a
            # new finding, so nothing is lost.
            introduced.append(after)
            fixed.append(before)
            continue
        Finding.objects.filter(pk=moved.pk).update(
            fingerprint=after.fingerprint, path=after.path, line=after.line,
            end_line=after.end_line, code=after.code, message=after.message,
            service=ownership.service(repository, after.path),
            owners=ownership.owners(after.path), updated_at=now,
        )
        events.append(FindingEvent(
            finding=moved, commit=commit, kind=FindingEvent.Kind.MOVED,
            detail={"from": f"{before.path}:{before.line}", "to": f"{after.path}:{after.line}",
                    # What undoing the move needs when this commit is force-pushed away.
                    "from_fingerprint": before.fingerprint},
        ))
    rows = ensure_findings(repository, introduced, commit, ownership, tracked=tracked)
    tracked.update(row.pk for row in rows.values())
    opened: list[int] = []
    for found in introduced:
        finding = rows[found.fingerprint]
        if finding.status == Finding.Status.OPEN:
            continue
        if finding.status == Finding.Status.FIXED:
            # The same code came back: one finding, reopened and marked as a regression.
            Finding.objects.filter(pk=finding.pk).update(
                status=Finding.Status.OPEN, fixed_in=None, is_regression=True,
                line=found.line, end_line=found.end_line, updated_at=now,
            )
            kind = FindingEvent.Kind.REOPENED
        else:
            opened.append(finding.pk)
            # A finding first seen on a feature branch keeps the commit that wrote it; the
            # commit that brought it here (a merge) is when it reached the default branch.
            kind = (FindingEvent.Kind.INTRODUCED if finding.introduced_in_id == commit.pk
                    else FindingEvent.Kind.MERGED)
        events.append(FindingEvent(finding=finding, commit=commit, kind=kind))
    Finding.objects.filter(pk__in=opened).update(status=Finding.Status.OPEN, updated_at=now)
    fixed_ids = list(Finding.objects.filter(
        repository=repository,
        fingerprint__in=[f.fingerprint for f in fixed],
        status=Finding.Status.OPEN,
    ).values_list("pk", flat=True))
    Finding.objects.filter(pk__in=fixed_ids).update(
        status=Finding.Status.FIXED, fixed_in=commit, updated_at=now)
    events += [FindingEvent(finding_id=pk, commit=commit, kind=FindingEvent.Kind.FIXED)
               for pk in fixed_ids]
    FindingEvent.objects.bulk_create(events, ignore_conflicts=True)
    last = (Commit.objects.filter(repository=repository)
            .aggregate(last=Max("mainline_seq"))["last"]) or 0
    commit.mainline_seq = last + 1
    commit.save(update_fields=["mainline_seq"])
    # Progress is counted on the default branch, the history the page's bar is about.
    Repository.objects.filter(pk=repository.pk).update(
        commits_reviewed=F("commits_reviewed") + 1
    )
