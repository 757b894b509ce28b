"""Keep the rollup tables (FindingActivity, OpenFindingCount) equal to what the findings
and their default-branch events say.

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
from datetime import UTC

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import TruncDate

from dashboard.models import Finding, FindingActivity, FindingEvent, OpenFindingCount

OPENING = ("introduced", "merged", "reopened")
# (repository_id, service, rule_id, severity, author_email, hidden)
Dims = tuple[int, str, str, str, str, bool]
DIM_FIELDS = ("repository_id", "service", "rule_id", "severity", "author_email", "hidden")
HIDDEN = Case(When(Q(triage="false_positive") | Q(is_suppressed=True), then=Value(True)),
              default=Value(False))


def contributions(finding_ids: Iterable[int]) -> tuple[Counter, Counter]:
    """(open counts by dims, activity by (day, dims, "new"|"fixed")) of these findings."""
    ids = list(set(finding_ids))
    stock: Counter = Counter()
    flows: Counter = Counter()
    if not ids:
        return stock, flows
    dims: dict[int, Dims] = {}
    for row in (Finding.objects.filter(pk__in=ids).annotate(hidden=HIDDEN)
                .values_list("pk", "status", *DIM_FIELDS)):
        pk, status, *rest = row
        dims[pk] = tuple(rest)
        if status == Finding.Status.OPEN:
            stock[dims[pk]] += 1
    for finding_id, kind, when in (
        FindingEvent.objects.filter(finding_id__in=ids, commit__mainline_seq__isnull=False,
                                    kind__in=(*OPENING, "fixed"))
        .values_list("finding_id", "kind", "commit__committed_at")
    ):
        column = "fixed" if kind == "fixed" else "new"
        flows[(when.astimezone(UTC).date(), dims[finding_id], column)] += 1
    return stock, flows


@contextmanager
def track(finding_ids: Iterable[int]) -> Iterator[set[int]]:
    """Apply to the rollups what the enclosed block changes in these findings. Ids of
    findings the block creates can be added to the yielded set."""
    ids = set(finding_ids)
    stock_before, flows_before = contributions(ids)
    yield ids
    stock_after, flows_after = contributions(ids)
    stock_after.subtract(stock_before)
    flows_after.subtract(flows_before)
    apply(stock_after, flows_after)


def apply(stock: Counter, flows: Counter) -> None:
    for key, delta in stock.items():
        if delta:
            _increment(OpenFindingCount, dict(zip(DIM_FIELDS, key, strict=True)), open=delta)
    for (day, key, column), delta in flows.items():
        if delta:
            _increment(FindingActivity, {"day": day, **dict(zip(DIM_FIELDS, key, strict=True))},
                       **{column: delta})


def _increment(model, keys: dict, **deltas: int) -> None:
    updates = {name: F(name) + delta for name, delta in deltas.items()}
    if model.objects.filter(**keys).update(**updates):
        return
    try:
        with transaction.atomic():
            model.objects.create(**keys, **deltas)
    except IntegrityError:  # created meanwhile by another writer
        model.objects.filter(**keys).update(**updates)


def rebuild(repository_id: int) -> None:
    """Recompute both rollups of a repository from its findings and events."""
    findings = Finding.objects.filter(repository_id=repository_id)
    stock = (findings.filter(status=Finding.Status.OPEN).annotate(hidden=HIDDEN)
             .values(*DIM_FIELDS).annotate(n=Count("pk")))
    events = (FindingEvent.objects.filter(finding__repository_id=repository_id,
                                          commit__mainline_seq__isnull=False)
              .annotate(day=TruncDate("commit__committed_at", tzinfo=UTC),
                        hidden=Case(When(Q(finding__triage="false_positive")
                                         | Q(finding__is_suppressed=True), then=Value(True)),
                                    default=Value(False)),
                        **{f: F(f"finding__{f}") for f in DIM_FIELDS if f != "hidden"})
              .values("day", *DIM_FIELDS)
              .annotate(new=Count("pk", filter=Q(kind__in=OPENING)),
                        fixed=Count("pk", filter=Q(kind="fixed"))))
    with transaction.atomic():
        OpenFindingCount.objects.filter(repository_id=repository_id).delete()
        FindingActivity.objects.filter(repository_id=repository_id).delete()
        OpenFindingCount.objects.bulk_create(
            [OpenFindingCount(open=row.pop("n"), **row) for row in stock], batch_size=5000)
        FindingActivity.objects.bulk_create(
            [FindingActivity(**row) for row in events if row["new"] or row["fixed"]],
            batch_size=5000)
