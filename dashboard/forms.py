from django import forms

from dashboard.models import SEVERITY_ORDER, Severity, Team
from dashboard.services.repositories import RepositoryURLError, parse_repository_url
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


class FindingFilterForm(forms.Form):
    severity = forms.MultipleChoiceField(
        choices=Severity.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    status = forms.ChoiceField(
        choices=[("open", "Open"), ("fixed", "Fixed"), ("all", "Any status")], required=False
    )
    repository = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    rule = forms.ChoiceField(required=False)
    include_hidden = forms.BooleanField(
        required=False, label="Include false positives and suppressed")

    def __init__(self, *args, repositories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", "All rules")] + [
            (rule.id, rule.id) for rule in all_rules()
        ]
        self.fields["repository"].choices = [("", "All repositories")] + [
            (r.pk, r.name) for r in repositories
        ]

    def status_filter(self) -> str | None:
        """Open unless asked otherwise; "all" lifts the filter."""
        chosen = self.cleaned_data.get("status") or "open"
        return None if chosen == "all" else chosen

    def severities(self) -> list[str]:
        chosen = self.cleaned_data.get("severity") or []
        return [s for s in SEVERITY_ORDER if s in chosen]


class TriageForm(forms.Form):
    state = forms.ChoiceField(choices=[("", "Untriaged"), ("false_positive", "False positive"),
                                       ("wont_fix", "Won't fix"),
                                       ("accepted_risk", "Accepted risk")], required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=2000)
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="Accepted risks only: reopens by itself after it.")
