from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from dashboard import selectors
from dashboard.forms import FindingFilterForm
from reviewer.rules import rule_by_id

PAGE_SIZE = 50


def finding_list(request):
    repositories = selectors.visible_repositories(request.user).order_by("name")
    form = FindingFilterForm(request.GET, repositories=repositories)
    findings = selectors.visible_findings(request.user)
    if form.is_valid():
        findings = selectors.filter_findings(
            findings,
            severities=form.severities(),
            status=form.status_filter(),
            repository_id=form.cleaned_data.get("repository"),
            rule_id=form.cleaned_data.get("rule") or None,
        )
    else:
        findings = selectors.filter_findings(findings)
    page = Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    # A history-restore request (back button after a cache miss) needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "findings/list.html#results" if partial else "findings/list.html"
    return render(request, template, context)


def finding_detail(request, pk: int):
    finding = get_object_or_404(
        selectors.visible_findings(request.user).select_related(
            "repository", "introduced_in", "fixed_in"
        ),
        pk=pk,
    )
    context = {
        "finding": finding,
        "rule": rule_by_id(finding.rule_id),
        "hunk": selectors.introducing_hunk(finding),
    }
    return render(request, "findings/detail.html", context)
