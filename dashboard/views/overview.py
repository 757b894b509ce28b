from django.shortcuts import render

from dashboard import selectors


def overview(request):
    findings = selectors.visible_findings(request.user)
    by_severity = selectors.open_findings_by_severity(findings)
    context = {
        "by_severity": by_severity,
        "open_total": sum(row["count"] for row in by_severity),
        "chart": {
            "x": [row["severity"].title() for row in by_severity],
            "y": [row["count"] for row in by_severity],
            "severity": [row["severity"] for row in by_severity],
        },
        "repositories": selectors.repositories_with_open_counts(request.user),
        "latest": selectors.filter_findings(findings)[:10],
    }
    return render(request, "overview.html", context)
