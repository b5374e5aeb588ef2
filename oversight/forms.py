"""The oversight pages' own filters."""
from django import forms

from .equality import PERIODS


class CohortForm(forms.Form):
    """Which people the equality page counts: those worked with now, or over a longer period
    where "now" leaves too many counts hidden."""

    period = forms.ChoiceField(label="Who is counted", required=False,
                               choices=[(key, label) for key, (label, _) in PERIODS.items()])
