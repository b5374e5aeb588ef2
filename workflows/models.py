"""Flow processes and the notifications owed to people. (The audit log lives in `audit`.)"""


from django.db import models
from viewflow.workflow.models import Process

from pathways.history import HistoricalRecords


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
        # Not a flow step: a request for a review recorded on someone's behalf (issue 44).
        REVIEW_REQUEST = "review_request", "Respond to a request for a review"

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




class Heartbeat(models.Model):
    """When a scheduled job last finished, kept in the database so that a flushed or restarted
    cache cannot make a running job look stopped. Operational, not a record of anyone's care:
    one row a job, overwritten each run, with no history."""

    name = models.CharField(max_length=50, primary_key=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M}"
