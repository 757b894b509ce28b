from django.http import Http404
from django.shortcuts import render

from dashboard import selectors
from reviewer.rules import all_rules, rule_by_id


def rule_list(request):
    counts = selectors.open_findings_by_rule(selectors.visible_findings(request.user))
    rules = [{"rule": rule, "open": counts.get(rule.id, 0)} for rule in all_rules()]
    return render(request, "rules/list.html", {"rules": rules})


def rule_detail(request, rule_id: str):
    rule = rule_by_id(rule_id)
    if rule is None:
        raise Http404("No such rule")
    findings = selectors.visible_findings(request.user)
    context = {
        "rule": rule,
        "open": selectors.open_findings_by_rule(findings.filter(rule_id=rule.id)).get(rule.id, 0),
        "latest": selectors.filter_findings(findings.filter(rule_id=rule.id))[:20],
    }
    return render(request, "rules/detail.html", context)
