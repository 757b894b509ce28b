from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from dashboard import aggregations, selectors
from dashboard.forms import CommitIdentityForm
from dashboard.services.identities import add_identity, remove_identity


def my_findings(request):
    """An engineer's own open findings: those introduced by their commit identities."""
    form = CommitIdentityForm(request.POST or None)
    if request.method == "POST":
        if "remove" in request.POST:
            remove_identity(request.user, request.POST["remove"])
            return redirect("my-findings")
        if form.is_valid():
            add_identity(request.user, form.cleaned_data["email"])
            messages.success(request, f"Findings of {form.cleaned_data['email']} are yours now.")
            return redirect("my-findings")
    emails = selectors.identities_of(request.user)
    repository_ids = selectors.visible_repository_ids(request.user)
    findings = selectors.authored_findings(repository_ids, emails)
    context = {
        "form": form,
        "emails": emails,
        "findings": findings[:100],
        "by_severity": selectors.authored_counts(repository_ids, emails),
        "trend": aggregations.author_trend(repository_ids, emails, timezone.now().date()),
        "pull_requests": selectors.authored_pull_requests(repository_ids, emails)[:20],
    }
    return render(request, "engineers/mine.html", context, status=400 if form.errors else 200)
