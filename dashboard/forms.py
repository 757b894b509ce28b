from django import forms

from dashboard.models import SEVERITY_ORDER, TRIAGE_STATES, Severity, Team
from dashboard.selectors import FindingQuery
from dashboard.services.repositories import RepositoryURLError, parse_repository_url
from reviewer.model import Category
from reviewer.rules import all_rules


class AddRepositoryForm(forms.Form):
    url = forms.CharField(
        label="Repository URL",
        max_length=500,
        widget=forms.TextInput(
            attrs={"placeholder": "https://github.com/org/service.git", "autocomplete": "off"}
        ),
        help_text="https://, ssh://, git@host:org/repo.git, or a local path an admin allowed.",
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            parse_repository_url(url)
        except RepositoryURLError as error:
            raise forms.ValidationError(str(error)) from error
        return url


class CommitIdentityForm(forms.Form):
    email = forms.EmailField(label="Commit e-mail", max_length=255,
                             help_text="An address you commit with (after .mailmap).")


class TrackingForm(forms.Form):
    branch_patterns = forms.CharField(
        label="Tracked branches", required=False, max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "release/*, develop"}),
        help_text="Glob patterns, besides the default branch. Other branches are reviewed "
                  "as pull requests.",
    )
    review_interval_minutes = forms.IntegerField(
        label="Review every (minutes)", min_value=1, max_value=7 * 24 * 60)


class FindingFilterForm(forms.Form):
    """The explorer's filters. Everything is a GET parameter, so a filtered view is a URL."""

    q = forms.CharField(required=False, max_length=200, label="Search",
                        widget=forms.TextInput(attrs={"type": "search",
                                                     "placeholder": "path, message or rule"}))
    severity = forms.MultipleChoiceField(
        choices=Severity.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    status = forms.ChoiceField(
        choices=[("open", "Open"), ("fixed", "Fixed"), ("branch", "Not on the default branch"),
                 ("unreachable", "Only in rewritten history"), ("all", "Any status")],
        required=False,
    )
    repository = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    branch = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                    label="Open on branch")
    service = forms.CharField(required=False, max_length=200)
    category = forms.ChoiceField(required=False, choices=[("", "All categories")] + [
        (c.value, c.value.replace("-", " ").capitalize()) for c in Category])
    rule = forms.ChoiceField(required=False)
    author = forms.CharField(required=False, max_length=255, label="Author e-mail")
    triage = forms.ChoiceField(required=False, label="Triage", choices=[
        ("", "Any triage"), ("untriaged", "Untriaged"), *TRIAGE_STATES[1:]])
    introduced_from = forms.DateField(required=False, label="Introduced from",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    introduced_to = forms.DateField(required=False, label="to",
                                    widget=forms.DateInput(attrs={"type": "date"}))
    fixed_from = forms.DateField(required=False, label="Fixed from",
                                 widget=forms.DateInput(attrs={"type": "date"}))
    fixed_to = forms.DateField(required=False, label="to",
                               widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(required=False, choices=[
        ("severity", "Most severe first"), ("newest", "Newest first"),
        ("oldest", "Oldest first"), ("path", "By file"), ("rule", "By rule")])
    include_hidden = forms.BooleanField(
        required=False, label="Include false positives and suppressed")

    # Short names the charts link with (?from=...&to=...).
    ALIASES = {"from": "introduced_from", "to": "introduced_to"}

    def __init__(self, data=None, *args, repositories=(), branches=(), **kwargs):
        if data is not None:
            data = data.copy()
            for alias, field in self.ALIASES.items():
                if alias in data and field not in data:
                    data[field] = data[alias]
        super().__init__(data, *args, **kwargs)
        self.fields["rule"].choices = [("", "All rules")] + [
            (rule.id, rule.id) for rule in all_rules()
        ]
        self.fields["repository"].choices = [("", "All repositories")] + [
            (r.pk, r.name) for r in repositories
        ]
        self._branches = {b.pk: b for b in branches}
        self.fields["branch"].choices = [("", "Default branch")] + [
            (b.pk, f"{b.repository.name}: {b.name}") for b in branches
        ]

    def query(self) -> FindingQuery:
        """The filters as a query; invalid ones are dropped (the form shows why)."""
        if not self.is_bound:
            return FindingQuery()
        self.is_valid()  # fills cleaned_data with the fields that are valid
        data = self.cleaned_data
        status = data.get("status") or "open"
        return FindingQuery(
            severities=tuple(s for s in SEVERITY_ORDER if s in (data.get("severity") or [])),
            status=None if status == "all" else status,
            repository_id=data.get("repository"),
            service=data.get("service") or None,
            category=data.get("category") or None,
            rule_id=data.get("rule") or None,
            author=(data.get("author") or "").strip() or None,
            triage=data.get("triage") or None,
            branch=self._branches.get(data.get("branch")),
            introduced_from=data.get("introduced_from"),
            introduced_to=data.get("introduced_to"),
            fixed_from=data.get("fixed_from"),
            fixed_to=data.get("fixed_to"),
            text=(data.get("q") or "").strip(),
            include_hidden=bool(data.get("include_hidden")),
            sort=data.get("sort") or "severity",
        )


class TriageForm(forms.Form):
    state = forms.ChoiceField(choices=TRIAGE_STATES, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=2000)
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="Accepted risks only: reopens by itself after it.")
