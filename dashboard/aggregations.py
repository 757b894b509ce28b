"""Trends and totals for the dashboard, read from the rollup tables only: each function is
one or two GROUP BY queries whatever the number of findings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet, Sum

from dashboard.models import (
    SEVERITY_ORDER,
    Finding,
    FindingActivity,
    FindingCount,
    OpenFindingCount,
    RuleActivity,
    ServiceActivity,
)


@dataclass(frozen=True)
class Scope:
    """Which rollup rows a page reads: the user's repositories (their ids, so the rollups
    are filtered by a list, not a join), optionally narrowed."""

    repository_ids: Sequence[int]
    include_hidden: bool = False
    service: str | None = None
    rule_id: str | None = None

    def narrow(self, rows: QuerySet) -> QuerySet:
        rows = rows.filter(repository_id__in=self.repository_ids)
        if not self.include_hidden:
            rows = rows.filter(hidden=False)
        for field in ("service", "rule_id"):
            if (value := getattr(self, field)) is not None:
                rows = rows.filter(**{field: value})
        return rows

    def open(self) -> QuerySet[FindingCount]:
        return self.narrow(FindingCount.objects.filter(status=Finding.Status.OPEN))

    def open_by_author(self) -> QuerySet[OpenFindingCount]:
        return self.narrow(OpenFindingCount.objects.all())

    def activity(self, since: date | None = None) -> QuerySet[RuleActivity | ServiceActivity]:
        """Weekly new and fixed: per rule when the scope has one, else the smaller
        per-service table."""
        table = ServiceActivity if self.rule_id is None else RuleActivity
        rows = self.narrow(table.objects.all())
        return rows.filter(week__gte=since) if since else rows


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def severity_summary(scope: Scope, today: date) -> list[dict]:
    """Open findings per severity, and how that changed this week (since Monday)."""
    open_counts = dict(scope.open().values_list("severity").annotate(n=Sum("findings")))
    change = {
        severity: (new or 0) - (fixed or 0)
        for severity, new, fixed in scope.activity(since=week_start(today))
        .values_list("severity").annotate(new=Sum("new"), fixed=Sum("fixed"))
        .values_list("severity", "new", "fixed")
    }
    return [{"severity": s, "count": open_counts.get(s) or 0, "change": change.get(s, 0)}
            for s in SEVERITY_ORDER]


def weekly_flow(scope: Scope, today: date, weeks: int = 12) -> dict:
    """New and fixed per week and severity over the last `weeks` weeks (oldest first)."""
    first = week_start(today) - timedelta(weeks=weeks - 1)
    labels = [first + timedelta(weeks=i) for i in range(weeks)]
    new = {s: [0] * weeks for s in SEVERITY_ORDER}
    fixed = {s: [0] * weeks for s in SEVERITY_ORDER}
    rows = (scope.activity(since=first)
            .values_list("week", "severity").annotate(new=Sum("new"), fixed=Sum("fixed"))
            .values_list("week", "severity", "new", "fixed"))
    for week, severity, added, removed in rows:
        index = (week - first).days // 7
        if 0 <= index < weeks:
            new[severity][index] += added or 0
            fixed[severity][index] += removed or 0
    return {"weeks": [d.isoformat() for d in labels], "new": new, "fixed": fixed,
            "total_new": sum(map(sum, new.values())),
            "total_fixed": sum(map(sum, fixed.values()))}


def top_rules(scope: Scope, limit: int = 10) -> list[dict]:
    return open_by(scope, "rule_id", limit)


def open_by(scope: Scope, field: str, limit: int = 20) -> list[dict]:
    """The most frequent values of `field` among open findings, with their counts."""
    if field == "author_email":
        rows = scope.open_by_author().values(field).annotate(open=Sum("open"))
    else:
        rows = scope.open().values(field).annotate(open=Sum("findings"))
    return list(rows.filter(open__gt=0).order_by("-open", field)[:limit])


def service_table(scope: Scope, today: date, weeks: int = 8) -> list[dict]:
    """Per service: open now, new and fixed this week, and open at the end of each
    of the last `weeks` weeks (the sparkline), worked back from today's count."""
    open_now = dict(scope.open().values_list("service").annotate(n=Sum("findings")))
    first = week_start(today) - timedelta(weeks=weeks - 1)
    net: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    recent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    this_week = week_start(today)
    rows = (scope.activity(since=first).values_list("service", "week")
            .annotate(new=Sum("new"), fixed=Sum("fixed"))
            .values_list("service", "week", "new", "fixed"))
    for service, week, added, removed in rows:
        net[service][(week - first).days // 7] += (added or 0) - (removed or 0)
        if week == this_week:
            recent[service][0] += added or 0
            recent[service][1] += removed or 0
    table = []
    for service in sorted(set(open_now) | set(net), key=lambda s: (-(open_now.get(s) or 0), s)):
        trend = []
        level = open_now.get(service) or 0
        for change in reversed(net[service]):
            trend.append(level)
            level -= change
        table.append({"service": service, "open": open_now.get(service) or 0,
                      "new": recent[service][0], "fixed": recent[service][1],
                      "trend": list(reversed(trend))})
    return table


def weekly_totals(scope: Scope, today: date, weeks: int = 12) -> dict:
    """New and fixed per week, all severities together (the chart and its table rows)."""
    flow = weekly_flow(scope, today, weeks)
    new = [sum(v[i] for v in flow["new"].values()) for i in range(weeks)]
    fixed = [sum(v[i] for v in flow["fixed"].values()) for i in range(weeks)]
    return _trend(flow["weeks"], new, fixed)  # the rule, service and repository pages


def author_trend(repository_ids: Sequence[int], emails: Sequence[str], today: date,
                 weeks: int = 12) -> dict:
    """What these commit identities brought in and what was fixed of theirs, per week,
    from the daily per-author rollup (counted findings only)."""
    first = week_start(today) - timedelta(weeks=weeks - 1)
    new, fixed = [0] * weeks, [0] * weeks
    rows = (FindingActivity.objects.filter(repository_id__in=repository_ids,
                                           author_email__in=emails, hidden=False,
                                           day__gte=first)
            .values_list("day").annotate(new=Sum("new"), fixed=Sum("fixed"))
            .values_list("day", "new", "fixed"))
    for day, added, removed in rows:
        index = (day - first).days // 7
        if 0 <= index < weeks:
            new[index] += added or 0
            fixed[index] += removed or 0
    labels = [(first + timedelta(weeks=i)).isoformat() for i in range(weeks)]
    return _trend(labels, new, fixed)


def _trend(weeks: list[str], new: list[int], fixed: list[int]) -> dict:
    return {"weeks": weeks, "new": new, "fixed": fixed,
            "total": sum(new) + sum(fixed),
            "rows": [{"week": w, "new": n, "fixed": f}
                     for w, n, f in zip(weeks, new, fixed, strict=True)]}
