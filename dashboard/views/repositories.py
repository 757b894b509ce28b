from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dashboard import selectors
from dashboard.forms import AddRepositoryForm
from dashboard.services.repositories import RepositoryURLError, add_repository, request_review


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
    findings = selectors.visible_findings(request.user).filter(repository=repository)
    context = {
        "repository": repository,
        "by_severity": selectors.open_findings_by_severity(findings),
        "commits": selectors.recent_commits(repository),
        "skipped": selectors.skipped_files(repository),
    }
    return render(request, "repositories/detail.html", context)


@require_POST
def repository_review(request, pk: int):
    repository = get_object_or_404(selectors.visible_repositories(request.user), pk=pk)
    request_review(repository)
    messages.info(request, f"Review of {repository.name} requested.")
    return redirect("repository-detail", pk=repository.pk)


