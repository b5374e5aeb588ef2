"""The form the lists' download buttons post."""
from django import forms

from .models import Export


class ExportForm(forms.Form):
    """What the export buttons on the lists post: the list, and the actions' filters as the
    page had them. The fields are hidden, so an invalid value was not typed by the person."""

    kind = forms.ChoiceField(choices=())
    status = forms.ChoiceField(required=False, choices=())
    overdue = forms.BooleanField(required=False)
    escalated = forms.BooleanField(required=False)
    owner_organisation = forms.UUIDField(required=False)
    region = forms.ChoiceField(required=False, choices=())
    source = forms.ChoiceField(required=False, choices=())

    def __init__(self, *args, **kwargs):
        from accounts.models import Region
        from reviews.selectors import SOURCE_CHOICES, STATUS_FILTER_CHOICES

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Export.Kind.choices
        self.fields["status"].choices = [("", ""), *STATUS_FILTER_CHOICES]
        self.fields["region"].choices = [("", ""), *Region.choices]
        self.fields["source"].choices = [("", ""), *SOURCE_CHOICES]
