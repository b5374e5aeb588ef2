"""Forms for the work pages that belong to no single app."""
from django import forms


class HandOverForm(forms.Form):
    """Let go of a step, or hand it to another review coordinator, with a reason."""

    to = forms.ChoiceField(label="Hand it to (leave empty to let anyone take it)", required=False)
    reason = forms.CharField(label="Reason", max_length=2000)

    def __init__(self, *args, others=(), **kwargs):
        kwargs.setdefault("auto_id", "claim-%s")
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", "Nobody: release it"),
                                     *[(u.pk, str(u)) for u in others]]


