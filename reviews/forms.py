from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, OuterRef, Value, When

from accounts.models import Organisation, Region
from accounts.roles import Role
from pathways.forms import DateField, typed_values
from referrals.forms import TEXT_LIMIT

from .models import (
    Action,
    BarrierDomain,
    EasyReadShare,
    EscalationResponse,
    PanelMember,
    Review,
    Theme,
)
from .selectors import (
    SOURCE_CHOICES,
    STATUS_FILTER_CHOICES,
    action_owner_candidates,
    person_links,
)

User = get_user_model()


def _people_with(role):
    return User.objects.filter(groups__name=role, is_active=True).order_by("last_name")


class ScheduleForm(forms.Form):
    scheduled_for = DateField(label="Panel date")
    chair = forms.ModelChoiceField(
        label="Chair (CQC Mental Health Act Reviewer)", queryset=User.objects.none(),
        empty_label="Choose the chair", error_messages={
            "invalid_choice": "The chair must be a CQC Mental Health Act Reviewer with the "
                              "Review chair role."})
    expert_by_experience = forms.ModelChoiceField(
        label="Expert by experience", queryset=User.objects.none(), required=False)
    expert_conflict = forms.BooleanField(
        label="The expert by experience has declared a conflict of interest", required=False)
    clinical_expert_name = forms.CharField(label="Clinical expert (name)", max_length=200,
                                           required=False)
    clinical_conflict = forms.BooleanField(
        label="The clinical expert has declared a conflict of interest", required=False)
    commissioner_member = forms.ModelChoiceField(
        label="Commissioner on the panel", queryset=User.objects.none(), required=False)
    commissioner_conflict = forms.BooleanField(
        label="The commissioner has declared a conflict of interest", required=False)
    education_rep_name = forms.CharField(
        label="Education representative (name and role)", max_length=200, required=False,
        help_text="An ICETR, for a child or young person, has someone from education on the "
                  "panel.")
    empty_places_reason = forms.CharField(
        label="Why a place on the panel is empty", max_length=TEXT_LIMIT, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only if the panel has no expert by experience or no clinical expert. For "
                  "example: the expert by experience declared a conflict of interest and no "
                  "other was free on this date. If you cannot find anyone, ask the programme "
                  "team's coordinators before the panel date.")
    venue = forms.CharField(label="Venue", max_length=200, required=False)
    reasonable_adjustments = forms.CharField(
        label="Reasonable adjustments for the person", max_length=TEXT_LIMIT, required=False,
        widget=forms.Textarea(attrs={"rows": 3}))
    invitees = forms.CharField(label="Who the person wants invited (family, advocate)",
                               max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    consent_recorded = forms.BooleanField(label="Consent (or a best-interests decision) is recorded",
                                          required=False)

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        # Everyone with a user account is offered; the service refuses a chair without the role.
        self.fields["chair"].queryset = User.objects.filter(is_active=True).filter(
            groups__name__in=[Role.CHAIR]).order_by("last_name")
        self.fields["expert_by_experience"].queryset = _people_with(Role.PANEL_MEMBER)
        self.fields["commissioner_member"].queryset = _people_with(Role.COMMISSIONER).filter(
            organisation=review.referral.organisation)
        if review.kind != Review.Kind.ICETR:
            del self.fields["education_rep_name"]

    # Each place, its conflict box and the words for it.
    PLACES = (("expert_by_experience", "expert_conflict", "an expert by experience"),
              ("clinical_expert_name", "clinical_conflict", "a clinical expert"),
              ("commissioner_member", "commissioner_conflict", "a commissioner"))

    def clean(self):
        """A conflicted member is refused on their own box, with what to do instead; an empty
        core place needs its reason (issue 44)."""
        data = super().clean()
        for place, conflict, words in self.PLACES:
            if data.get(conflict) and data.get(place):
                self.add_error(place, f"{data[place]} has declared a conflict of interest and "
                                      f"cannot sit on this panel. Choose {words} without one; "
                                      "if no one else can sit, leave this place empty and say "
                                      "why in \"Why a place on the panel is empty\".")
        empty = [words for place, conflict, words in self.PLACES[:2] if not data.get(place)]
        if empty and not data.get("empty_places_reason", "").strip() \
                and "empty_places_reason" not in self.errors:
            self.add_error("empty_places_reason",
                           f"Say why the panel has no {' and no '.join(w.split(' ', 1)[1] for w in empty)}, "
                           "or choose someone for the place")
        return data

    def members(self) -> list[dict]:
        data, members = self.cleaned_data, []
        if data.get("expert_by_experience"):
            members.append({"user": data["expert_by_experience"],
                            "role": PanelMember.PanelRole.EXPERT_BY_EXPERIENCE,
                            "conflict_declared": data.get("expert_conflict", False)})
        if data.get("clinical_expert_name"):
            members.append({"external_name": data["clinical_expert_name"],
                            "role": PanelMember.PanelRole.CLINICAL_EXPERT,
                            "conflict_declared": data.get("clinical_conflict", False)})
        if data.get("commissioner_member"):
            members.append({"user": data["commissioner_member"],
                            "role": PanelMember.PanelRole.COMMISSIONER,
                            "conflict_declared": data.get("commissioner_conflict", False)})
        if data.get("education_rep_name"):
            members.append({"external_name": data["education_rep_name"],
                            "role": PanelMember.PanelRole.EDUCATION})
        return members


class PanelForm(forms.Form):
    held_on = DateField(label="Date the panel was held")
    attendance = forms.CharField(label="Who attended", max_length=TEXT_LIMIT, required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    life_story = forms.CharField(label="Life story", max_length=8000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    reason_for_admission = forms.CharField(label="Why the person was admitted",
                                           max_length=TEXT_LIMIT, required=False,
                                           widget=forms.Textarea(attrs={"rows": 2}))
    reason_for_lts = forms.CharField(label="Why the person is in long-term segregation",
                                     max_length=TEXT_LIMIT, required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    diagnoses = forms.CharField(label="Diagnoses", max_length=TEXT_LIMIT, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    treatment_plan = forms.CharField(label="Treatment plan", max_length=8000, required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    findings = forms.CharField(label="Findings", max_length=16000,
                               widget=forms.Textarea(attrs={"rows": 6}))
    person_took_part = forms.BooleanField(label="The person took part", required=False)
    family_took_part = forms.BooleanField(label="Family or carer took part", required=False)
    advocate_took_part = forms.BooleanField(label="An advocate took part", required=False)
    person_view = forms.CharField(
        label="What matters to me and what I want to happen next", max_length=TEXT_LIMIT,
        required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The person's own words, as they said them. Not a summary by the panel.")
    person_view_how = forms.ChoiceField(
        label="How the person's view was given", required=False, widget=forms.RadioSelect,
        choices=Review._meta.get_field("person_view_how").choices)
    family_view = forms.CharField(label="The family's or advocate's view", max_length=TEXT_LIMIT,
                                  required=False, widget=forms.Textarea(attrs={"rows": 3}))
    family_view_by = forms.CharField(label="Who said it (name and relationship)",
                                     max_length=200, required=False)

    VOICE = ("person_took_part", "family_took_part", "advocate_took_part", "person_view",
             "person_view_how", "family_view", "family_view_by")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = list(BarrierDomain.objects.filter(active=True))
        for d in self.domains:
            self.fields[f"barrier_{d.pk}"] = forms.BooleanField(
                label=f"{d.name}: this is a barrier to change", required=False,
                help_text=d.prompt)
            self.fields[f"evidence_{d.pk}"] = forms.CharField(
                label=f"{d.name}: evidence", max_length=TEXT_LIMIT, required=False,
                widget=forms.Textarea(attrs={"rows": 2}))
            self.fields[f"intervention_{d.pk}"] = forms.CharField(
                label=f"{d.name}: planned intervention", max_length=TEXT_LIMIT, required=False,
                widget=forms.Textarea(attrs={"rows": 2}))

    def main_fields(self):
        checklist = ("barrier", "evidence", "intervention")
        return [self[name] for name in self.fields
                if name.split("_")[0] not in checklist and name not in self.VOICE]

    def voice_fields(self):
        return [self[name] for name in self.VOICE]

    def voice(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.VOICE}

    def checklist(self):
        return [(d, self[f"barrier_{d.pk}"], self[f"evidence_{d.pk}"],
                 self[f"intervention_{d.pk}"]) for d in self.domains]

    def barriers(self) -> list[dict]:
        data = self.cleaned_data
        return [{"domain": d, "is_barrier": data[f"barrier_{d.pk}"],
                 "evidence": data[f"evidence_{d.pk}"],
                 "planned_intervention": data[f"intervention_{d.pk}"]} for d in self.domains]

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in (
            "held_on", "attendance", "life_story", "reason_for_admission", "reason_for_lts",
            "diagnoses", "treatment_plan", "findings")}


class OwnerChoiceField(forms.ModelChoiceField):
    """A named person who may own actions, shown with their job and organisation. Given the
    person the action is about (`prefer`), those in the person's own provider or commissioning
    organisation come first, marked as such (issue 44): an owner at another hospital is
    still offered, after them."""

    def __init__(self, **kwargs):
        super().__init__(queryset=action_owner_candidates(), **kwargs)
        self.linked: dict = {}

    def prefer(self, person) -> None:
        if person is None:
            return
        self.linked = person_links(person)
        self.queryset = self.queryset.annotate(elsewhere=Case(
            When(organisation_id__in=list(self.linked), then=Value(0)), default=Value(1))
        ).order_by("elsewhere", "organisation__name", "last_name", "first_name")

    def label_from_instance(self, user):
        name = user.get_full_name() or user.username
        parts = [name, user.job_title, str(user.organisation) if user.organisation_id else ""]
        label = ", ".join(p for p in parts if p)
        link = self.linked.get(user.organisation_id)
        return f"{label} ({link})" if link else label


class RecommendationForm(forms.Form):
    """One recommendation with up to two actions; a blank row is ignored."""

    use_required_attribute = False
    text = forms.CharField(label="Recommendation", max_length=TEXT_LIMIT, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    theme = forms.ModelChoiceField(
        label="Theme", queryset=Theme.objects.filter(active=True), required=False,
        empty_label="Choose a theme",
        help_text="What the recommendation is mostly about, for the oversight group's themes.")
    action_text = forms.CharField(label="Action", max_length=TEXT_LIMIT, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    owner = OwnerChoiceField(label="Named owner", required=False,
                             empty_label="Choose the person who owns this action")
    due_date = DateField(label="Due date", required=False)
    action2_text = forms.CharField(label="Second action (optional)", max_length=TEXT_LIMIT,
                                   required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner2 = OwnerChoiceField(label="Second action: named owner", required=False,
                              empty_label="Choose the person who owns this action")
    due2_date = DateField(label="Second action: due date", required=False)
    owner_why = forms.CharField(
        label="Why this owner", max_length=TEXT_LIMIT, required=False,
        help_text="Only when the owner's organisation is neither the person's commissioner nor "
                  "their provider.")
    owner2_why = forms.CharField(
        label="Second action: why this owner", max_length=TEXT_LIMIT, required=False,
        help_text="Only when the owner's organisation is neither the person's commissioner nor "
                  "their provider.")

    field_order = ["text", "theme", "action_text", "owner", "owner_why", "due_date",
                   "action2_text", "owner2", "owner2_why", "due2_date"]

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("owner", "owner2"):
            self.fields[name].prefer(person)

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(k) for k in ("text", "action_text", "action2_text"))

    # Each action's three fields: (text, owner, due date).
    ACTIONS = (("action_text", "owner", "due_date", "owner_why"),
               ("action2_text", "owner2", "due2_date", "owner2_why"))

    @property
    def number(self) -> int:
        """The recommendation's number as the page shows it (its place in the formset)."""
        place = (self.prefix or "").rsplit("-", 1)[-1]
        return int(place) + 1 if place.isdigit() else 1

    def clean(self):
        """The report's rules for one recommendation, each error on its own field and naming
        the recommendation (issue 44), so the error summary links to the box to correct. The
        service checks the same again when the report is issued."""
        data = super().clean()
        if self.is_blank():
            return data
        n = self.number
        if data.get("theme") is None and "theme" not in self.errors:
            self.add_error("theme", f"Theme of recommendation {n}: choose the theme of this "
                                    "recommendation")
        if not data.get("text") and "text" not in self.errors:
            self.add_error("text", f"Recommendation {n} needs its text")
        if not data.get("action_text") and not data.get("action2_text") \
                and "action_text" not in self.errors:
            self.add_error("action_text", f"Action for recommendation {n} is missing: every "
                                          "recommendation needs at least one action")
        today = date.today()
        for text, owner, due, why in self.ACTIONS:
            if not data.get(text):
                continue
            if data.get(owner) is None and owner not in self.errors:
                self.add_error(owner, f"{self.fields[owner].label} for recommendation {n}: "
                                      "choose the person who owns this action")
            elif (owner not in self.errors and self.fields[owner].linked
                  and data[owner].organisation_id not in self.fields[owner].linked
                  and not data.get(why, "").strip()):
                self.add_error(why, f"{self.fields[why].label} for recommendation {n}: "
                                    f"{data[owner].organisation} has no link to this person, "
                                    "so say why they should own the action")
            if due in self.errors:
                continue
            if data.get(due) is None:
                self.add_error(due, f"{self.fields[due].label} for recommendation {n}: enter "
                                    "a date after today")
            elif data[due] <= today:
                self.add_error(due, f"{self.fields[due].label} for recommendation {n} must be "
                                    "after today")
        return data

    def as_spec(self) -> dict:
        d = self.cleaned_data
        actions = [{"text": d["action_text"], "owner": d["owner"], "due_date": d["due_date"],
                    "owner_why": d.get("owner_why", "")}]
        if d.get("action2_text"):
            actions.append({"text": d["action2_text"], "owner": d["owner2"],
                            "due_date": d["due2_date"], "owner_why": d.get("owner2_why", "")})
        return {"text": d["text"], "theme": d["theme"],
                "actions": [a for a in actions if a["text"]]}


RecommendationFormSet = forms.formset_factory(RecommendationForm, extra=1, max_num=10,
                                              validate_max=True)


def with_another_recommendation(data, person=None) -> forms.BaseFormSet:
    """The posted recommendations, unvalidated, and one more empty block ("Add another").

    What was typed is kept as each block's initial value, so nothing is lost and no error is
    shown for a report the chair has not finished.
    """
    posted = RecommendationFormSet(data, prefix="recs", form_kwargs={"person": person})
    return RecommendationFormSet(prefix="recs", initial=[typed_values(rec) for rec in posted],
                                 form_kwargs={"person": person})


class ReportForm(forms.Form):
    summary = forms.CharField(label="Report summary", max_length=8000,
                              widget=forms.Textarea(attrs={"rows": 5}))
    follow_up_by = DateField(
        label="Review the person again by", required=False,
        help_text="Usually 3 months from now; 6 weeks for a child or young person (left empty, "
                  "that is the date). On this date the follow-up review joins the programme "
                  "team's work.")


class ActionUpdateForm(forms.Form):
    """An update on an action and, if the person may make one, a change of its status. The
    evidence box belongs to "completed" and the reason to "cancel" (shown with their choice),
    and neither is drawn for someone who cannot make that change."""

    text = forms.CharField(label="Update", max_length=TEXT_LIMIT,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="What has been done, or what is in the way.")
    transition = forms.ChoiceField(label="Change the status", required=False,
                                   widget=forms.RadioSelect)
    evidence = forms.CharField(label="Evidence of completion", max_length=8000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text="What was done and where it is recorded, for the "
                                         "oversight group to check.")
    reason = forms.CharField(label="Reason for cancelling", max_length=TEXT_LIMIT,
                             required=False, widget=forms.Textarea(attrs={"rows": 2}))

    reveals = {"transition": {"complete": "evidence", "cancel": "reason"}}

    def __init__(self, *args, transitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        offered = {value for value, _ in transitions}
        self.fields["transition"].choices = [("", "No change"), *transitions]
        if not transitions:
            del self.fields["transition"]
        # A box for a change this person cannot make is not part of their form at all.
        for choice, name in self.reveals["transition"].items():
            if choice not in offered:
                del self.fields[name]


class ActionOwnerForm(forms.Form):
    owner = OwnerChoiceField(label="New owner", empty_label="Choose the new owner")
    reason = forms.CharField(label="Reason for the change", max_length=TEXT_LIMIT,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "Give the reason for changing the "
                                                         "owner"},
                             help_text="If the new owner's organisation is neither the "
                                       "person's commissioner nor their provider, say why "
                                       "they should own it.")

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].prefer(person)


class EscalationResponseForm(forms.Form):
    """On the action page beside the update form, so its ids carry their own prefix."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_escalation_%s")
        super().__init__(*args, **kwargs)

    step = forms.ChoiceField(label="What did the group do?", widget=forms.RadioSelect,
                             choices=EscalationResponse.Step.choices)
    reason = forms.CharField(label="What was done, and why", max_length=TEXT_LIMIT,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="For example: the ICB's director agreed to fund the "
                                       "community package; the provider will confirm by the "
                                       "new date.")
    new_due_date = DateField(label="New due date", required=False,
                             help_text="Only if a new date was agreed. The owner is reminded "
                                       "and, if it slips again, it is escalated again.")
    follow_up_on = DateField(label="Look at it again on",
                             help_text="It comes back to the group's work on this date.")


class ActionFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("", "Any status"), *STATUS_FILTER_CHOICES])
    overdue = forms.BooleanField(label="Only overdue", required=False)
    escalated = forms.BooleanField(label="Only escalated and still open", required=False)
    owner_organisation = forms.ModelChoiceField(
        label="Owner's organisation", required=False, empty_label="Any organisation",
        queryset=Organisation.objects.filter(Exists(Action.objects.filter(
            owner_organisation=OuterRef("pk")))).order_by("name"))
    region = forms.ChoiceField(label="Region of the unit", required=False,
                               choices=[("", "Any region"), *Region.choices])
    source = forms.ChoiceField(label="Where it came from", required=False,
                               choices=[("", "Reviews and intervenors' cases"), *SOURCE_CHOICES])


class ReviewFilterForm(forms.Form):
    """The reviews list's filters: what the dashboard's review figures link to (issue 44)."""

    # A stage as the dashboard counts it: "awaiting a panel" is requested or scheduled.
    STAGES = {"awaiting_panel": ("Awaiting a panel (requested or scheduled)",
                                 [Review.Status.REQUESTED, Review.Status.SCHEDULED]),
              **{value: (label, [value]) for value, label in Review.Status.choices}}

    status = forms.ChoiceField(label="Stage", required=False, choices=[
        ("", "Any stage"), *((key, label) for key, (label, _) in STAGES.items())])
    region = forms.ChoiceField(label="Region of the unit", required=False,
                               choices=[("", "Any region"), *Region.choices])

    def statuses(self) -> list[str]:
        stage = self.cleaned_data.get("status") if self.is_valid() else ""
        return self.STAGES[stage][1] if stage else []


class EasyReadForm(forms.Form):
    """The easy-read summary, one short idea a line."""

    found = forms.CharField(label="What we found", max_length=1200,
                            widget=forms.Textarea(attrs={"rows": 5}))
    will_happen = forms.CharField(label="What will happen", max_length=1200,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    who_when = forms.CharField(label="Who will do it, and by when", max_length=1200,
                               widget=forms.Textarea(attrs={"rows": 5}))
    advocate_name = forms.CharField(
        label="The person's advocate", max_length=120, required=False,
        help_text="Their name, as the person knows them. \"Who to speak to\" starts with it.")
    advocate_contact = forms.CharField(
        label="How to reach the advocate", max_length=200, required=False,
        help_text="For example: phone 0300 123 4567, or ask ward staff to call them.")
    speak_to = forms.CharField(label="Who to speak to", max_length=600,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text="Anyone else the person can talk to, after the "
                                         "advocate.")
    use_first_name = forms.BooleanField(
        label="The person agreed to their first name being used", required=False)


class EasyReadShareForm(forms.Form):
    shared_on = DateField(label="Date it was shared")
    shared_with = forms.CharField(label="Who it was shared with", max_length=200,
                                  help_text="For example: the person and their mother.")
    how = forms.ChoiceField(label="How", widget=forms.RadioSelect,
                            choices=EasyReadShare.How.choices)


class EasyReadLetterForm(forms.Form):
    """The person's postal address and their consent, to post them the easy read (issue 43)."""

    address = forms.CharField(
        label="Postal address", max_length=600, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Give the address to post it to"},
        help_text="One line a line: the person's name, the house and street, the town, the "
                  "postcode last. It shows only to those who may post the summary.")
    consent = forms.BooleanField(
        label="The person agreed to have it posted to this address",
        error_messages={"required": "Confirm that the person agreed to have it posted"})
    consent_note = forms.CharField(
        label="How they agreed", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say how they agreed"},
        help_text="For example: asked at the review with their advocate, 3 December.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "letter")
        super().__init__(*args, **kwargs)


class ThemeFilterForm(forms.Form):
    period = forms.ChoiceField(label="Period", required=False)
    region = forms.ChoiceField(label="Region", required=False,
                               choices=[("", "All regions"), *Region.choices])

    def __init__(self, *args, periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p.key, p.label) for p in periods]


class LearningNoteForm(forms.Form):
    text = forms.CharField(label="Learning note", max_length=TEXT_LIMIT,
                           error_messages={"required": "Write the learning note"},
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="What the group has learned about this theme, and what "
                                     "it will do. No names: refer to people by reference.")
