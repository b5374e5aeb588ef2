"""Forms for the work pages that belong to no single app."""
from django import forms

from pathways.forms import DateField
from referrals.forms import TEXT_LIMIT
from reviews.forms import OwnerChoiceField
from reviews.models import Theme


class HandOverForm(forms.Form):
    """Let go of a step, or hand it to another review coordinator, with a reason."""

    to = forms.ChoiceField(label="Hand it to (leave empty to let anyone take it)", required=False)
    reason = forms.CharField(label="Reason", max_length=2000)

    def __init__(self, *args, others=(), **kwargs):
        kwargs.setdefault("auto_id", "claim-%s")
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", "Nobody: release it"),
                                     *[(u.pk, str(u)) for u in others]]




class CaseActionForm(forms.Form):
    """An action the senior intervenor agreed with the local system, on their case (decision
    0027): what, who owns it (a named person), by when, and its theme."""

    text = forms.CharField(label="What has been agreed", max_length=TEXT_LIMIT,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "Say what the action is"})
    owner = OwnerChoiceField(label="Named owner",
                             empty_label="Choose the person who owns this action",
                             error_messages={"required": "Choose the person who owns this "
                                                         "action"})
    owner_why = forms.CharField(
        label="Why this owner", max_length=TEXT_LIMIT, required=False,
        help_text="Only when the owner's organisation is neither the person's commissioner nor "
                  "their provider.")
    due_date = DateField(label="Due date", error_messages={"required": "Give a due date"})
    theme = forms.ModelChoiceField(
        label="Theme", queryset=Theme.objects.filter(active=True), empty_label="Choose a theme",
        error_messages={"required": "Choose the theme"},
        help_text="What the action is mostly about, for the oversight group's themes.")

    def __init__(self, *args, person=None, **kwargs):
        kwargs.setdefault("prefix", "action")
        super().__init__(*args, **kwargs)
        self.fields["owner"].prefer(person)


class OwnerFollowUpForm(forms.Form):
    """How a coordinator reached an action owner whose email did not arrive (issue 43)."""

    how = forms.CharField(
        label="How the owner was reached, or what was done", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say how the owner was reached, or what was done"},
        help_text="For example: phoned the ward, who gave the owner's right address; or the "
                  "action was given to another owner.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "followup")
        super().__init__(*args, **kwargs)
