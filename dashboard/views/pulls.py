from django.shortcuts import get_object_or_404, render

from dashboard import selectors
from dashboard.models import SEVERITY_ORDER


def pull_request_detail(request, pk: int):
    pull = get_object_or_404(
        selectors.visible_pull_requests(request.user).select_related("repository",
                                                                     "merge_commit"),
        pk=pk,
    )
    findings = selectors.pull_request_findings(pull)
    severities = [
        {"severity": s, "introduced": pull.introduced_by_severity.get(s, 0),
         "fixed": pull.fixed_by_severity.get(s, 0)}
        for s in SEVERITY_ORDER
    ]
    context = {
        "pull": pull,
        "introduced": findings["introduced"],
        "fixed": findings["fixed"],
        "severities": severities,
    }
    return render(request, "pulls/detail.html", context)
