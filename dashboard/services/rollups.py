"""Keep the rollup tables equal to what the findings and their default-branch events say.

Two kinds of rollup:
- counts of findings now (FindingCount by status and triage, OpenFindingCount by author);
- activity, findings opened and fixed on the default branch, at the finest grain in
  FindingActivity (day x repository x service x rule x severity x author) and per week in
  two coarser copies the pages read (RuleActivity, ServiceActivity).

Each finding contributes to them as a pure function of its current fields and its events
on default-branch commits. A change to some findings is applied as the difference of
their contributions before and after it (`track`), so any change (a new commit, a triage,
a move into another service, a rewound force-push) keeps the tables exact. `rebuild`
recomputes a repository's rollups from scratch, for backfills and as the tests' oracle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from django.apps import apps as live_apps
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import TruncDate

OPEN = "open"
OPENING = ("introduced", "merged", "reopened")
def hidden(via: str = "") -> Case:
    """Left out of counts and charts unless asked: false positives, suppressed in code
    (of the finding `via` a relation, e.g. "finding__")."""
    return Case(When(Q(**{f"{via}triage": "false_positive"}) | Q(**{f"{via}is_suppressed": True}),
                     then=Value(True)), default=Value(False))
ACTIVITY_FIELDS = ("repository_id", "service", "rule_id", "severity", "author_email", "hidden")


def week_of(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Stock:
    """A count of findings by `fields` (of those `only_open`, or all), in `column`."""

    model: str
    fields: tuple[str, ...]
    column: str
    only_open: bool


@dataclass(frozen=True)
class Flow:
    """Findings opened ("new") and fixed per period by `fields` (ACTIVITY_FIELDS or fewer)."""

    model: str
    period: str  # "day" or "week"
    fields: tuple[str, ...]

    def key(self, day: date, activity: dict) -> dict:
        start = day if self.period == "day" else week_of(day)
        return {self.period: start, **{f: activity[f] for f in self.fields}}


STOCKS = (
    Stock("FindingCount", ("repository_id", "service", "rule_id", "severity", "status",
                           "triage", "hidden"), "findings", only_open=False),
    Stock("OpenFindingCount", ("repository_id", "service", "rule_id", "severity",
                               "author_email", "hidden"), "open", only_open=True),
)
FLOWS = (
    Flow("FindingActivity", "day", ACTIVITY_FIELDS),
    Flow("RuleActivity", "week", ("repository_id", "service", "rule_id", "severity", "hidden")),
    Flow("ServiceActivity", "week", ("repository_id", "service", "severity", "hidden")),
)
# Every finding field a rollup is keyed by (the activity's are among them).
FINDING_FIELDS = tuple(dict.fromkeys(f for stock in STOCKS for f in stock.fields))
assert set(ACTIVITY_FIELDS) <= set(FINDING_FIELDS)


def _frozen(row: dict) -> tuple:
    return tuple(sorted(row.items()))


def contributions(finding_ids: Iterable[int]) -> Counter:
    """What these findings add to each rollup: (model, frozen key, column) -> amount."""
    from dashboard.models import Finding, FindingEvent

    ids = list(set(finding_ids))
    result: Counter = Counter()
    if not ids:
        return result
    rows: dict[int, dict] = {}
    for row in (Finding.objects.filter(pk__in=ids).annotate(hidden=hidden())
                .values("pk", *FINDING_FIELDS)):
        rows[row["pk"]] = row
        for stock in STOCKS:
            if row["status"] == OPEN or not stock.only_open:
                key = {f: row[f] for f in stock.fields}
                result[(stock.model, _frozen(key), stock.column)] += 1
    for finding_id, kind, when in (
        FindingEvent.objects.filter(finding_id__in=ids, commit__mainline_seq__isnull=False,
                                    kind__in=(*OPENING, "fixed"))
        .values_list("finding_id", "kind", "commit__committed_at")
    ):
        column = "fixed" if kind == "fixed" else "new"
        day = when.astimezone(UTC).date()
        for flow in FLOWS:
            result[(flow.model, _frozen(flow.key(day, rows[finding_id])), column)] += 1
    return result


@contextmanager
def track(finding_ids: Iterable[int]) -> Iterator[set[int]]:
    """Apply to the rollups what the enclosed block changes in these findings. Ids of
    findings the block creates can be added to the yielded set."""
    ids = set(finding_ids)
    before = contributions(ids)
    yield ids
    change = contributions(ids)
    change.subtract(before)
    apply(change)


def apply(change: Counter) -> None:
    # In a fixed order, so concurrent writers lock rollup rows in the same order.
    for (model, key, column), delta in sorted(change.items()):
        if delta:
            _increment(live_apps.get_model("dashboard", model), dict(key), column, delta)


def _increment(model, keys: dict, column: str, delta: int) -> None:
    update = {column: F(column) + delta}
    if model.objects.filter(**keys).update(**update):
        return
    try:
        with transaction.atomic():
            model.objects.create(**keys, **{column: delta})
    except IntegrityError:  # created meanwhile by another writer
        model.objects.filter(**keys).update(**update)


def rebuild(repository_id: int, apps=live_apps) -> None:
    """Recompute the rollups of a repository from its findings and events. `apps` is the
    app registry to take the models from (a migration passes its own)."""
    def model(name: str):
        return apps.get_model("dashboard", name)

    findings = model("Finding").objects.filter(repository_id=repository_id).annotate(
        hidden=hidden())
    stocks = []
    for stock in STOCKS:
        rows = findings.filter(status=OPEN) if stock.only_open else findings
        stocks.append((stock, rows.values(*stock.fields).annotate(n=Count("pk"))))
    daily = (model("FindingEvent").objects
             .filter(finding__repository_id=repository_id, commit__mainline_seq__isnull=False)
             .annotate(day=TruncDate("commit__committed_at", tzinfo=UTC),
                       hidden=hidden("finding__"),
                       **{f: F(f"finding__{f}") for f in ACTIVITY_FIELDS if f != "hidden"})
             .values("day", *ACTIVITY_FIELDS)
             .annotate(new=Count("pk", filter=Q(kind__in=OPENING)),
                       fixed=Count("pk", filter=Q(kind="fixed"))))
    flows: dict[str, dict[tuple, dict]] = {flow.model: {} for flow in FLOWS}
    for row in daily:
        for flow in FLOWS:
            columns = flows[flow.model].setdefault(_frozen(flow.key(row["day"], row)),
                                                   {"new": 0, "fixed": 0})
            columns["new"] += row["new"]
            columns["fixed"] += row["fixed"]
    with transaction.atomic():
        for name in [stock.model for stock in STOCKS] + [flow.model for flow in FLOWS]:
            model(name).objects.filter(repository_id=repository_id).delete()
        for stock, rows in stocks:
            model(stock.model).objects.bulk_create(
                [model(stock.model)(**{stock.column: row.pop("n")}, **row) for row in rows],
                batch_size=5000)
        for flow in FLOWS:
            model(flow.model).objects.bulk_create(
                [model(flow.model)(**dict(key), **columns)
                 for key, columns in flows[flow.model].items()
                 if columns["new"] or columns["fixed"]], batch_size=5000)
