"""Read-only queries for views, always scoped to what the user may see."""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from dashboard.highlight import highlight_lines
from dashboard.models import (
    SEVERITY_ORDER,
    Branch,
    BranchFinding,
    Change,
    Commit,
    Finding,
    FindingCount,
    FindingEvent,
    HistoryRewrite,
    OpenFindingCount,
    PullRequest,
    PullRequestFinding,
    Repository,
    SkippedFile,
    Team,
)
from reviewer.rules import all_rules

HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)")

def teams_of(user: AbstractBaseUser) -> QuerySet[Team]:
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user)


def visible_repositories(user: AbstractBaseUser) -> QuerySet[Repository]:
    if user.is_superuser:
        return Repository.objects.all()
    return Repository.objects.filter(team__memberships__user=user)


def visible_repository_ids(user: AbstractBaseUser) -> list[int]:
    """The user's repositories as ids: filtering a million findings by a list of ids lets
    the database walk an index in the page's order, where a join would not."""
    return list(visible_repositories(user).values_list("pk", flat=True))


def visible_findings(user: AbstractBaseUser) -> QuerySet[Finding]:
    return Finding.objects.filter(repository_id__in=visible_repository_ids(user))


def counted(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    """What counts and charts include by default: not false positives, not suppressed."""
    return findings.exclude(triage="false_positive").exclude(is_suppressed=True)


@dataclass(frozen=True)
class FindingQuery:
    """What the findings explorer asks for; every field is a URL parameter."""

    severities: tuple[str, ...] = ()
    # A default-branch status, or None for any.
    status: str | None = Finding.Status.OPEN
    repository_id: int | None = None
    service: str | None = None
    category: str | None = None
    rule_id: str | None = None
    author: str | None = None
    # "untriaged", a triage state, or None for any.
    triage: str | None = None
    # A tracked branch other than the default: the findings open on it.
    branch: Branch | None = None
    introduced_from: date | None = None
    introduced_to: date | None = None
    fixed_from: date | None = None
    fixed_to: date | None = None
    text: str = ""
    include_hidden: bool = False
    sort: str = "severity"
    # Severity ranks (0 = critical) the matches lie within, when known from their counts.
    rank_range: tuple[int, int] | None = None

    @property
    def rule_ids(self) -> list[str] | None:
        if self.rule_id:
            return [self.rule_id]
        if self.category:
            return [r.id for r in all_rules() if str(r.category) == self.category]
        return None

    @property
    def countable_from_rollups(self) -> bool:
        """Whether the counts follow from the rollups' dimensions alone: no scan needed."""
        return (self.branch is None and not self.text
                and not any((self.introduced_from, self.introduced_to, self.fixed_from,
                             self.fixed_to)))


SORTS = {
    "severity": ("severity_rank", "-introduced_at", "-pk"),
    "newest": ("-introduced_at", "-pk"),
    "oldest": ("introduced_at", "pk"),
    "path": ("path", "line", "pk"),
    "rule": ("rule_id", "severity_rank", "-pk"),
}


def filter_findings(findings: QuerySet[Finding], query: FindingQuery | None = None,
                    ) -> QuerySet[Finding]:
    query = query or FindingQuery()
    if not query.include_hidden:
        findings = counted(findings)
    findings = findings.filter(**_dimensions(query))
    if query.branch is not None:
        difference = BranchFinding.objects.filter(branch=query.branch)
        fixed_there = difference.filter(change=Change.FIXED).values("finding_id")
        only_there = difference.filter(change=Change.INTRODUCED).values("finding_id")
        findings = findings.filter(
            (Q(status=Finding.Status.OPEN) & ~Q(pk__in=fixed_there)) | Q(pk__in=only_there))
    elif query.status:
        findings = findings.filter(status=query.status)
    if query.triage is not None:
        findings = findings.filter(triage="" if query.triage == "untriaged" else query.triage)
    # Whole days in the site's time zone, as instants, so the indexes on the dates apply.
    if query.introduced_from:
        findings = findings.filter(introduced_at__gte=_day_start(query.introduced_from))
    if query.introduced_to:
        findings = findings.filter(introduced_at__lt=_day_start(query.introduced_to, 1))
    if query.fixed_from:
        findings = findings.filter(fixed_in__committed_at__gte=_day_start(query.fixed_from))
    if query.fixed_to:
        findings = findings.filter(fixed_in__committed_at__lt=_day_start(query.fixed_to, 1))
    if query.text:
        findings = findings.filter(Q(path__icontains=query.text)
                                   | Q(message__icontains=query.text)
                                   | Q(rule_id__icontains=query.text))
    if query.severities:
        # By rank: the column the explorer's indexes start with after the status.
        findings = findings.filter(
            severity_rank__in=[SEVERITY_ORDER.index(s) for s in query.severities])
    if query.rank_range:
        findings = findings.filter(severity_rank__range=query.rank_range)
    return (
        findings.select_related("repository", "introduced_in")
        .order_by(*SORTS.get(query.sort, SORTS["severity"]))
    )


def _day_start(day: date, days_later: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=days_later), time.min))


def _dimensions(query: FindingQuery) -> dict:
    """The filters findings and the rollups share, as lookups on either."""
    lookups = {
        "repository_id": query.repository_id,
        "service": query.service,
        "rule_id__in": query.rule_ids,
        "author_email": query.author,
    }
    return {lookup: value for lookup, value in lookups.items() if value is not None}


# Free text can match much of the table: past this many matches the explorer says "more
# than" instead of reading every match to count it.
TEXT_COUNT_CAP = 1000


@dataclass(frozen=True)
class MatchCount:
    by_severity: dict[str, int]
    # False when a text search matched more than TEXT_COUNT_CAP: counting stopped there.
    exact: bool = True

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


def count_matches(findings: QuerySet[Finding], query: FindingQuery,
                  repository_ids: list[int]) -> MatchCount:
    """How many findings the query matches per severity: from the rollups when the query
    only uses their dimensions, else over the filtered findings (free text: up to
    TEXT_COUNT_CAP of them)."""
    if query.text:
        severities = list(filter_findings(findings, query).order_by()
                          .values_list("severity", flat=True)[:TEXT_COUNT_CAP + 1])
        exact = len(severities) <= TEXT_COUNT_CAP
        counts = Counter(severities[:TEXT_COUNT_CAP])
        return MatchCount({s: counts.get(s, 0) for s in SEVERITY_ORDER}, exact)
    return MatchCount(count_by_severity(findings, query, repository_ids))


@contextmanager
def ordered_scan():
    """Have PostgreSQL read a page of a common free-text match by walking the index in the
    page's order, stopping after the page, instead of collecting and sorting every match
    (which its row estimates for text patterns would pick). Elsewhere a no-op."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_bitmapscan = off")
        yield


def count_by_severity(findings: QuerySet[Finding], query: FindingQuery,
                      repository_ids: list[int]) -> dict[str, int]:
    """How many findings the query matches per severity: from the rollups when the query
    only uses their dimensions, else one GROUP BY over the filtered findings."""
    counts = None
    if query.countable_from_rollups:
        dimensions = {"repository_id__in": repository_ids, **_dimensions(query)}
        if query.severities:
            dimensions["severity__in"] = query.severities
        if not query.include_hidden:
            dimensions["hidden"] = False
        if query.author is None:
            rows = FindingCount.objects.filter(**dimensions)
            if query.status:
                rows = rows.filter(status=query.status)
            if query.triage is not None:
                rows = rows.filter(triage="" if query.triage == "untriaged" else query.triage)
            counts = dict(rows.values_list("severity").annotate(n=Sum("findings")))
        elif query.status == Finding.Status.OPEN and query.triage is None:
            counts = dict(OpenFindingCount.objects.filter(**dimensions)
                          .values_list("severity").annotate(n=Sum("open")))
    if counts is None:
        counts = dict(filter_findings(findings, query).order_by().values_list("severity")
                      .annotate(n=Count("pk")))
    return {s: counts.get(s) or 0 for s in SEVERITY_ORDER}


def identities_of(user: AbstractBaseUser) -> list[str]:
    """The user's commit e-mails: their account's address and those they added."""
    emails = list(user.commit_identities.order_by("email").values_list("email", flat=True))
    if user.email and user.email not in emails:
        emails.insert(0, user.email)
    return emails


def authored_findings(repository_ids: list[int], emails: list[str]) -> QuerySet[Finding]:
    return filter_findings(
        Finding.objects.filter(repository_id__in=repository_ids, author_email__in=emails),
        FindingQuery(sort="severity"),
    )


def authored_counts(repository_ids: list[int], emails: list[str]) -> list[dict]:
    """Open findings of these authors per severity (false positives and suppressed left
    out)."""
    counts = dict(OpenFindingCount.objects.filter(
        repository_id__in=repository_ids, author_email__in=emails, hidden=False)
        .values_list("severity").annotate(n=Sum("open")))
    return [{"severity": s, "count": counts.get(s) or 0} for s in SEVERITY_ORDER]


def authored_pull_requests(repository_ids: list[int], emails: list[str]
                           ) -> QuerySet[PullRequest]:
    return (PullRequest.objects.filter(repository_id__in=repository_ids,
                                       author_email__in=emails)
            .select_related("repository").order_by("-opened_at", "-pk"))


def latest_critical_findings(repository_ids: list[int], include_hidden: bool = False,
                             limit: int = 10, service: str | None = None,
                             rule_id: str | None = None) -> QuerySet[Finding]:
    findings = Finding.objects.filter(repository_id__in=repository_ids,
                                      status=Finding.Status.OPEN,
                                      severity_rank=SEVERITY_ORDER.index("critical"))
    if service is not None:
        findings = findings.filter(service=service)
    if rule_id is not None:
        findings = findings.filter(rule_id=rule_id)
    if not include_hidden:
        findings = counted(findings)
    return findings.select_related("repository").order_by("-introduced_at", "-pk")[:limit]


def triage_outcomes(repository_ids: list[int], rule_id: str) -> dict:
    """How the rule's findings were triaged, and its false-positive rate among them."""
    counts = dict(FindingCount.objects.filter(repository_id__in=repository_ids, rule_id=rule_id)
                  .exclude(triage="").values_list("triage").annotate(n=Sum("findings")))
    triaged = sum(counts.values())
    false_positives = counts.get("false_positive", 0)
    return {"triaged": triaged, "false_positives": false_positives,
            "wont_fix": counts.get("wont_fix", 0),
            "accepted_risk": counts.get("accepted_risk", 0),
            "false_positive_rate": round(100 * false_positives / triaged) if triaged else None}


def repositories_of_service(repository_ids: list[int], service: str) -> list[Repository]:
    """The repositories with findings in the service (any status: its history counts)."""
    ids = set(FindingCount.objects.filter(repository_id__in=repository_ids, service=service)
              .values_list("repository_id", flat=True).distinct())
    return list(Repository.objects.filter(pk__in=ids).order_by("name"))


def service_events(repository_ids: list[int], service: str, limit: int = 25
                   ) -> QuerySet[FindingEvent]:
    """The service's latest default-branch history: what came in, what was fixed."""
    return (FindingEvent.objects.filter(finding__repository_id__in=repository_ids,
                                        finding__service=service,
                                        commit__mainline_seq__isnull=False)
            .select_related("finding", "commit", "finding__repository")
            .order_by("-commit__committed_at", "-pk")[:limit])


def skipped_files(repositories: list[Repository], limit: int = 50) -> QuerySet[SkippedFile]:
    """Files the engine could not analyze in these repositories, latest commits first."""
    return (SkippedFile.objects.filter(commit__repository__in=repositories)
            .select_related("commit", "commit__repository")
            .order_by("-commit__committed_at", "path")[:limit])


def reviews_in_progress(repository_ids: list[int]) -> QuerySet[Repository]:
    return Repository.objects.filter(pk__in=repository_ids,
        status__in=[Repository.Status.QUEUED, *Repository.RUNNING]).order_by("name")


def repositories_with_open_counts(user: AbstractBaseUser) -> list[Repository]:
    """The user's repositories by name, each with `open_findings` (counted ones only)."""
    repositories = list(visible_repositories(user).select_related("team").order_by("name"))
    counts = dict(FindingCount.objects.filter(
        repository_id__in=[r.pk for r in repositories], status=Finding.Status.OPEN,
        hidden=False).values_list("repository_id").annotate(n=Sum("findings")))
    for repository in repositories:
        repository.open_findings = counts.get(repository.pk) or 0
    return repositories


def recent_commits(repository: Repository, limit: int = 30) -> QuerySet[Commit]:
    return repository.commits.filter(reviewed_at__isnull=False).order_by("-committed_at")[:limit]


def pull_requests(repository: Repository, limit: int = 50) -> QuerySet[PullRequest]:
    """Open ones first, then the most recently merged or closed."""
    return repository.pull_requests.annotate(
        open_first=Case(When(state=PullRequest.State.OPEN, then=Value(0)), default=Value(1),
                        output_field=IntegerField()),
    ).order_by("open_first", "-merged_at", "-opened_at", "-pk")[:limit]


def visible_pull_requests(user: AbstractBaseUser) -> QuerySet[PullRequest]:
    return PullRequest.objects.filter(repository__in=visible_repositories(user))


def pull_request_findings(pull: PullRequest) -> dict[str, list[PullRequestFinding]]:
    """Its introduced and fixed findings, most severe first."""
    rows = (pull.changes.select_related("finding", "commit")
            .order_by("finding__severity_rank", "finding__path", "finding__line"))
    grouped: dict[str, list[PullRequestFinding]] = {Change.INTRODUCED: [], Change.FIXED: []}
    for row in rows:
        grouped[row.change].append(row)
    return grouped


def branches(repository: Repository) -> QuerySet[Branch]:
    """Live branches, tracked first, with how their findings differ from the default's."""
    return (
        repository.branches.filter(deleted_at__isnull=True)
        .annotate(
            introduced=Count("differences", filter=Q(differences__change=Change.INTRODUCED)),
            fixed=Count("differences", filter=Q(differences__change=Change.FIXED)),
        )
        .order_by("-is_default", "-is_tracked", "name")
    )


def tracked_branches(repository_ids: list[int]) -> QuerySet[Branch]:
    """Branches the explorer can show open findings for (tracked, not the default)."""
    return (Branch.objects.filter(repository_id__in=repository_ids, is_tracked=True,
                                  is_default=False, deleted_at__isnull=True)
            .select_related("repository").order_by("repository__name", "name"))


def history_rewrites(repository: Repository, limit: int = 20) -> QuerySet[HistoryRewrite]:
    return repository.history_rewrites.all()[:limit]


def commits_present(finding: Finding) -> int | None:
    """In how many default-branch commits the finding was there (to its fix, or to now)."""
    start = finding.introduced_in.mainline_seq
    if finding.status not in (Finding.Status.OPEN, Finding.Status.FIXED) or start is None:
        return None
    if finding.fixed_in_id and finding.fixed_in.mainline_seq:
        return finding.fixed_in.mainline_seq - start
    last = (Commit.objects.filter(repository_id=finding.repository_id)
            .order_by("-mainline_seq").values_list("mainline_seq", flat=True).first())
    return (last or start) - start + 1


def finding_history(finding: Finding) -> QuerySet[FindingEvent]:
    """What happened to the finding, commit by commit, oldest first."""
    # Within one instant, what a branch did comes before the merge that brought it in.
    kind_order = Case(*[When(kind=k, then=Value(i)) for i, k in enumerate(
        ["introduced", "moved", "merged", "fixed", "reopened"])], default=Value(9),
        output_field=IntegerField())
    return (finding.events.select_related("commit")
            .order_by("commit__committed_at", kind_order, "pk"))


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
            return highlighted(finding.path, hunk)
    return None


def _hunks(patch: str) -> list[list[dict]]:
    """A unified diff as hunks of rows: kind (header, added, removed, context), text, and
    the line's number in the new file (`number`) and in the old one (`old`)."""
    hunks: list[list[dict]] = []
    number = old = 0
    for text in patch.splitlines():
        if text.startswith("@@"):
            match = HUNK_HEADER.match(text)
            old, number = (int(match[1]), int(match[2])) if match else (0, 0)
            hunks.append([{"kind": "header", "text": text, "number": None, "old": None}])
        elif not hunks:
            continue
        elif text.startswith("+"):
            hunks[-1].append({"kind": "added", "text": text[1:], "number": number, "old": None})
            number += 1
        elif text.startswith("-"):
            hunks[-1].append({"kind": "removed", "text": text[1:], "number": None, "old": old})
            old += 1
        elif text.startswith(" "):
            hunks[-1].append({"kind": "context", "text": text[1:], "number": number,
                              "old": old})
            number += 1
            old += 1
    return hunks


def highlighted(path: str, rows: list[dict]) -> list[dict]:
    """The rows with their code highlighted (headers stay plain)."""
    code = [row for row in rows if row["kind"] != "header"]
    for row, html in zip(code, highlight_lines(path, [r["text"] for r in code]), strict=True):
        row["html"] = html
    return rows


def _same_code(line: str, code: str) -> bool:
    flat = " ".join(line.split())
    first = " ".join(code.split("\n", 1)[0].split())
    return bool(flat) and (flat == first or (len(flat) > 12 and flat in first)
                           or (len(first) > 12 and first in flat))


def commit_diff(commit: Commit) -> list[dict]:
    """Each changed file of the commit with its hunks, and the findings the commit
    introduced or fixed placed at their lines (found by their code, so later edits that
    moved them do not matter; at the top of the file when not found)."""
    events = list(commit.finding_events.filter(
        kind__in=["introduced", "merged", "reopened", "fixed", "moved"])
        .select_related("finding"))
    files = []
    for change in commit.file_changes.order_by("path"):
        hunks = [highlighted(change.path, hunk) for hunk in _hunks(change.patch)]
        rows = [row for hunk in hunks for row in hunk]
        loose = []
        for event in events:
            finding = event.finding
            paths = {change.path, change.old_path} - {""}
            fixed = event.kind == "fixed"
            if finding.path not in paths and event.detail.get("to", "").rsplit(":", 1)[0] \
                    not in paths:
                continue
            side = "removed" if fixed else "added"
            anchor = next((row for row in rows if row["kind"] == side
                           and _same_code(row["text"], finding.code)), None)
            if anchor is None and not fixed:
                anchor = next((row for row in rows if row["kind"] == "added"
                               and row["number"] == finding.line), None)
            if anchor is None:
                loose.append(event)
            else:
                anchor.setdefault("events", []).append(event)
        files.append({"change": change, "hunks": hunks, "loose": loose})
    return files
