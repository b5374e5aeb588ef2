"""The timeline's filters."""
from django import forms

from pathways.forms import DateField


class TimelineFilterForm(forms.Form):
    """Which kinds of event the timeline shows (none ticked shows them all), and a day to go
    to: a long history is read a page at a time, and a page is found by when it happened."""

    kind = forms.MultipleChoiceField(label="Show", required=False,
                                     widget=forms.CheckboxSelectMultiple)
    start = DateField(label="Go to", required=False,
                      help_text="The page with the first event on or after this day, "
                                "for example 27 3 2025")

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list((kinds or {}).items())
