from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dashboard import aggregations, selectors
from dashboard.forms import AddRepositoryForm, TrackingForm
from dashboard.services.repositories import (
    RepositoryURLError,
    add_repository,
    request_review,
    update_tracking,
)


def repository_list(request):
    teams = selectors.teams_of(request.user)
    form = AddRepositoryForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            repository = add_repository(
                form.cleaned_data["team"], form.cleaned_data["url"], request.user
            )
        except RepositoryURLError as error:
            form.add_error("url", str(error))
        else:
            messages.success(request, f"{repository.name} added; its review has started.")
            return redirect("repository-detail", pk=repository.pk)
    context = {
        "form": form,
        "has_teams": teams.exists(),
        "repositories": selectors.repositories_with_open_counts(request.user),
    }
    return render(request, "repositories/list.html", context)


def repository_detail(request, pk: int):
    repository = get_object_or_404(selectors.visible_repositories(request.user), pk=pk)
    if request.htmx and request.GET.get("region") == "status":
        response = render(request, "repositories/detail.html#status", {"repository": repository})
        if not repository.is_running:
            # htmx stops polling on 286; the full page is refreshed so the results appear.
            response.status_code = 286
            response["HX-Refresh"] = "true"
        return response
    return _render_detail(request, repository)


def _render_detail(request, repository, tracking_form=None, status=200):
    only_this = [repository.pk]
    scope = aggregations.Scope(only_this)
    today = timezone.now().date()
    context = {
        "repository": repository,
        "by_severity": aggregations.severity_summary(scope, today),
        "trend": aggregations.weekly_totals(scope, today),
        "top_rules": aggregations.top_rules(scope, limit=8),
        "criticals": selectors.latest_critical_findings(only_this),
        "commits": selectors.recent_commits(repository),
        "skipped": selectors.skipped_files([repository], limit=100),
        "pull_requests": selectors.pull_requests(repository),
        "branches": selectors.branches(repository),
        "rewrites": selectors.history_rewrites(repository),
        "tracking_form": tracking_form or TrackingForm(initial={
            "branch_patterns": repository.branch_patterns,
            "review_interval_minutes": repository.review_interval_minutes,
        }),
    }
    return render(request, "repositories/detail.html", context, status=status)


@require_POST
def repository_tracking(request, pk: int):
    repository = get_object_or_404(selectors.visible_repositories(request.user), pk=pk)
    form = TrackingForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, repository, tracking_form=form, status=400)
    update_tracking(repository, form.cleaned_data["branch_patterns"],
                    form.cleaned_data["review_interval_minutes"])
    messages.success(request, "Tracking saved; it applies from the next review.")
    return redirect("repository-detail", pk=repository.pk)


@require_POST
def repository_review(request, pk: int):
    repository = get_object_or_404(selectors.visible_repositories(request.user), pk=pk)
    request_review(repository)
    messages.info(request, f"Review of {repository.name} requested.")
    return redirect("repository-detail", pk=repository.pk)


