from datetime import date

from django import forms

from accounts.models import Region
from pathways.forms import DateField
from referrals.forms import TEXT_LIMIT

from .models import MAX_ACTIVE_CASES, CaseActivity, IntervenorCase


class IntervenorRadio(forms.RadioSelect):
    """Radio buttons that show full or unavailable intervenors, but disabled."""

    def __init__(self, *args, disabled_values=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_values = {str(v) for v in disabled_values}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(getattr(value, "value", value)) in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class AssignForm(forms.Form):
    intervenor = forms.ChoiceField(label="Senior intervenor")
    reason = forms.CharField(
        label="Reason", max_length=TEXT_LIMIT, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when this person is not at the top of the waiting list, or the "
                  "intervenor does not cover the person's region.")

    def __init__(self, *args, intervenors, for_child=False, region="", **kwargs):
        super().__init__(*args, **kwargs)
        self.intervenors = {str(i.pk): i for i in intervenors}
        # A child is offered to the children's intervenors first; then those who cover the
        # person's region.
        intervenors = sorted(intervenors, key=lambda i: (
            for_child and not i.children, bool(region) and region not in i.regions))
        choices, disabled = [], []
        for i in intervenors:
            label = (f"{i}{' (children)' if i.children else ''} – {i.active_count} of "
                     f"{MAX_ACTIVE_CASES} active cases – "
                     f"{', '.join(i.region_labels()) or 'no regions set'}")
            if region and region not in i.regions:
                label += f" – does not cover {Region(region).label}"
            if not i.available:
                label += " (unavailable)"
                disabled.append(i.pk)
            elif i.active_count >= MAX_ACTIVE_CASES:
                label += " (full)"
                disabled.append(i.pk)
            choices.append((str(i.pk), label))
        self.fields["intervenor"].choices = choices
        self.fields["intervenor"].widget = IntervenorRadio(choices=choices,
                                                           disabled_values=disabled)

    def clean_intervenor(self):
        return self.intervenors[self.cleaned_data["intervenor"]]


class ReassignForm(AssignForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True
        self.fields["reason"].help_text = "Why the case is moving (for example, the intervenor is leaving)."
        self.fields["intervenor"].label = "Move the case to"


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=CaseActivity.Kind.choices)
    occurred_on = DateField(label="Date", initial=date.today)
    text = forms.CharField(label="What happened", max_length=8000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class PlanForm(forms.Form):
    plan = forms.CharField(label="Discharge plan", max_length=8000, required=False,
                           widget=forms.Textarea(attrs={"rows": 6}))


class ProposeClosureForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=IntervenorCase.Outcome.choices,
                                widget=forms.RadioSelect)
    reason = forms.CharField(label="Summary", max_length=TEXT_LIMIT,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="What changed for the person; for 'Other', say what happened.")


class ConfirmClosureForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", widget=forms.RadioSelect, choices=[
        ("confirm", "Confirm the closure and free the place"),
        ("return", "Return the case to casework")])
    reason = forms.CharField(label="Reason", max_length=TEXT_LIMIT, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Required when returning the case to casework.")


class BarrierForm(forms.Form):
    """A system barrier keeping the person stuck, from the list kept as data."""

    kind = forms.ModelChoiceField(label="What kind of barrier", queryset=None,
                                  empty_label="Choose a kind",
                                  error_messages={"required": "Choose what kind of barrier it is"})
    note = forms.CharField(label="What the barrier is, for this person", max_length=TEXT_LIMIT,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "Say what the barrier is"},
                           help_text="Who or what it is waiting on. No clinical detail: the "
                                     "oversight group counts these by kind and region.")

    def __init__(self, *args, **kwargs):
        from .models import SystemBarrierKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = SystemBarrierKind.objects.filter(active=True)


class BarrierStatusForm(forms.Form):
    status = forms.ChoiceField(label="Where the barrier stands", widget=forms.RadioSelect,
                               error_messages={"required": "Choose where the barrier stands"})
    note = forms.CharField(label="What has changed", max_length=TEXT_LIMIT,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "Say what has changed"})

    def __init__(self, *args, **kwargs):
        from .models import CaseBarrier

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = CaseBarrier.Status.choices


class BarrierEscalateForm(forms.Form):
    need = forms.CharField(label="What you need from the oversight group", max_length=TEXT_LIMIT,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "Say what you need"},
                           help_text="For example: a call between the two ICBs' directors, or "
                                     "a regional housing lead to join the next meeting.")


class BarrierAnswerForm(forms.Form):
    answer = forms.CharField(label="What the oversight group did or will do",
                             max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Say what the group did or will do"})


class MilestoneForm(forms.Form):
    """A step of the discharge plan: a standard one, or the intervenor's own."""

    kind = forms.ModelChoiceField(label="Standard milestone", queryset=None, required=False,
                                  empty_label="Another milestone (say what below)")
    title = forms.CharField(label="What it is, if not a standard milestone", max_length=200,
                            required=False)
    owner_name = forms.CharField(label="Who owns it", max_length=200,
                                 error_messages={"required": "Name the person who owns it"},
                                 help_text="A named person, for example the ICB's case manager.")
    owner_organisation = forms.ModelChoiceField(label="Their organisation", queryset=None,
                                                required=False, empty_label="Not recorded")
    target_date = DateField(label="Target date",
                            error_messages={"required": "Enter the target date"})
    note = forms.CharField(label="Note (optional)", max_length=TEXT_LIMIT, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from accounts.models import Organisation

        from .models import MilestoneKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = MilestoneKind.objects.filter(active=True)
        self.fields["owner_organisation"].queryset = Organisation.objects.order_by("name")


class MilestoneUpdateForm(forms.Form):
    status = forms.ChoiceField(label="Where it stands", widget=forms.RadioSelect,
                               error_messages={"required": "Choose where it stands"})
    target_date = DateField(label="Target date",
                            error_messages={"required": "Enter the target date"})
    note = forms.CharField(label="What has changed", max_length=TEXT_LIMIT,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "Say what has changed"})

    def __init__(self, *args, **kwargs):
        from .models import CaseMilestone

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = CaseMilestone.Status.choices
