"""The oversight pages' own filters."""
from django import forms

from .equality import PERIODS


class CohortForm(forms.Form):
    """Which people the equality page counts: those worked with now, or over a longer period
    where "now" leaves too many counts hidden."""

    period = forms.ChoiceField(label="Who is counted", required=False,
                               choices=[(key, label) for key, (label, _) in PERIODS.items()])


class RebaseForm(forms.Form):
    """Mark a change in the process behind one trend, from a month on."""

    month = forms.ChoiceField(label="The month the new process began",
                              error_messages={"required": "Choose the month the process changed",
                                              "invalid_choice": "Choose one of the months shown"})
    reason = forms.CharField(
        label="What changed, and why it changes this measure", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what changed in the process"},
        help_text="For example: a new definition, a new way of working or a new service began. "
                  "The chart takes a new mean and new limits from this month.")

    def __init__(self, *args, months=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [("", "Choose a month")] + [
            (f"{m:%Y-%m}", f"{m:%B %Y}") for m in list(months)[1:]]

    def clean_month(self):
        from datetime import date

        year, month = self.cleaned_data["month"].split("-")
        return date(int(year), int(month), 1)


class RebaseWithdrawForm(forms.Form):
    reason = forms.CharField(label="Why the rebase is withdrawn", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "Say why the rebase is withdrawn"})
