"""Senior intervenors and their cases. At most three active cases each, held by the database."""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from pathways.history import HistoricalRecords

# Each senior intervenor works with at most three people at a time (NHS England programme
# description). A rule, not a setting: the database triggers in migration 0002 hold it too.
MAX_ACTIVE_CASES = 3


class Intervenor(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intervenor_profile"
    )
    regions = models.JSONField(default=list, blank=True, help_text="Region codes covered.")
    available = models.BooleanField(default=True)
    children = models.BooleanField(
        "Senior children's intervenor", default=False,
        help_text="Works with children and young people; offered a child on the waiting list "
                  "first.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__last_name", "user__username"]

    def __str__(self):
        return str(self.user)

    def region_labels(self) -> list[str]:
        from accounts.models import Region

        labels = dict(Region.choices)
        return [labels.get(code, code) for code in self.regions]


class IntervenorCase(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        DISCHARGED = "discharged", "Discharged to the community"
        LESS_RESTRICTIVE = "less_restrictive", "Moved to a less restrictive setting"
        ENDED_SAME_UNIT = "ended_same_unit", "LTS ended in the same unit"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        "referrals.Person", on_delete=models.PROTECT, related_name="intervenor_cases"
    )
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="intervenor_cases"
    )
    intervenor = models.ForeignKey(
        Intervenor, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    waiting_since = models.DateTimeField()
    assigned_on = models.DateTimeField(null=True, blank=True)
    plan = models.TextField("Discharge plan", max_length=8000, blank=True)
    proposed_outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    proposed_reason = models.TextField(max_length=4000, blank=True)
    closure_proposed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    closure_reason = models.TextField(max_length=4000, blank=True)
    closed_on = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["waiting_since"]
        permissions = [
            ("assign_intervenorcase", "Can assign intervenor cases"),
            ("confirm_closure_intervenorcase", "Can confirm closure of intervenor cases"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="active") | Q(intervenor__isnull=False),
                name="intervenorcase_active_has_intervenor",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(outcome=""),
                name="intervenorcase_closed_has_outcome",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["waiting", "active"]),
                name="intervenorcase_one_open_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["intervenor", "status"]),
            models.Index(fields=["waiting_since"], condition=Q(status="waiting"),
                         name="case_waiting_since"),
            models.Index(fields=["waiting_since", "id"], name="case_waiting_order"),
        ]

    def __str__(self):
        return f"Intervenor case for {self.person} ({self.get_status_display().lower()})"

    def next_milestone(self, today=None):
        """The discharge plan's open milestone due soonest, and how many days late it is (0
        on time), or None (issue 45): on the case page and the person's record."""
        return _next_milestone(self, today)


def _next_milestone(case, today=None):
    """The open milestone due soonest and how many days late it is (0 on time), or None."""
    from datetime import date

    today = today or date.today()
    found = case.milestones.filter(status__in=["planned", "in_progress"]).order_by(
        "target_date", "created_at").first()
    return None if found is None else (found, found.days_late(today))


class CaseActivity(models.Model):
    class Kind(models.TextChoices):
        VISIT = "visit", "Visit"
        MEETING = "meeting", "Meeting"
        ESCALATION = "escalation", "Escalation"
        BARRIER = "barrier", "Barrier addressed"
        NOTE = "note", "Note"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(IntervenorCase, on_delete=models.CASCADE, related_name="activities")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField(max_length=8000)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        verbose_name_plural = "case activities"

    def __str__(self):
        return f"{self.get_kind_display()} on {self.occurred_on:%d %b %Y}"


class ListedKind(models.Model):
    """An entry of a list an administrator keeps and revises (intervenors.taxonomy): a code
    that never changes, the words people read, its place in the list, and whether it is still
    offered."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class SystemBarrierKind(ListedKind):
    """A kind of system barrier that keeps people in LTS for reasons that are not clinical
    (issue 45), counted nationally by the oversight group."""

    history = HistoricalRecords()


class CaseBarrier(models.Model):
    """A system barrier the intervenor is working to unblock for this person: what it is, a
    note, where it stands, and, when the intervenor needs the oversight group's help, what
    they need and the group's answer. Every change is a decision on the person's timeline."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        BEING_WORKED = "being_worked", "Being worked on"
        RESOLVED = "resolved", "Resolved"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(IntervenorCase, on_delete=models.CASCADE, related_name="barriers")
    kind = models.ForeignKey(SystemBarrierKind, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(max_length=4000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()
    # Escalated to the oversight group: what the intervenor needs, until the group answers.
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_need = models.TextField(max_length=4000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    answer = models.TextField(max_length=4000, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(escalated_at__isnull=True)
                                   | ~Q(escalation_need=""), name="barrier_escalation_says_why"),
            models.CheckConstraint(condition=Q(answered_at__isnull=True) | ~Q(answer=""),
                                   name="barrier_answer_says_why"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.get_status_display()}"

    @property
    def waiting_for_oversight(self) -> bool:
        return self.escalated_at is not None and self.answered_at is None


class MilestoneKind(ListedKind):
    """A standard step of a discharge plan, offered to every intervenor (issue 45). An
    intervenor may add a step of their own instead."""

    history = HistoricalRecords()


class CaseMilestone(models.Model):
    """A step of the person's discharge plan: what it is, who owns it (a named person, with
    their organisation as recorded), a target date, a status and a note. Every change is a
    decision on the person's timeline; the history keeps every version."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "No longer needed"

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(IntervenorCase, on_delete=models.CASCADE, related_name="milestones")
    kind = models.ForeignKey(MilestoneKind, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    title = models.CharField("What it is", max_length=200)
    owner_name = models.CharField("Who owns it", max_length=200)
    owner_organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                           null=True, blank=True, related_name="+")
    target_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    note = models.TextField(max_length=4000, blank=True)
    done_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["target_date", "created_at"]

    def __str__(self):
        return self.title

    def days_late(self, today) -> int:
        """Days past its target while still open (0 when on time, done or dropped)."""
        if self.status not in self.OPEN_STATUSES:
            return 0
        return max((today - self.target_date).days, 0)


# Object permissions in tables with a real foreign key (guardian's "direct" models), so that
# scoping a list joins on an indexed column rather than on guardian's text object_pk.
class IntervenorCaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(IntervenorCase, on_delete=models.CASCADE)


class IntervenorCaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(IntervenorCase, on_delete=models.CASCADE)
