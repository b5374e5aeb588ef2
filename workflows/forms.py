"""Forms for the work pages that belong to no single app."""
from django import forms

from pathways.forms import DateField


class HandOverForm(forms.Form):
    """Let go of a step, or hand it to another review coordinator, with a reason."""

    to = forms.ChoiceField(label="Hand it to (leave empty to let anyone take it)", required=False)
    reason = forms.CharField(label="Reason", max_length=2000)

    def __init__(self, *args, others=(), **kwargs):
        kwargs.setdefault("auto_id", "claim-%s")
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", "Nobody: release it"),
                                     *[(u.pk, str(u)) for u in others]]


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


class ExportForm(forms.Form):
    """What the export buttons on the lists post: the list, and the actions' filters as the
    page had them. The fields are hidden, so an invalid value was not typed by the person."""

    kind = forms.ChoiceField(choices=())
    status = forms.ChoiceField(required=False, choices=())
    overdue = forms.BooleanField(required=False)
    owner_organisation = forms.UUIDField(required=False)
    region = forms.ChoiceField(required=False, choices=())

    def __init__(self, *args, **kwargs):
        from accounts.models import Region
        from reviews.models import ActionStatus

        from .models import Export

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Export.Kind.choices
        self.fields["status"].choices = [("", ""), *ActionStatus.choices]
        self.fields["region"].choices = [("", ""), *Region.choices]
