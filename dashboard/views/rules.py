from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from dashboard import aggregations, selectors
from dashboard.models import Finding
from reviewer.rules import all_rules, rule_by_id


def rule_list(request):
    scope = aggregations.Scope(selectors.visible_repository_ids(request.user))
    counts = {row["rule_id"]: row["open"]
              for row in aggregations.open_by(scope, "rule_id", limit=1000)}
    rules = [{"rule": rule, "open": counts.get(rule.id, 0)} for rule in all_rules()]
    return render(request, "rules/list.html", {"rules": rules})


def rule_detail(request, rule_id: str):
    """The rule's documentation, then how it fares here: trend, where, false positives."""
    rule = rule_by_id(rule_id)
    if rule is None:
        raise Http404("No such rule")
    repository_ids = selectors.visible_repository_ids(request.user)
    scope = aggregations.Scope(repository_ids, rule_id=rule.id)
    today = timezone.now().date()
    context = {
        "rule": rule,
        "open": sum(row["open"] for row in aggregations.open_by(scope, "rule_id")),
        "trend": aggregations.weekly_totals(scope, today),
        "by_service": aggregations.open_by(scope, "service", limit=10),
        "by_author": aggregations.open_by(scope, "author_email", limit=10),
        "triage": selectors.triage_outcomes(repository_ids, rule.id),
        "latest": selectors.filter_findings(
            Finding.objects.filter(repository_id__in=repository_ids),
            selectors.FindingQuery(rule_id=rule.id, sort="newest"))[:20],
    }
    return render(request, "rules/detail.html", context)
