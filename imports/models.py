"""One import of a spreadsheet: what was uploaded, what checking it found, what importing it
did. Seen by the person who uploaded it."""
import uuid

from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    class Kind(models.TextChoices):
        PEOPLE = "people", "People and referrals"
        REVIEWS = "reviews", "Past reviews"
        CASES = "cases", "Intervenor cases"

    class Status(models.TextChoices):
        CHECKING = "checking", "Being checked"
        CHECKED = "checked", "Checked, not imported"
        QUEUED = "queued", "Importing"
        IMPORTED = "imported", "Imported"
        FAILED = "failed", "Not imported"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    # The file as uploaded, kept so that what is imported is exactly what was checked.
    content = models.BinaryField()
    rows = models.PositiveIntegerField(default=0)
    to_create = models.PositiveIntegerField(default=0)
    present = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    # [{"row": 3, "column": "nhs_number", "message": "..."}], row 0 for the file as a whole.
    errors = models.JSONField(default=list, blank=True)
    # [{"row": 5, "message": "..."}]: rows that import, and that someone should look at again.
    notices = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When a worker was asked to check or import it: one waiting 30 seconds is asked again.
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.file_name}"
