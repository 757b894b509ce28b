from dataclasses import replace

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from dashboard import selectors
from dashboard.forms import FindingFilterForm, TriageForm
from dashboard.models import SEVERITY_ORDER, Finding
from dashboard.services import triage
from reviewer.rules import rule_by_id

PAGE_SIZE = 50


class CountedPaginator(Paginator):
    """A paginator told its total, so no COUNT(*) runs over a million findings."""

    def __init__(self, object_list, per_page, total: int):
        super().__init__(object_list, per_page)
        self.total = total

    @cached_property
    def count(self) -> int:
        return self.total


def finding_list(request):
    repositories = selectors.visible_repositories(request.user).order_by("name")
    repository_ids = [r.pk for r in repositories]
    branches = selectors.tracked_branches(repository_ids)
    form = FindingFilterForm(request.GET, repositories=repositories, branches=branches)
    query = form.query()
    visible = Finding.objects.filter(repository_id__in=repository_ids)
    matches = selectors.count_matches(visible, query, repository_ids)
    ranks = [i for i, s in enumerate(SEVERITY_ORDER) if matches.by_severity[s]]
    if matches.exact and ranks:
        # Skipping the severities with no match lets the database start its walk of the
        # severity-ordered index at the first one that has some (a range keeps the order).
        query = replace(query, rank_range=(ranks[0], ranks[-1]))
    findings = selectors.filter_findings(visible, query)
    page = CountedPaginator(findings, PAGE_SIZE, matches.total).get_page(
        request.GET.get("page"))
    if matches.exact:
        page.object_list = list(page.object_list)
    else:
        with selectors.ordered_scan():
            page.object_list = list(page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form, "page": page, "query": params.urlencode(), "total": matches.total,
        "exact": matches.exact,
        "counts": [{"severity": s, "count": matches.by_severity[s]} for s in SEVERITY_ORDER],
    }
    # A history-restore request (back button after a cache miss) needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "findings/list.html#results" if partial else "findings/list.html"
    return render(request, template, context)


@require_POST
def finding_triage(request, pk: int):
    finding = get_object_or_404(selectors.visible_findings(request.user), pk=pk)
    form = TriageForm(request.POST)
    error = None
    if form.is_valid():
        try:
            triage.triage_finding(finding, request.user, form.cleaned_data["state"],
                                  form.cleaned_data["note"], form.cleaned_data["expires_on"])
        except triage.TriageError as problem:
            error = str(problem)
    else:
        error = "Check the triage form: " + "; ".join(
            f"{name}: {', '.join(messages)}" for name, messages in form.errors.items())
    if request.htmx:
        response = render(request, "findings/detail.html#triage",
                          _triage_context(finding, error))
        if error:
            response.status_code = 422
        return response
    return redirect("finding-detail", pk=finding.pk)


def _triage_context(finding, error=None) -> dict:
    finding.refresh_from_db()
    return {
        "finding": finding,
        "triage_form": TriageForm(initial={"state": finding.triage, "note": finding.triage_note,
                                           "expires_on": finding.triage_expires_on}),
        "triage_events": finding.triage_events.select_related("user")[:50],
        "triage_error": error,
    }


def finding_detail(request, pk: int):
    finding = get_object_or_404(
        selectors.visible_findings(request.user).select_related(
            "repository", "introduced_in", "fixed_in"
        ),
        pk=pk,
    )
    context = {
        **_triage_context(finding),
        "rule": rule_by_id(finding.rule_id),
        "hunk": selectors.introducing_hunk(finding),
        "history": selectors.finding_history(finding),
        "commits_present": selectors.commits_present(finding),
        "in_pull_requests": finding.pull_request_changes.select_related("pull_request"),
    }
    return render(request, "findings/detail.html", context)
