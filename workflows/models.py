"""Flow processes and the notifications owed to people. (The audit log lives in `audit`.)"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords
from viewflow.workflow.models import Process


class ReferralProcess(Process):
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="process"
    )

    class Meta:
        verbose_name = "referral process"

    def __str__(self):
        return f"Referral for {self.referral.person}"


class ReviewProcess(Process):
    review = models.OneToOneField("reviews.Review", on_delete=models.PROTECT, related_name="process")

    class Meta:
        verbose_name = "review process"

    def __str__(self):
        return str(self.review)


class IntervenorProcess(Process):
    case = models.OneToOneField(
        "intervenors.IntervenorCase", on_delete=models.PROTECT, related_name="process"
    )

    class Meta:
        verbose_name = "intervenor process"

    def __str__(self):
        return str(self.case)


class Notification(models.Model):
    """One message owed to people. The unique key makes every send idempotent (S33)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Action due soon"
        OVERDUE = "overdue", "Action overdue"
        ESCALATED = "escalated", "Action escalated to the oversight group"
        CASE_ASSIGNED = "case_assigned", "Case assigned"
        PANEL_ALLOCATED = "panel_allocated", "Panel allocated"
        TRIAGED = "triaged", "Referral triaged"
        REPORT_ISSUED = "report_issued", "Report issued"
        VERIFIED = "verified", "Action verified"
        EXPORT_READY = "export_ready", "Export ready to download"
        PERSON_ELSEWHERE = "person_elsewhere", "Referral refused: person recorded elsewhere"

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The page it is about (a path), for the in-app list; the email carries it as a full link.
    link = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.key


class StepTarget(models.Model):
    """How long a flow step may wait before it is overdue: a service-level target kept as data,
    changed by an administrator with a reason (the history keeps every version)."""

    class Step(models.TextChoices):
        TRIAGE = "triage", "Triage the referral"
        SCHEDULE = "schedule", "Schedule the panel"
        HOLD_PANEL = "hold_panel", "Record the panel"
        ISSUE_REPORT = "issue_report", "Issue the report"
        ASSIGN = "assign", "Assign an intervenor"
        CONFIRM_CLOSURE = "confirm_closure", "Confirm the closure"

    step = models.CharField(max_length=30, choices=Step.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(
        help_text="Working days (England and Wales, bank holidays excluded) from the day the "
                  "step opened.")
    reason = models.TextField(max_length=2000, help_text="Why this target, and its source.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["step"]

    def __str__(self):
        return f"{self.get_step_display()}: {self.working_days} working days"


class Notice(models.Model):
    """One person's copy of a notification in Pathways itself, read or not. Only the named
    people concerned get one, never every user of an organisation."""

    id = models.BigAutoField(primary_key=True)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notices")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-notification__created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["notification", "user"],
                                               name="notice_once_per_person")]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_unread")]

    def __str__(self):
        return f"{self.notification.subject} for {self.user}"


class MeetingPack(models.Model):
    """The oversight group's meeting pack for a period: built in the background, kept as the
    PDF, HTML and CSV made at that moment (figures move daily; the pack is what the group
    read). Each row is also the log of who asked for which pack, and when."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    period_key = models.CharField(max_length=20)
    period_label = models.CharField(max_length=100)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    step = models.PositiveSmallIntegerField(default=0)       # steps done, of PACK_STEPS
    step_label = models.CharField(max_length=100, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)      # the exception's type only
    pdf = models.BinaryField(blank=True, default=b"")
    html = models.TextField(blank=True)
    csv = models.TextField(blank=True)
    history = HistoricalRecords(excluded_fields=["pdf", "html", "csv"])

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"Meeting pack for {self.period_label} ({self.requested_at:%d %b %Y %H:%M})"


class Export(models.Model):
    """A list written as CSV in the background for the person who asked, from what they may
    see when it is built. Only they may download it, and only until it expires; the row stays
    afterwards (its file emptied) as the log of who exported what, with which filters and how
    many rows (SECURITY.md S29)."""

    class Kind(models.TextChoices):
        QUEUE = "queue", "The triage queue"
        ACTIONS = "actions", "Actions"
        CASELOADS = "caseloads", "Intervenor caseloads"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being written"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"
        # The asker's access shrank after they asked (a role, a relationship or their
        # organisation): what the file holds may no longer be theirs to read.
        CLOSED = "closed", "Closed: your access changed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    filters = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="exports")
    # The asker's organisation when they asked: the file is theirs only while they still work
    # there (security round 3, finding 5).
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)          # bytes of the file
    error = models.CharField(max_length=300, blank=True)      # the exception's type only
    csv = models.TextField(blank=True)
    history = HistoricalRecords(excluded_fields=["csv"])

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"], name="export_mine"),
            models.Index(fields=["status", "requested_at"], name="export_status"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.requested_by} ({self.requested_at:%d %b %Y %H:%M})"

    def expired(self, now=None) -> bool:
        """Past its time, whether or not a sweep has emptied it yet."""
        return self.status == self.Status.EXPIRED or (
            self.expires_at is not None and self.expires_at <= (now or timezone.now()))

    def downloadable(self, now=None) -> bool:
        return self.status == self.Status.READY and not self.expired(now)


class OversightThreshold(models.Model):
    """A number behind an oversight rule (who counts as stuck), kept as data and changed by an
    administrator with a reason (a decision; the history keeps every version)."""

    class Key(models.TextChoices):
        STUCK_AFTER_DAYS = "stuck_after_days", "Stuck: days in LTS at least"
        QUIET_DAYS = "quiet_days", "Stuck: days with no completed action or intervenor contact"

    DEFAULTS = {Key.STUCK_AFTER_DAYS: 365, Key.QUIET_DAYS: 90}

    key = models.CharField(max_length=30, choices=Key.choices, unique=True)
    days = models.PositiveSmallIntegerField()
    reason = models.TextField(max_length=2000, help_text="Why this number, and its source.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"{self.get_key_display()}: {self.days}"
