"""Store one commit review: the commit, its file changes and skips, and finding lifecycle."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
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
                         ownership: Ownership | None = None) -> Commit:
    """Idempotent: a commit that is already stored as reviewed is left as it is."""
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
        if commit.reviewed_at is not None:
            return commit
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
        events: list[FindingEvent] = []
        introduced = list(review.introduced)
        fixed = list(review.fixed)
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
                end_line=after.end_line, service=ownership.service(repository, after.path),
                owners=ownership.owners(after.path), updated_at=timezone.now(),
            )
            events.append(FindingEvent(
                finding=moved, commit=commit, kind=FindingEvent.Kind.MOVED,
                detail={"from": f"{before.path}:{before.line}",
                        "to": f"{after.path}:{after.line}"},
            ))
        for found in introduced:
            rule = rule_by_id(found.rule_id)
            finding, created = Finding.objects.get_or_create(
                repository=repository,
                fingerprint=found.fingerprint,
                defaults={
                    "rule_id": found.rule_id,
                    "severity": found.severity or str(rule.severity),
                    "category": str(rule.category),
                    "cwe": rule.cwe,
                    "path": found.path,
                    "line": found.line,
                    "end_line": found.end_line,
                    "message": found.message,
                    "code": found.code,
                    "service": ownership.service(repository, found.path),
                    "owners": ownership.owners(found.path),
                    "is_suppressed": found.suppressed is not None,
                    "suppressed_reason": found.suppressed or "",
                    "introduced_in": commit,
                },
            )
            if created:
                events.append(FindingEvent(finding=finding, commit=commit,
                                           kind=FindingEvent.Kind.INTRODUCED))
            elif finding.status == Finding.Status.FIXED:
                # The same code came back: one finding, reopened and marked as a regression.
                Finding.objects.filter(pk=finding.pk).update(
                    status=Finding.Status.OPEN,
                    fixed_in=None,
                    is_regression=True,
                    line=found.line,
                    end_line=found.end_line,
                    updated_at=timezone.now(),
                )
                events.append(FindingEvent(finding=finding, commit=commit,
                                           kind=FindingEvent.Kind.REOPENED))
        fixed_findings = list(Finding.objects.filter(
            repository=repository,
            fingerprint__in=[f.fingerprint for f in fixed],
            status=Finding.Status.OPEN,
        ).values_list("pk", "severity"))
        Finding.objects.filter(pk__in=[pk for pk, _ in fixed_findings]).update(
            status=Finding.Status.FIXED, fixed_in=commit, updated_at=timezone.now())
        events += [FindingEvent(finding_id=pk, commit=commit, kind=FindingEvent.Kind.FIXED)
                   for pk, _ in fixed_findings]
        FindingEvent.objects.bulk_create(events, ignore_conflicts=True)
        commit.findings_introduced = len(introduced)
        commit.findings_fixed = len(fixed_findings)
        commit.introduced_by_severity = dict(Counter(f.severity for f in introduced))
        commit.fixed_by_severity = dict(Counter(severity for _, severity in fixed_findings))
        commit.reviewed_at = timezone.now()
        commit.save(update_fields=["findings_introduced", "findings_fixed", "reviewed_at",
                                   "introduced_by_severity", "fixed_by_severity"])
        Repository.objects.filter(pk=repository.pk).update(
            commits_reviewed=F("commits_reviewed") + 1
        )
    return commit
