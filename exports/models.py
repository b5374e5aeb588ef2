"""An export: the record of a list asked for as CSV, and its file while it lasts."""
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from pathways.history import HistoricalRecords


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
    history = HistoricalRecords(table_name="workflows_historicalexport", excluded_fields=["csv"])

    class Meta:
        db_table = "workflows_export"   # kept from workflows (issue 30)
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
