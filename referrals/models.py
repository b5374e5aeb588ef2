"""People in long-term segregation, the units they are in, and the referrals raised for them.

Days in LTS, age and the priority score are derived from today's date when read; they are
never stored, except as a dated snapshot taken at triage for the audit trail.
"""
import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Organisation, Region
from pathways import batch
from pathways.history import HistoricalRecords


class CqcRatingValue(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    NOT_YET_RATED = "not_yet_rated", "Not yet rated"


class Unit(models.Model):
    """A hospital ward or unit where people are placed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="units",
        limit_choices_to={"kind": Organisation.Kind.PROVIDER},
    )
    name = models.CharField(max_length=200)
    # The site's ODS code, where it has one (an import names a unit by it or by its name).
    site_code = models.CharField("ODS site code", max_length=10, unique=True, null=True,
                                 blank=True)
    region = models.CharField(max_length=20, choices=Region.choices)
    # The latest rating, kept in step with CqcRating by referrals.services.unit_rate().
    cqc_rating = models.CharField(
        max_length=30, choices=CqcRatingValue.choices, default=CqcRatingValue.NOT_YET_RATED
    )
    cqc_rated_on = models.DateField(null=True, blank=True)
    opened_on = models.DateField(
        "Opened on", null=True, blank=True,
        help_text="The day the unit opened (from CQC's register), where known: nobody's "
                  "long-term segregation there can have begun before it.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="unit_unique_per_provider")
        ]

    def __str__(self):
        return f"{self.name} ({self.provider})"


class CqcRating(models.Model):
    """One published CQC rating of a unit; the list is the unit's rating history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="ratings")
    rating = models.CharField(max_length=30, choices=CqcRatingValue.choices)
    rated_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-rated_on"]

    def __str__(self):
        return f"{self.get_rating_display()} on {self.rated_on:%d %b %Y}"


class Condition(models.TextChoices):
    LEARNING_DISABILITY = "learning_disability", "Learning disability"
    AUTISM = "autism", "Autism"
    BOTH = "both", "Learning disability and autism"


class Person(models.Model):
    """A person in (or at risk of) long-term segregation. Shown by reference by default."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, editable=False)
    nhs_number = models.CharField("NHS number", max_length=10, unique=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    condition = models.CharField(max_length=30, choices=Condition.choices)
    commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="commissioned_people"
    )
    current_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    legal_status = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["reference"]
        permissions = [
            ("view_protected_characteristics", "Can see protected characteristics"),
        ]

    def __str__(self):
        return self.reference

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def age(self) -> int:
        return self.age_on(date.today())

    @property
    def is_child(self) -> bool:
        return self.age < 18


class ProtectedCharacteristics(models.Model):
    """Equality monitoring data, kept apart from the person so few roles ever load it."""

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NOT_STATED = "not_stated", "Not stated"

    class Ethnicity(models.TextChoices):
        # NHS Data Dictionary ethnic category codes (2001 census groups).
        A = "A", "White - British"
        B = "B", "White - Irish"
        C = "C", "White - Any other White background"
        D = "D", "Mixed - White and Black Caribbean"
        E = "E", "Mixed - White and Black African"
        F = "F", "Mixed - White and Asian"
        G = "G", "Mixed - Any other mixed background"
        H = "H", "Asian or Asian British - Indian"
        J = "J", "Asian or Asian British - Pakistani"
        K = "K", "Asian or Asian British - Bangladeshi"
        L = "L", "Asian or Asian British - Any other Asian background"
        M = "M", "Black or Black British - Caribbean"
        N = "N", "Black or Black British - African"
        P = "P", "Black or Black British - Any other Black background"
        R = "R", "Other Ethnic Groups - Chinese"
        S = "S", "Other Ethnic Groups - Any other ethnic group"
        Z = "Z", "Not stated"

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="characteristics"
    )
    ethnicity = models.CharField(max_length=1, choices=Ethnicity.choices, default="Z")
    sex = models.CharField(max_length=20, choices=Sex.choices, default=Sex.NOT_STATED)
    gender_identity = models.CharField(max_length=100, blank=True)
    religion = models.CharField(max_length=100, blank=True)
    disability = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    def __str__(self):
        return f"Protected characteristics of {self.person}"


class LtsEpisode(models.Model):
    """A period of long-term segregation in one unit."""

    class EndReason(models.TextChoices):
        DISCHARGED = "discharged", "Discharged from hospital"
        LESS_RESTRICTIVE = "less_restrictive", "Moved to a less restrictive setting"
        ENDED_SAME_UNIT = "ended_same_unit", "LTS ended in the same unit"
        TRANSFERRED = "transferred", "Transferred to another unit"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="lts_episodes")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="lts_episodes")
    start_date = models.DateField("LTS start date")
    admitted_on = models.DateField(
        "Date admitted to hospital", null=True, blank=True,
        help_text="Where known: long-term segregation cannot have begun before it.")
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=30, choices=EndReason.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="lts_episode_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(end_date__isnull=True),
                name="lts_one_open_episode_per_person",
            ),
        ]

    def __str__(self):
        return f"LTS from {self.start_date:%d %b %Y} at {self.unit.name}"

    def clean(self):
        if self.start_date and self.start_date > date.today():
            raise ValidationError({"start_date": "The LTS start date cannot be in the future."})
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date must be on or after the start date."})

    def days_on(self, day: date) -> int:
        end = self.end_date or day
        return max((end - self.start_date).days, 0)

    @property
    def days_in_lts(self) -> int:
        return self.days_on(date.today())


class Discharge(models.Model):
    """The person left hospital: when, to what kind of setting, and whether they came back.

    One discharge without a readmission at a time. Readmission within 12 months is the outcome
    an evaluation looks for (a discharge that did not hold).
    """

    class Setting(models.TextChoices):
        FAMILY_HOME = "family_home", "Home, with family"
        OWN_HOME = "own_home", "Own home with support"
        SUPPORTED_LIVING = "supported_living", "Supported living"
        RESIDENTIAL = "residential", "Residential care"
        OTHER = "other", "Another community setting"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="discharges")
    discharged_on = models.DateField()
    setting = models.CharField(max_length=20, choices=Setting.choices)
    readmitted_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-discharged_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(readmitted_on__isnull=True)
                | Q(readmitted_on__gte=models.F("discharged_on")),
                name="discharge_readmitted_after_discharge",
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(readmitted_on__isnull=True),
                name="discharge_one_open_per_person",
            ),
        ]

    def __str__(self):
        return f"Discharged on {self.discharged_on:%d %b %Y} to {self.get_setting_display().lower()}"

    @property
    def readmitted_within_a_year(self) -> bool:
        return self.readmitted_on is not None and (
            self.readmitted_on - self.discharged_on).days <= 365


class Concern(models.Model):
    class Source(models.TextChoices):
        PERSON = "person", "The person"
        FAMILY = "family", "Family or carer"
        ADVOCATE = "advocate", "Advocate"
        SYSTEM = "system", "Provider or system"
        CQC = "cqc", "CQC"
        COMMISSIONER = "commissioner", "Commissioner"

    class Category(models.TextChoices):
        PHYSICAL_HEALTH = "physical_health", "Physical health"
        RESTRAINT = "restraint", "Restraint or use of force"
        FAMILY_CONTACT = "family_contact", "Access to family"
        ENVIRONMENT = "environment", "Environment"
        QUALITY_OF_CARE = "quality_of_care", "Quality of care"
        SAFEGUARDING = "safeguarding", "Safeguarding"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Kind(models.TextChoices):
        CONCERN = "concern", "Concern"
        # C(E)TR code of practice: the person, their family or carer, an advocate or the team
        # supporting them may ask for a review; Pathways users record it on their behalf.
        REVIEW_REQUEST = "review_request", "Request for a review"

    # Who may ask for a review through a Pathways user (everyone but CQC and commissioners,
    # who act directly).
    REQUEST_SOURCES = (Source.PERSON, Source.FAMILY, Source.ADVOCATE, Source.SYSTEM)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="concerns")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CONCERN)
    source = models.CharField(max_length=20, choices=Source.choices)
    category = models.CharField(max_length=30, choices=Category.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    raised_on = models.DateField()
    description = models.TextField(max_length=4000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_on"]
        # The ranking counts each waiting person's open concerns, and looks up whether anyone
        # has an open request for a review (a few rows among thousands of concerns).
        indexes = [models.Index(fields=["person", "status"], name="concern_person_status"),
                   models.Index(fields=["person"], name="concern_open_request",
                                condition=models.Q(kind="review_request", status="open"))]

    def __str__(self):
        if self.kind == self.Kind.REVIEW_REQUEST:
            return f"Request for a review from {self.get_source_display().lower()}"
        return f"{self.get_category_display()} concern from {self.get_source_display().lower()}"


class Route(models.TextChoices):
    REVIEW = "review", "IC(E)TR review"
    INTERVENOR = "intervenor", "Senior intervenor"
    BOTH = "both", "IC(E)TR review and senior intervenor"


class Referral(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Awaiting triage"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CLOSED = "closed", "Closed"

    OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_raised"
    )
    raised_at = models.DateTimeField()
    reason = models.TextField(max_length=4000)
    requested_route = models.CharField(max_length=20, choices=Route.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    route = models.CharField(max_length=20, choices=Route.choices, blank=True)
    decision_reason = models.TextField(max_length=4000, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_triaged",
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    # The coordinator who confirmed, at triage, dates that make the person very young when
    # long-term segregation began (younger than LtsAgeLimits.confirm_under).
    dates_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+")
    # Priority snapshot for the audit trail: what the score was, under which policy, when.
    priority_score = models.PositiveIntegerField(null=True, blank=True)
    priority_breakdown = models.JSONField(default=dict, blank=True)
    priority_policy = models.ForeignKey(
        "PriorityPolicy", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    priority_snapshot_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at"]
        permissions = [("triage_referral", "Can triage referrals")]
        indexes = [models.Index(fields=["status", "raised_at"], name="referral_status_raised")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["submitted", "accepted"]),
                name="referral_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decision_reason=""),
                name="referral_decline_has_reason",
            ),
        ]

    def __str__(self):
        return f"Referral for {self.person} ({self.get_status_display().lower()})"


class LtsAgeLimits(models.Model):
    """How young a person can plausibly have been when long-term segregation began (issue 32).
    Below `refuse_under` the dates are refused everywhere (form, API, import) as a typing slip;
    below `confirm_under` they are accepted, and a coordinator confirms them at triage. Data,
    not code: an administrator changes them with a reason, and the history keeps each version."""

    refuse_under = models.PositiveSmallIntegerField(
        "Refuse a start below this age", default=8,
        help_text="Years. A younger start is refused as a mistyped date.")
    confirm_under = models.PositiveSmallIntegerField(
        "Ask a coordinator to confirm a start below this age", default=12,
        help_text="Years. At triage, the coordinator confirms they have checked the dates.")
    reason = models.TextField(max_length=2000, help_text="Why these ages, and their source.")
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "LTS age limits"
        constraints = [models.CheckConstraint(condition=models.Q(
            confirm_under__gte=models.F("refuse_under")), name="lts_age_limits_in_order")]

    def __str__(self):
        return f"Refuse under {self.refuse_under}, confirm under {self.confirm_under}"

    @classmethod
    def current(cls) -> "LtsAgeLimits":
        return batch.once(cls, lambda: cls.objects.order_by("pk").first() or cls(
            refuse_under=8, confirm_under=12, reason="The defaults: no limits recorded yet."))


class PriorityPolicy(models.Model):
    """Versioned weights for the priority score. The highest version is in force."""

    version = models.PositiveIntegerField(unique=True)
    points_per_month_in_lts = models.PositiveSmallIntegerField(default=1)
    lts_months_cap = models.PositiveSmallIntegerField(default=60)
    points_inadequate = models.PositiveSmallIntegerField(default=20)
    points_requires_improvement = models.PositiveSmallIntegerField(default=10)
    points_not_yet_rated = models.PositiveSmallIntegerField(default=8)
    points_good = models.PositiveSmallIntegerField(default=0)
    points_outstanding = models.PositiveSmallIntegerField(default=0)
    points_per_concern_source = models.PositiveSmallIntegerField(default=5)
    points_per_high_severity_concern = models.PositiveSmallIntegerField(default=5)
    concern_points_cap = models.PositiveSmallIntegerField(default=30)
    points_review_requested = models.PositiveSmallIntegerField(
        default=10, help_text="Added once while a request for a review is open.")
    points_child = models.PositiveSmallIntegerField(default=30)
    adult_lts_limit_days = models.PositiveSmallIntegerField(default=15)
    reason = models.TextField(max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    WEIGHT_FIELDS = (
        "points_per_month_in_lts", "lts_months_cap", "points_inadequate",
        "points_requires_improvement", "points_not_yet_rated", "points_good",
        "points_outstanding", "points_per_concern_source", "points_per_high_severity_concern",
        "concern_points_cap", "points_review_requested", "points_child", "adult_lts_limit_days",
    )

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "priority policies"

    def __str__(self):
        return f"Priority policy v{self.version}"

    def rating_points(self) -> dict[str, int]:
        return {
            CqcRatingValue.INADEQUATE: self.points_inadequate,
            CqcRatingValue.REQUIRES_IMPROVEMENT: self.points_requires_improvement,
            CqcRatingValue.NOT_YET_RATED: self.points_not_yet_rated,
            CqcRatingValue.GOOD: self.points_good,
            CqcRatingValue.OUTSTANDING: self.points_outstanding,
        }


# Object permissions in tables with a real foreign key (guardian's "direct" models), so that
# scoping a list joins on an indexed column rather than on guardian's text object_pk.
class PersonUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Person, on_delete=models.CASCADE)


class PersonGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Person, on_delete=models.CASCADE)


class ReferralUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)


class ReferralGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)
