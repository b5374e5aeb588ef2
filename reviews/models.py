"""IC(E)TR reviews: the panel, what it found, and the actions that follow.

An action's status moves only through reviews.lifecycle.ActionLifecycle (viewflow.fsm);
"overdue" is derived from the due date, never stored.
"""
import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Organisation
from pathways.history import HistoricalRecords


class Review(models.Model):
    class Kind(models.TextChoices):
        ICTR = "ictr", "ICTR (adult)"
        ICETR = "icetr", "ICETR (child or young person, with education)"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Panel held"
        REPORT_ISSUED = "report_issued", "Report issued"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="reviews"
    )
    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField()
    # The chain of reviews: when the chair wants the person seen again, and the follow-up review
    # that the hourly sweep starts on that date (one at most: the database holds the rule).
    follow_up_by = models.DateField(null=True, blank=True)
    follows = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="follow_up")
    scheduled_for = models.DateField(null=True, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    reasonable_adjustments = models.TextField(max_length=4000, blank=True)
    consent_recorded = models.BooleanField(default=False)
    invitees = models.TextField("Invited (family, advocate)", max_length=2000, blank=True)
    held_on = models.DateField(null=True, blank=True)
    attendance = models.TextField(max_length=4000, blank=True)
    life_story = models.TextField(max_length=8000, blank=True)
    reason_for_admission = models.TextField(max_length=4000, blank=True)
    reason_for_lts = models.TextField("Reason for LTS", max_length=4000, blank=True)
    diagnoses = models.TextField(max_length=4000, blank=True)
    treatment_plan = models.TextField(max_length=8000, blank=True)
    findings = models.TextField(max_length=16000, blank=True)
    # The person's and family's voice, in their own words, with who said it and how.
    person_took_part = models.BooleanField(default=False)
    family_took_part = models.BooleanField(default=False)
    advocate_took_part = models.BooleanField(default=False)
    person_view = models.TextField("What matters to me and what I want to happen next",
                                   max_length=4000, blank=True)
    person_view_how = models.CharField(max_length=20, choices=[
        ("own_words", "In the person's own words"),
        ("supported", "With support (advocate, family or a communication aid)"),
        ("observed", "What the panel observed and understood"),
    ], blank=True)
    family_view = models.TextField("The family's or advocate's view", max_length=4000,
                                   blank=True)
    family_view_by = models.CharField(max_length=200, blank=True)
    report_issued_on = models.DateField(null=True, blank=True)
    report_summary = models.TextField(max_length=8000, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "scheduled_for", "id"], name="review_status_order"),
                   models.Index(fields=["requested_at", "id"], name="review_requested_order")]
        permissions = [("schedule_review", "Can schedule reviews and allocate panels")]

    def __str__(self):
        return f"{self.get_kind_display().split(' ')[0]} for {self.person}"

    @property
    def follow_up_review(self) -> "Review | None":
        """The follow-up review, once the sweep has started it (None before)."""
        try:
            return self.follow_up
        except Review.DoesNotExist:
            return None

    @property
    def short_kind(self) -> str:
        return "ICETR" if self.kind == self.Kind.ICETR else "ICTR"


class PanelMember(models.Model):
    class PanelRole(models.TextChoices):
        CHAIR = "chair", "Chair (CQC Mental Health Act Reviewer)"
        CLINICAL_EXPERT = "clinical_expert", "Clinical expert"
        EXPERT_BY_EXPERIENCE = "expert_by_experience", "Expert by experience"
        COMMISSIONER = "commissioner", "Commissioner"
        EDUCATION = "education", "Education representative (ICETR)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    external_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=30, choices=PanelRole.choices)
    conflict_declared = models.BooleanField(default=False)
    conflict_details = models.TextField(max_length=2000, blank=True)
    attended = models.BooleanField(null=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["role"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "user"], condition=Q(user__isnull=False),
                name="panel_member_once_per_review",
            ),
            models.UniqueConstraint(
                fields=["review"], condition=Q(role="chair"), name="panel_one_chair"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(external_name=""),
                name="panel_member_named",
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.get_role_display()})"

    @property
    def display_name(self) -> str:
        return str(self.user) if self.user_id else self.external_name


class Theme(models.Model):
    """A theme of learning across reviews (commissioning and funding, housing and provider
    market, …): a taxonomy kept as data, so the oversight group can revise it. Each
    recommendation is coded with one; each barrier on the checklist through its domain."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(max_length=2000, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class LearningNote(models.Model):
    """What the oversight group has learned about a theme, in its own words."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField(max_length=4000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"Learning note on {self.theme} ({self.recorded_at:%d %b %Y})"


class BarrierDomain(models.Model):
    """One domain of the HOPE(S) Barriers to Change Checklist. Data, so it can be revised."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    prompt = models.TextField(max_length=2000, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    # A barrier found in this domain counts towards this theme of learning.
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="domains")
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class BarrierAnswer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="barriers")
    domain = models.ForeignKey(BarrierDomain, on_delete=models.PROTECT, related_name="+")
    is_barrier = models.BooleanField(default=False)
    evidence = models.TextField(max_length=4000, blank=True)
    planned_intervention = models.TextField(max_length=4000, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["domain__order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "domain"], name="barrier_once_per_review")
        ]

    def __str__(self):
        return f"{self.domain}: {'barrier' if self.is_barrier else 'not a barrier'}"


class Recommendation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="recommendations")
    number = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=4000)
    # Null only for recommendations issued before themes were coded.
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="recommendations")
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="recommendation_number")
        ]

    def __str__(self):
        return f"Recommendation {self.number}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    VERIFIED = "verified", "Verified"
    CANCELLED = "cancelled", "Cancelled"


class Action(models.Model):
    OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Where the action came from (decision 0027): a review's recommendation (review and
    # recommendation set), or a senior intervenor's case (case set), never both. One action
    # system serves both; the person is kept on every action so lists, access and the sweep
    # reach them the same way whatever the source.
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    review = models.ForeignKey(Review, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="actions")
    case = models.ForeignKey("intervenors.IntervenorCase", on_delete=models.CASCADE, null=True,
                             blank=True, related_name="actions")
    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT,
                               related_name="actions")
    # The day the action was issued: the report's day, or the day the intervenor agreed it.
    issued_on = models.DateField(default=date.today)
    # A case's action is coded with a theme of learning as it is agreed; a review's action
    # takes its recommendation's theme.
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="case_actions")
    text = models.TextField(max_length=4000)
    # The named owner is one person, never a whole organisation: CQC and NHS England are
    # organisations too, and their staff must not all be able to move an action (issue 10).
    # Null only for actions issued before owners were people; a coordinator names one.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="owned_actions", verbose_name="named owner",
    )
    # Copies taken when the owner is named, for reports by organisation and for the record.
    owner_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="actions"
    )
    owner_name = models.CharField("Named owner", max_length=200)
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default="open")
    completion_evidence = models.TextField(max_length=8000, blank=True)
    cancel_reason = models.TextField(max_length=4000, blank=True)
    # Separation of duties: whoever completed an action cannot also verify it.
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date"]
        # Lists are ordered by (due_date, id) and cut at a page: each index ends in that order
        # so the database reads the first page off the index instead of sorting every action.
        indexes = [
            models.Index(fields=["due_date", "id"], name="action_due_order"),
            models.Index(fields=["due_date", "id"], condition=Q(status__in=["open", "in_progress"]),
                         name="action_open_due_order"),
            models.Index(fields=["status", "due_date", "id"], name="action_status_due_order"),
        ]
        permissions = [("verify_action", "Can verify completed actions"),
                       ("assign_owner_action", "Can name or change an action's owner"),
                       ("respond_escalation_action",
                        "Can record what the oversight group did about an escalated action")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["completed", "verified"]) | ~Q(completion_evidence=""),
                name="action_completion_has_evidence",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="action_cancel_has_reason",
            ),
            models.CheckConstraint(
                condition=(Q(review__isnull=False, recommendation__isnull=False,
                             case__isnull=True, theme__isnull=True)
                           | Q(review__isnull=True, recommendation__isnull=True,
                               case__isnull=False)),
                name="action_has_one_source",
            ),
        ]

    def __str__(self):
        return self.text[:60]

    @property
    def from_case(self) -> bool:
        return self.case_id is not None

    @property
    def source_label(self) -> str:
        """Where the action came from, in the words the lists and notices use."""
        if self.from_case:
            return "Agreed by the senior intervenor"
        return f"Recommendation {self.recommendation.number} of the review"

    def is_overdue_on(self, day: date) -> bool:
        return self.status in self.OPEN_STATUSES and self.due_date < day

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(date.today())


class EscalationResponse(models.Model):
    """What the oversight group did about an escalated action, and when it will look again.

    Agreeing a new due date moves the action's date and clears its escalation, so the hourly
    sweep treats the new date afresh: one reminder, one overdue notice and, if it slips 14 days
    again, one new escalation (its notifications are keyed by due date).
    """

    class Step(models.TextChoices):
        WROTE_TO_ICB = "wrote_to_icb", "Wrote to the ICB"
        RAISED_WITH_REGION = "raised_with_region", "Raised with the NHS England region"
        MET_ORGANISATIONS = "met_organisations", "Met the organisations involved"
        NEW_DATE = "new_date", "Agreed a new due date"
        OTHER = "other", "Something else"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.ForeignKey(Action, on_delete=models.CASCADE,
                               related_name="escalation_responses")
    step = models.CharField("What the group did", max_length=30, choices=Step.choices)
    reason = models.TextField(max_length=4000)
    follow_up_on = models.DateField("Look at it again on")
    previous_due_date = models.DateField()
    new_due_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["action", "recorded_at"], name="escalation_action_time")]

    def __str__(self):
        return f"{self.get_step_display()} ({self.recorded_at:%d %b %Y})"


class ActionUpdate(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    text = models.TextField(max_length=4000)
    new_status = models.CharField(max_length=20, choices=ActionStatus.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Update on {self.created_at:%d %b %Y}"


class EasyReadSummary(models.Model):
    """The review told in plain words for the person and their family: what we found, what
    will happen, who will do it and by when, and who to speak to. No NHS number, no surname;
    the first name only if the person agreed."""

    SECTIONS = (("found", "What we found"), ("will_happen", "What will happen"),
                ("who_when", "Who will do it, and by when"), ("speak_to", "Who to speak to"))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="easy_read")
    found = models.TextField(max_length=1200)
    will_happen = models.TextField(max_length=1200)
    who_when = models.TextField(max_length=1200)
    speak_to = models.TextField(max_length=600)
    # Who to speak to, first (issue 44): the person's advocate and how to reach them.
    advocate_name = models.CharField(max_length=120, blank=True)
    advocate_contact = models.CharField(max_length=200, blank=True)
    use_first_name = models.BooleanField(default=False)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    written_at = models.DateTimeField()
    history = HistoricalRecords()

    def __str__(self):
        return f"Easy-read summary of {self.review}"

    def advocate_lines(self) -> list[str]:
        """The advocate, as the summary's "Who to speak to" begins."""
        if not self.advocate_name:
            return []
        lines = [f"Your advocate is {self.advocate_name}."]
        if self.advocate_contact:
            lines.append(f"You can reach them: {self.advocate_contact}.")
        return lines


class EasyReadShare(models.Model):
    """That the easy-read summary was given to the person or family: when, how, to whom."""

    class How(models.TextChoices):
        IN_PERSON = "in_person", "Given in person"
        POST = "post", "Sent by post"
        EMAIL = "email", "Sent by email"
        ADVOCATE = "advocate", "Through their advocate"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    summary = models.ForeignKey(EasyReadSummary, on_delete=models.PROTECT, related_name="shares")
    shared_on = models.DateField()
    shared_with = models.CharField(max_length=200)
    how = models.CharField(max_length=20, choices=How.choices)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    recorded_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-shared_on", "-recorded_at"]

    def __str__(self):
        return f"Shared with {self.shared_with} on {self.shared_on:%d %b %Y}"


class EasyReadLetter(models.Model):
    """The easy-read summary posted to the person as a letter through GOV.UK Notify (issue 43):
    the address and consent the referring commissioner recorded, and what became of it. The
    address is personal data, shown only to those who may send it."""

    class Status(models.TextChoices):
        NOT_SENT = "", "Not posted yet"
        # GOV.UK Notify's statuses for a precompiled letter.
        PENDING = "pending-virus-check", "Received by GOV.UK Notify, being checked"
        ACCEPTED = "accepted", "Accepted: being printed"
        RECEIVED = "received", "Posted by the printer"
        CANCELLED = "cancelled", "Cancelled"
        VALIDATION_FAILED = "validation-failed", "Refused: the layout did not pass Notify's check"
        VIRUS_SCAN_FAILED = "virus-scan-failed", "Refused by Notify's virus check"
        TECHNICAL_FAILURE = "technical-failure", "Not sent: a problem at GOV.UK Notify"
        PERMANENT_FAILURE = "permanent-failure", "Not delivered"
        REFUSED = "refused", "Refused by GOV.UK Notify"

    FINAL = (Status.RECEIVED, Status.CANCELLED, Status.VALIDATION_FAILED,
             Status.VIRUS_SCAN_FAILED, Status.TECHNICAL_FAILURE, Status.PERMANENT_FAILURE,
             Status.REFUSED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    summary = models.ForeignKey(EasyReadSummary, on_delete=models.PROTECT, related_name="letters")
    address = models.TextField(max_length=600, help_text="One line a line, the postcode last.")
    consent_note = models.TextField(max_length=2000,
                                    help_text="How the person agreed to have it posted.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    notify_id = models.UUIDField(null=True, blank=True, unique=True)
    status = models.CharField(max_length=30, choices=Status.choices, blank=True, default="")
    status_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    share = models.OneToOneField(EasyReadShare, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="letter")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"Easy-read letter ({self.get_status_display()})"

    @property
    def reference(self) -> str:
        """Notify's reference for the letter: its own id, so a send cut off is found again."""
        return f"pathways-letter-{self.pk}"

    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]


class PanelDraft(models.Model):
    """What a chair has typed into the panel record and not yet recorded, kept as they type
    (issue 44) so that a timeout, a closed tab or a lost connection loses nothing. One a chair
    and review; only its author reads it; deleted when the panel is recorded. It is the form's
    fields as posted, {name: [values]}, never read as the record itself."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="panel_drafts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="+")
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "author"],
                                               name="one_panel_draft_per_chair")]

    def __str__(self):
        return f"Draft panel record for {self.review_id}, saved {self.saved_at:%d %b %Y %H:%M}"


# Object permissions in tables with a real foreign key (guardian's "direct" models), so that
# scoping a list joins on an indexed column rather than on guardian's text object_pk.
class ReviewUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Review, on_delete=models.CASCADE)


class ReviewGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Review, on_delete=models.CASCADE)


class ActionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Action, on_delete=models.CASCADE)


class ActionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Action, on_delete=models.CASCADE)
