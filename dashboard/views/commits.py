from django.http import Http404
from django.shortcuts import render

from dashboard import selectors
from dashboard.models import Commit


def commit_detail(request, pk: int, sha: str):
    """The commit's diff with the findings it introduced and fixed at their lines."""
    if len(sha) < 7:
        raise Http404("Give at least 7 characters of the commit's sha.")
    commits = Commit.objects.filter(
        repository__in=selectors.visible_repositories(request.user), repository_id=pk,
        sha__startswith=sha.lower(),
    ).select_related("repository")
    commit = _one(commits)
    context = {
        "commit": commit,
        "files": selectors.commit_diff(commit),
        "skipped": commit.skipped_files.order_by("path"),
        "api_changes": commit.api_changes.order_by("path", "line"),
    }
    return render(request, "commits/detail.html", context)


def _one(commits) -> Commit:
    found = list(commits[:2])
    if len(found) != 1:
        raise Http404("No such commit, or the short sha is ambiguous.")
    return found[0]
