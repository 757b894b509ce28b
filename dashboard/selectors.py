"""Read-only queries for views, always scoped to what the user may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from dashboard.models import SEVERITY_ORDER, Commit, Finding, Repository, SkippedFile, Team

SEVERITY_RANK = Case(
    *[When(severity=s, then=Value(i)) for i, s in enumerate(SEVERITY_ORDER)],
    output_field=IntegerField(),
)


def teams_of(user: AbstractBaseUser) -> QuerySet[Team]:
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user)


def visible_repositories(user: AbstractBaseUser) -> QuerySet[Repository]:
    if user.is_superuser:
        return Repository.objects.all()
    return Repository.objects.filter(team__memberships__user=user)


def visible_findings(user: AbstractBaseUser) -> QuerySet[Finding]:
    return Finding.objects.filter(repository__in=visible_repositories(user))


def counted(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    """What counts and charts include by default: not false positives, not suppressed."""
    return findings.exclude(triage="false_positive").exclude(is_suppressed=True)


def _open_counts(findings: QuerySet[Finding], field: str) -> dict[str, int]:
    """Counted open findings per value of `field`, in one GROUP BY query."""
    return dict(
        counted(findings).filter(status=Finding.Status.OPEN)
        .values_list(field)
        .annotate(n=Count("pk"))
        .values_list(field, "n")
    )


def open_findings_by_severity(findings: QuerySet[Finding]) -> list[dict]:
    counts = _open_counts(findings, "severity")
    return [{"severity": s, "count": counts.get(s, 0)} for s in SEVERITY_ORDER]


def open_findings_by_rule(findings: QuerySet[Finding]) -> dict[str, int]:
    return _open_counts(findings, "rule_id")


def filter_findings(
    findings: QuerySet[Finding],
    *,
    severities: list[str] | None = None,
    status: str | None = Finding.Status.OPEN,
    repository_id: int | None = None,
    rule_id: str | None = None,
    include_hidden: bool = False,
) -> QuerySet[Finding]:
    if not include_hidden:
        findings = counted(findings)
    if severities:
        findings = findings.filter(severity__in=severities)
    if status:
        findings = findings.filter(status=status)
    if repository_id:
        findings = findings.filter(repository_id=repository_id)
    if rule_id:
        findings = findings.filter(rule_id=rule_id)
    return (
        findings.select_related("repository", "introduced_in")
        .annotate(severity_rank=SEVERITY_RANK)
        .order_by("severity_rank", "-introduced_in__committed_at", "pk")
    )


def repositories_with_open_counts(user: AbstractBaseUser) -> QuerySet[Repository]:
    return (
        visible_repositories(user)
        .select_related("team")
        .annotate(open_findings=Count("findings", filter=Q(findings__status=Finding.Status.OPEN)
                                      & ~Q(findings__triage="false_positive")
                                      & Q(findings__is_suppressed=False)))
        .order_by("name")
    )


def recent_commits(repository: Repository, limit: int = 30) -> QuerySet[Commit]:
    return repository.commits.filter(reviewed_at__isnull=False).order_by("-committed_at")[:limit]


def skipped_files(repository: Repository, limit: int = 100) -> QuerySet[SkippedFile]:
    return (
        SkippedFile.objects.filter(commit__repository=repository)
        .select_related("commit")
        .order_by("-commit__committed_at", "path")[:limit]
    )


def introducing_hunk(finding: Finding) -> list[dict] | None:
    """The hunk of the introducing commit's patch around the finding, line by line.

    Each line carries its new-file number (None for removed lines) and whether it is flagged.
    """
    change = finding.introduced_in.file_changes.filter(path=finding.path).first()
    if change is None or not change.patch:
        return None
    for hunk in _hunks(change.patch):
        numbers = [row["number"] for row in hunk if row["number"] is not None]
        if numbers and min(numbers) <= finding.line <= max(numbers):
            for row in hunk:
                row["flagged"] = (
                    row["number"] is not None and finding.line <= row["number"] <= finding.end_line
                )
            return hunk
    return None


def _hunks(patch: str) -> list[list[dict]]:
    hunks: list[list[dict]] = []
    number = 0
    for text in patch.splitlines():
        if text.startswith("@@"):
            try:
                number = int(text.split("+", 1)[1].split(" ", 1)[0].split(",")[0])
            except (IndexError, ValueError):
                number = 0
            hunks.append([{"kind": "header", "text": text, "number": None}])
        elif not hunks:
            continue
        elif text.startswith("+"):
            hunks[-1].append({"kind": "added", "text": text[1:], "number": number})
            number += 1
        elif text.startswith("-"):
            hunks[-1].append({"kind": "removed", "text": text[1:], "number": None})
        elif text.startswith(" "):
            hunks[-1].append({"kind": "context", "text": text[1:], "number": number})
            number += 1
    return hunks
