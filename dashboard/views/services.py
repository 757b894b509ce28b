from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from dashboard import aggregations, selectors


def service_detail(request, name: str):
    """One service across the user's repositories: trend, top rules, open criticals,
    recent history, and the repositories it lives in with their review status."""
    repository_ids = selectors.visible_repository_ids(request.user)
    include_hidden = request.GET.get("hidden") == "1"
    scope = aggregations.Scope(repository_ids, include_hidden=include_hidden, service=name)
    homes = selectors.repositories_of_service(repository_ids, name)
    if not homes:
        raise Http404("No such service in your repositories.")
    today = timezone.now().date()
    by_severity = aggregations.severity_summary(scope, today)
    context = {
        "service": name,
        "include_hidden": include_hidden,
        "by_severity": by_severity,
        "open_total": sum(row["count"] for row in by_severity),
        "trend": aggregations.weekly_totals(scope, today),
        "top_rules": aggregations.top_rules(scope),
        "authors": aggregations.open_by(scope, "author_email", limit=10),
        "criticals": selectors.latest_critical_findings(repository_ids, include_hidden,
                                                        service=name),
        "events": selectors.service_events(repository_ids, name),
        "repositories": homes,
        "skipped": selectors.skipped_files(homes),
    }
    return render(request, "services/detail.html", context)
