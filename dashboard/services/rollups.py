"""Keep the rollup tables (FindingCount, OpenFindingCount, FindingActivity,
ServiceActivity) equal to what the findings and their default-branch events say.

Each finding contributes to the rollups as a pure function of its current fields and its
events on default-branch commits. A change to some findings is applied as the difference
of their contributions before and after it (`track`), so any change (a new commit, a
triage, a move into another service, a rewound force-push) keeps the tables exact.
`rebuild` recomputes them from scratch, for backfills and as the tests' oracle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

from django.apps import apps as live_apps
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import TruncDate

from dashboard.models import Finding

OPENING = ("introduced", "merged", "reopened")
HIDDEN = Case(When(Q(triage="false_positive") | Q(is_suppressed=True), then=Value(True)),
              default=Value(False))
# What each rollup counts a finding by.
COUNT_FIELDS = ("repository_id", "service", "rule_id", "severity", "status", "triage",
                "hidden")
OPEN_FIELDS = ("repository_id", "service", "rule_id", "severity", "author_email", "hidden")
ACTIVITY_FIELDS = ("repository_id", "service", "rule_id", "severity", "hidden")
SERVICE_ACTIVITY_FIELDS = ("repository_id", "service", "severity", "hidden")
FINDING_FIELDS = tuple(dict.fromkeys(COUNT_FIELDS + OPEN_FIELDS))


def week_of(day: date) -> date:
    """The Monday of the day's week: activity is kept per week."""
    return day - timedelta(days=day.weekday())


@dataclass
class Contributions:
    counts: Counter = field(default_factory=Counter)  # COUNT_FIELDS -> findings
    open: Counter = field(default_factory=Counter)  # OPEN_FIELDS -> open findings
    flows: Counter = field(default_factory=Counter)  # (week, ACTIVITY_FIELDS, column) -> n

    def subtract(self, other: Contributions) -> Contributions:
        for mine, theirs in ((self.counts, other.counts), (self.open, other.open),
                             (self.flows, other.flows)):
            mine.subtract(theirs)
        return self


def contributions(finding_ids: Iterable[int]) -> Contributions:
    """What these findings add to each rollup."""
    from dashboard.models import FindingEvent

    ids = list(set(finding_ids))
    result = Contributions()
    if not ids:
        return result
    rows: dict[int, dict] = {}
    for row in (Finding.objects.filter(pk__in=ids).annotate(hidden=HIDDEN)
                .values("pk", *FINDING_FIELDS)):
        rows[row["pk"]] = row
        result.counts[tuple(row[f] for f in COUNT_FIELDS)] += 1
        if row["status"] == Finding.Status.OPEN:
            result.open[tuple(row[f] for f in OPEN_FIELDS)] += 1
    for finding_id, kind, when in (
        FindingEvent.objects.filter(finding_id__in=ids, commit__mainline_seq__isnull=False,
                                    kind__in=(*OPENING, "fixed"))
        .values_list("finding_id", "kind", "commit__committed_at")
    ):
        column = "fixed" if kind == "fixed" else "new"
        dims = tuple(rows[finding_id][f] for f in ACTIVITY_FIELDS)
        result.flows[(week_of(when.astimezone(UTC).date()), dims, column)] += 1
    return result


@contextmanager
def track(finding_ids: Iterable[int]) -> Iterator[set[int]]:
    """Apply to the rollups what the enclosed block changes in these findings. Ids of
    findings the block creates can be added to the yielded set."""
    ids = set(finding_ids)
    before = contributions(ids)
    yield ids
    apply(contributions(ids).subtract(before))


def apply(change: Contributions) -> None:
    from dashboard.models import FindingActivity, FindingCount, OpenFindingCount, ServiceActivity

    for key, delta in change.counts.items():
        if delta:
            _increment(FindingCount, dict(zip(COUNT_FIELDS, key, strict=True)), findings=delta)
    for key, delta in change.open.items():
        if delta:
            _increment(OpenFindingCount, dict(zip(OPEN_FIELDS, key, strict=True)), open=delta)
    by_service: Counter = Counter()
    for (week, key, column), delta in change.flows.items():
        if delta:
            dims = dict(zip(ACTIVITY_FIELDS, key, strict=True))
            _increment(FindingActivity, {"week": week, **dims}, **{column: delta})
            by_service[(week, _service_key(dims), column)] += delta
    for (week, key, column), delta in by_service.items():
        if delta:
            _increment(ServiceActivity,
                       {"week": week, **dict(zip(SERVICE_ACTIVITY_FIELDS, key, strict=True))},
                       **{column: delta})


def _service_key(dims: dict) -> tuple:
    return tuple(dims[f] for f in SERVICE_ACTIVITY_FIELDS)


def _increment(model, keys: dict, **deltas: int) -> None:
    updates = {name: F(name) + delta for name, delta in deltas.items()}
    if model.objects.filter(**keys).update(**updates):
        return
    try:
        with transaction.atomic():
            model.objects.create(**keys, **deltas)
    except IntegrityError:  # created meanwhile by another writer
        model.objects.filter(**keys).update(**updates)


def rebuild(repository_id: int, apps=live_apps) -> None:
    """Recompute the rollups of a repository from its findings and events. `apps` is the
    app registry to take the models from (a migration passes its own)."""
    def model(name: str):
        return apps.get_model("dashboard", name)

    findings = model("Finding").objects.filter(repository_id=repository_id)
    hidden = Case(When(Q(triage="false_positive") | Q(is_suppressed=True), then=Value(True)),
                  default=Value(False))
    counts = findings.annotate(hidden=hidden).values(*COUNT_FIELDS).annotate(n=Count("pk"))
    open_counts = (findings.filter(status=Finding.Status.OPEN).annotate(hidden=hidden)
                   .values(*OPEN_FIELDS).annotate(n=Count("pk")))
    daily = (model("FindingEvent").objects
             .filter(finding__repository_id=repository_id, commit__mainline_seq__isnull=False)
             .annotate(day=TruncDate("commit__committed_at", tzinfo=UTC),
                       hidden=Case(When(Q(finding__triage="false_positive")
                                        | Q(finding__is_suppressed=True), then=Value(True)),
                                   default=Value(False)),
                       **{f: F(f"finding__{f}") for f in ACTIVITY_FIELDS if f != "hidden"})
             .values("day", *ACTIVITY_FIELDS)
             .annotate(new=Count("pk", filter=Q(kind__in=OPENING)),
                       fixed=Count("pk", filter=Q(kind="fixed"))))
    weekly: Counter = Counter()
    for row in daily:
        key = (week_of(row["day"]), *(row[f] for f in ACTIVITY_FIELDS))
        weekly[(*key, "new")] += row["new"]
        weekly[(*key, "fixed")] += row["fixed"]
    activity: dict[tuple, dict] = {}
    service_activity: dict[tuple, dict] = {}
    for (week, *key, column), n in weekly.items():
        if n:
            activity.setdefault((week, *key), {"new": 0, "fixed": 0})[column] = n
            coarse = (week, *_service_key(dict(zip(ACTIVITY_FIELDS, key, strict=True))))
            service_activity.setdefault(coarse, {"new": 0, "fixed": 0})[column] += n
    with transaction.atomic():
        for name in ("FindingCount", "OpenFindingCount", "FindingActivity", "ServiceActivity"):
            model(name).objects.filter(repository_id=repository_id).delete()
        model("FindingCount").objects.bulk_create(
            [model("FindingCount")(findings=row.pop("n"), **row) for row in counts],
            batch_size=5000)
        model("OpenFindingCount").objects.bulk_create(
            [model("OpenFindingCount")(open=row.pop("n"), **row) for row in open_counts],
            batch_size=5000)
        model("FindingActivity").objects.bulk_create(
            [model("FindingActivity")(week=key[0], **dict(zip(ACTIVITY_FIELDS, key[1:],
                                                              strict=True)), **columns)
             for key, columns in activity.items()], batch_size=5000)
        model("ServiceActivity").objects.bulk_create(
            [model("ServiceActivity")(week=key[0], **dict(zip(SERVICE_ACTIVITY_FIELDS, key[1:],
                                                              strict=True)), **columns)
             for key, columns in service_activity.items()], batch_size=5000)
