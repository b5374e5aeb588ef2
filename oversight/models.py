"""The oversight group's meeting packs and the thresholds behind its rules."""
import uuid

from django.conf import settings
from django.db import models

from pathways.history import HistoricalRecords


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
    history = HistoricalRecords(table_name="workflows_historicalmeetingpack",
                                excluded_fields=["pdf", "html", "csv"])

    class Meta:
        db_table = "workflows_meetingpack"   # kept from workflows (issue 30)
        ordering = ["-requested_at"]

    def __str__(self):
        return f"Meeting pack for {self.period_label} ({self.requested_at:%d %b %Y %H:%M})"


class OversightThreshold(models.Model):
    """A number behind an oversight rule (who counts as stuck; when a quiet case asks its
    intervenor for contact), kept as data and changed by an administrator with a reason (a
    decision; the history keeps every version)."""

    class Key(models.TextChoices):
        STUCK_AFTER_DAYS = "stuck_after_days", "Stuck: days in LTS at least"
        QUIET_DAYS = "quiet_days", "Stuck: days with no completed action or intervenor contact"
        CASE_QUIET_DAYS = ("case_quiet_days",
                           "Intervenor's work: days with no activity logged on an active case")

    DEFAULTS = {Key.STUCK_AFTER_DAYS: 365, Key.QUIET_DAYS: 90, Key.CASE_QUIET_DAYS: 28}

    key = models.CharField(max_length=30, choices=Key.choices, unique=True)
    days = models.PositiveSmallIntegerField()
    reason = models.TextField(max_length=2000, help_text="Why this number, and its source.")
    history = HistoricalRecords(table_name="workflows_historicaloversightthreshold")

    class Meta:
        db_table = "workflows_oversightthreshold"   # kept from workflows (issue 30)
        ordering = ["key"]

    def __str__(self):
        return f"{self.get_key_display()}: {self.days}"


class SpcRebase(models.Model):
    """A change in the process behind a trend (a new way of working, a new definition), marked
    by the oversight group or a coordinator from a month on: the measure's chart takes a new
    mean and new limits from that month (Making Data Count's "rebase"). Marked and withdrawn
    with a reason, each a decision; a withdrawn rebase is kept, with who withdrew it and why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    measure = models.CharField(max_length=30)       # a key of oversight.trends.MEASURES
    month = models.DateField(help_text="The first day of the month the new process began.")
    reason = models.TextField(max_length=2000)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    marked_at = models.DateTimeField()
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.TextField(max_length=2000, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "month"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "month"],
                                    condition=models.Q(withdrawn_at__isnull=True),
                                    name="spc_one_rebase_a_month"),
            models.CheckConstraint(condition=models.Q(withdrawn_at__isnull=True)
                                   | ~models.Q(withdraw_reason=""),
                                   name="spc_withdrawal_has_reason"),
        ]

    def __str__(self):
        return f"Rebase of {self.measure} from {self.month:%B %Y}"
