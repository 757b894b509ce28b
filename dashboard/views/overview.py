from django.shortcuts import render
from django.utils import timezone

from dashboard import aggregations, selectors
from dashboard.models import SEVERITY_ORDER


def overview(request):
    """What a tech lead opens every morning: totals, the weekly flow, rules, services."""
    repository_ids = selectors.visible_repository_ids(request.user)
    include_hidden = request.GET.get("hidden") == "1"
    scope = aggregations.Scope(repository_ids, include_hidden=include_hidden)
    today = timezone.now().date()
    by_severity = aggregations.severity_summary(scope, today)
    flow = aggregations.weekly_flow(scope, today)
    services = aggregations.service_table(scope, today)
    context = {
        "has_repositories": bool(repository_ids),
        "include_hidden": include_hidden,
        "by_severity": by_severity,
        "open_total": sum(row["count"] for row in by_severity),
        "flow": flow,
        "flow_rows": [
            {"week": week, "new": [flow["new"][s][i] for s in SEVERITY_ORDER],
             "fixed": [flow["fixed"][s][i] for s in SEVERITY_ORDER]}
            for i, week in enumerate(flow["weeks"])
        ],
        "severities": SEVERITY_ORDER,
        "top_rules": aggregations.top_rules(scope),
        "services": services,
        "sparklines": {row["service"]: row["trend"] for row in services},
        "criticals": selectors.latest_critical_findings(repository_ids, include_hidden),
        "activity": selectors.reviews_in_progress(repository_ids),
    }
    return render(request, "overview.html", context)
