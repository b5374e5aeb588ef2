"""Forms for raising referrals, triage, concerns and queue filters."""
from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Region
from pathways.errors import DomainError
from pathways.forms import DateField

from .models import (
    Concern,
    Condition,
    Discharge,
    LtsEpisode,
    ProtectedCharacteristics,
    Route,
    Unit,
)
from .validation import validate_nhs_number

TEXT_LIMIT = 4000


class ReferralForm(forms.Form):
    nhs_number = forms.CharField(
        label="NHS number", max_length=14,
        help_text="10 digits. If Pathways already knows the person, their record is used.",
        error_messages={"required": "Enter the person's NHS number"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    given_name = forms.CharField(label="Given name", max_length=100, required=False)
    family_name = forms.CharField(label="Family name", max_length=100, required=False)
    date_of_birth = DateField(label="Date of birth")
    condition = forms.ChoiceField(label="Learning disability, autism or both",
                                  choices=Condition.choices, widget=forms.RadioSelect)
    current_unit = forms.ModelChoiceField(
        label="Current unit", queryset=Unit.objects.select_related("provider"),
        empty_label="Choose the unit", error_messages={
            "invalid_choice": "Choose a unit from the list; if it is missing, ask the service "
                              "desk to add it."})
    lts_start_date = DateField(label="Date long-term segregation started")
    admitted_on = DateField(label="Date admitted to hospital (if known)", required=False,
                            help_text="Long-term segregation cannot have begun before it.")
    legal_status = forms.CharField(label="Legal status", max_length=100, required=False,
                                   help_text="For example, Mental Health Act section 3.")
    ethnicity = forms.ChoiceField(label="Ethnicity", required=False,
                                  choices=ProtectedCharacteristics.Ethnicity.choices,
                                  initial="Z", help_text="NHS ethnic category. For equality "
                                  "monitoring only; seen by the oversight group in aggregate.")
    sex = forms.ChoiceField(label="Sex", required=False, initial="not_stated",
                            choices=ProtectedCharacteristics.Sex.choices)
    gender_identity = forms.CharField(label="Gender identity", max_length=100, required=False)
    religion = forms.CharField(label="Religion or belief", max_length=100, required=False)
    requested_route = forms.ChoiceField(
        label="What are you asking for?", choices=Route.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose what you are asking for: a review, a senior "
                                    "intervenor, or both"})
    reason = forms.CharField(
        label="Why are you referring this person?", max_length=TEXT_LIMIT,
        error_messages={"required": "Say why you are referring this person"},
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What keeps them in segregation, and what has been tried. Up to 4,000 "
                  "characters.")

    def clean_nhs_number(self):
        try:
            return validate_nhs_number(self.cleaned_data["nhs_number"])
        except DomainError as error:
            raise ValidationError(error.message) from None

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > date.today():
            raise ValidationError("The date of birth cannot be in the future.")
        return value

    def clean_lts_start_date(self):
        value = self.cleaned_data["lts_start_date"]
        if value > date.today():
            raise ValidationError("The LTS start date cannot be in the future.")
        return value

    CHARACTERISTICS = ("ethnicity", "sex", "gender_identity", "religion")

    def characteristics(self) -> dict:
        data = self.cleaned_data
        return {"ethnicity": data.get("ethnicity") or "Z",
                "sex": data.get("sex") or "not_stated",
                "gender_identity": data.get("gender_identity", ""),
                "religion": data.get("religion", "")}

    def clean(self):
        data = super().clean()
        dob, start = data.get("date_of_birth"), data.get("lts_start_date")
        if dob and start and start < dob:
            self.add_error("lts_start_date", "The LTS start date cannot be before the date of birth.")
        admitted = data.get("admitted_on")
        if admitted and start and start < admitted:
            self.add_error("lts_start_date", "Long-term segregation cannot have begun before the "
                                             "date admitted: check both dates.")
        return data


class ConcernForm(forms.Form):
    kind = forms.ChoiceField(
        label="What are you recording?", choices=Concern.Kind.choices, widget=forms.RadioSelect,
        initial=Concern.Kind.CONCERN,
        help_text="A request for a review asks for an IC(E)TR or a follow-up review; it waits "
                  "in the coordinators' work until one of them responds.")
    source = forms.ChoiceField(
        label="Who raised it", choices=Concern.Source.choices,
        help_text="Record it on behalf of whoever is worried: the person, their family or carer, "
                  "an advocate, or the team supporting them.")
    category = forms.ChoiceField(
        label="What it is about", choices=Concern.Category.choices,
        help_text="A concern about restraint or safeguarding recorded here does not replace a "
                  "local safeguarding referral.")
    severity = forms.ChoiceField(label="Severity", choices=Concern.Severity.choices,
                                 initial=Concern.Severity.MEDIUM)
    description = forms.CharField(
        label="Describe the concern, or why a review is asked for", max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In their words where you can.")

    def clean(self):
        data = super().clean()
        if (data.get("kind") == Concern.Kind.REVIEW_REQUEST
                and data.get("source") not in (None, *Concern.REQUEST_SOURCES)):
            self.add_error("source", "A request for a review is recorded on behalf of the "
                                     "person, their family or carer, an advocate or the team "
                                     "supporting them.")
        return data

    def as_service_kwargs(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("source", "category", "severity", "description")}


class ResolveConcernForm(forms.Form):
    reason = forms.CharField(label="Why is it resolved?", max_length=TEXT_LIMIT)


class OptionalConcernForm(ConcernForm):
    """A concern row on the referral form: left blank, it is ignored."""

    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["kind"]     # the referral itself is the request
        self.fields["description"].required = False

    def has_concern(self) -> bool:
        return bool(self.cleaned_data.get("description", "").strip())


ConcernFormSet = forms.formset_factory(OptionalConcernForm, extra=2, max_num=5,
                                       validate_max=True, absolute_max=5)


class TriageForm(forms.Form):
    ROUTE_CHOICES = [*Route.choices, ("decline", "Decline the referral")]
    route = forms.ChoiceField(label="Decision", choices=ROUTE_CHOICES, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason", max_length=TEXT_LIMIT, required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required when declining: the commissioner will see it. Recorded with the "
                  "decision and the priority shown on this page.")
    dates_confirmed = forms.BooleanField(
        label="I have checked the date of birth and the date long-term segregation began with "
              "the commissioner, and they are right", required=False)

    def __init__(self, *args, young_at_start=None, **kwargs):
        super().__init__(*args, **kwargs)
        if young_at_start is None:
            del self.fields["dates_confirmed"]
        else:
            self.fields["dates_confirmed"].help_text = (
                f"The person would have been {young_at_start} when long-term segregation "
                "began: confirm the dates before accepting.")

    def clean(self):
        data = super().clean()
        if data.get("route") == "decline" and not data.get("reason", "").strip():
            self.add_error("reason", "Give the reason for declining.")
        return data


class QueueFilterForm(forms.Form):
    region = forms.ChoiceField(label="Region", required=False,
                               choices=[("", "All regions"), *Region.choices])
    route = forms.ChoiceField(label="Route asked for", required=False,
                              choices=[("", "All routes"), *Route.choices])
    age_band = forms.ChoiceField(label="Age band", required=False,
                                 choices=[("", "All ages"), ("child", "Under 18"),
                                          ("adult", "18 and over")])
    sort = forms.ChoiceField(label="Sort by", required=False,
                             choices=[("score", "Priority score"), ("days", "Days in LTS")])


class LtsEndForm(forms.Form):
    """Long-term segregation ended: when, how, and how we know."""

    end_date = DateField(label="Date long-term segregation ended")
    end_reason = forms.ChoiceField(
        label="How it ended", widget=forms.RadioSelect,
        choices=[(v, label) for v, label in LtsEpisode.EndReason.choices
                 if v != LtsEpisode.EndReason.TRANSFERRED])
    reason = forms.CharField(label="How you know, or what happened", max_length=TEXT_LIMIT,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="For example: confirmed by the ward manager at the "
                                       "weekly call.")


class DischargeForm(forms.Form):
    """The person left hospital: when, where to, and how we know."""

    discharged_on = DateField(label="Date of discharge")
    setting = forms.ChoiceField(label="Where did they go?", widget=forms.RadioSelect,
                                choices=Discharge.Setting.choices)
    reason = forms.CharField(label="How you know, or what happened", max_length=TEXT_LIMIT,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Long-term segregation still recorded as ongoing ends "
                                       "on the discharge date.")


class ReadmissionForm(forms.Form):
    readmitted_on = DateField(label="Date of readmission")
    reason = forms.CharField(label="How you know, or what happened", max_length=TEXT_LIMIT,
                             widget=forms.Textarea(attrs={"rows": 3}))


class FindPersonForm(forms.Form):
    """The search box (a reference or an NHS number) and, for those who read the whole cohort,
    a name with a date of birth."""

    q = forms.CharField(label="Reference or NHS number", required=False, max_length=100,
                        help_text="For example PW-7K2M9Q or 943 476 5919.")
    name = forms.CharField(label="Name", required=False, max_length=100,
                           help_text="Given name, family name or both, exactly as recorded.")
    born = DateField(label="Date of birth", required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("q") or "").strip() and not (data.get("name") or "").strip():
            raise forms.ValidationError("Enter a reference or an NHS number to search for.")
        if (data.get("name") or "").strip() and not data.get("born") and not data.get("q"):
            self.add_error("born", "Enter the date of birth as well as the name.")
        return data
