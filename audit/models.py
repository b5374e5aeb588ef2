"""The audit log: the decisions people made and who opened which record. Append-only.

The tables keep the names they had when these models lived in `workflows` (moved in audit
migration 0001 without touching data), hence the explicit `db_table`.
"""
import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit rows cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit rows cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit rows cannot be deleted.")


class Decision(AppendOnlyModel):
    """A choice a person made: who, when, what, why, and the facts they saw."""

    class Kind(models.TextChoices):
        REFERRAL_SUBMITTED = "referral_submitted", "Referral raised"
        TRIAGE_ACCEPTED = "triage_accepted", "Referral accepted"
        TRIAGE_DECLINED = "triage_declined", "Referral declined"
        PANEL_SCHEDULED = "panel_scheduled", "Panel scheduled"
        PANEL_HELD = "panel_held", "Panel held"
        REPORT_ISSUED = "report_issued", "Report issued"
        ACTION_STATUS = "action_status", "Action status changed"
        ACTION_VERIFIED = "action_verified", "Action verified"
        ACTION_CANCELLED = "action_cancelled", "Action cancelled"
        ACTION_ESCALATED = "action_escalated", "Action escalated"
        ESCALATION_RESPONDED = "escalation_responded", "Escalation followed up"
        MEETING_PACK_REQUESTED = "meeting_pack_requested", "Meeting pack requested"
        CASE_ASSIGNED = "case_assigned", "Intervenor assigned"
        CASE_REASSIGNED = "case_reassigned", "Intervenor reassigned"
        CASE_CLOSURE_PROPOSED = "case_closure_proposed", "Case closure proposed"
        CASE_CLOSED = "case_closed", "Case closed"
        CASE_CLOSURE_RETURNED = "case_closure_returned", "Case returned to casework"
        CONCERN_RESOLVED = "concern_resolved", "Concern resolved"
        REVIEW_REQUESTED = "review_requested", "Review requested"
        LTS_ENDED = "lts_ended", "Long-term segregation ended"
        DISCHARGED = "discharged", "Discharged from hospital"
        READMITTED = "readmitted", "Readmitted to hospital"
        EASY_READ_WRITTEN = "easy_read_written", "Easy-read summary written"
        EASY_READ_SHARED = "easy_read_shared", "Easy-read summary shared"
        EASY_READ_POSTED = "easy_read_posted", "Easy-read summary posted as a letter"
        ACTION_OWNER_CHANGED = "action_owner_changed", "Action owner changed"
        ROLE_GRANTED = "role_granted", "Role granted"
        ROLE_REMOVED = "role_removed", "Role removed"
        ACCOUNT_CHANGED = "account_changed", "Account changed"
        RETENTION_POLICY_CHANGED = "retention_policy_changed", "Retention policy changed"
        RETENTION_APPLIED = "retention_applied", "Retention applied"
        POLICY_CHANGED = "policy_changed", "Priority policy changed"
        UNIT_RATED = "unit_rated", "Unit rating recorded"
        STEP_TARGET_CHANGED = "step_target_changed", "Service-level target changed"
        LTS_AGE_LIMITS_CHANGED = "lts_age_limits_changed", "LTS age limits changed"
        THRESHOLD_CHANGED = "threshold_changed", "Oversight threshold changed"
        TASK_TAKEN = "task_taken", "Step taken on"
        TASK_RELEASED = "task_released", "Step released"
        ACCESS_REQUEST_APPROVED = "access_request_approved", "Access request approved"
        ACCESS_REQUEST_REFUSED = "access_request_refused", "Access request refused"
        ACCESS_WITHHELD = "access_withheld", "Casework withheld: organisation not confirmed"
        ACCESS_RESTORED = "access_restored", "Casework access restored"
        SESSIONS_ENDED = "sessions_ended", "Signed out everywhere"
        CASELOAD_IMPORTED = "caseload_imported", "Caseload imported"
        PAST_REVIEW_RECORDED = "past_review_recorded", "Past review recorded"
        PERSON_ELSEWHERE_REFUSED = ("person_elsewhere_refused",
                                    "Referral refused: person recorded elsewhere")
        SPC_REBASED = "spc_rebased", "Trend rebased"
        SPC_REBASE_WITHDRAWN = "spc_rebase_withdrawn", "Trend rebase withdrawn"
        BARRIER_RECORDED = "barrier_recorded", "System barrier recorded"
        BARRIER_STATUS = "barrier_status", "System barrier status changed"
        BARRIER_ESCALATED = "barrier_escalated", "System barrier escalated to the oversight group"
        BARRIER_ANSWERED = "barrier_answered", "Barrier escalation answered"
        MILESTONE_ADDED = "milestone_added", "Discharge plan milestone added"
        MILESTONE_CHANGED = "milestone_changed", "Discharge plan milestone changed"
        ACTION_AGREED = "action_agreed", "Action agreed by the senior intervenor"
        OWNER_EMAIL_FOLLOWED_UP = ("owner_email_followed_up",
                                   "An action owner's undelivered email followed up")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    person = models.ForeignKey(
        "referrals.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    facts = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "workflows_decision"
        ordering = ["-made_at"]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.actor} at {self.made_at:%d %b %Y %H:%M}"


class AccessLogEntry(AppendOnlyModel):
    """Someone opened a person's record (or was refused one)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(db_index=True)
    person = models.ForeignKey(
        "referrals.Person", on_delete=models.PROTECT, null=True, blank=True,
        related_name="access_log",
    )
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    path = models.CharField(max_length=300)
    granted = models.BooleanField(default=True)
    # The page showed who the person is (their name, or their initials to an action's owner),
    # not only their reference (referrals.identity; decision 0022).
    identified = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "workflows_accesslogentry"
        ordering = ["-at"]
        verbose_name_plural = "access log entries"

    def __str__(self):
        return f"{self.user} {'viewed' if self.granted else 'was refused'} {self.object_type}"


MINIMUM_ACCESS_LOG_YEARS = 2   # a floor the database itself holds (audit.database)


class RetentionPolicy(models.Model):
    """How long the record-access log is kept. Data an administrator sets with a reason; the
    newest row is in force. Decisions and the history of casework are never removed."""

    class RecordType(models.TextChoices):
        ACCESS_LOG = "access_log", "Record-access log"

    id = models.BigAutoField(primary_key=True)
    record_type = models.CharField(max_length=30, choices=RecordType.choices)
    keep_years = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MINIMUM_ACCESS_LOG_YEARS)],
        help_text=f"At least {MINIMUM_ACCESS_LOG_YEARS}. Set with your information governance "
                  "lead, following the Records Management Code of Practice.")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "retention policies"

    def __str__(self):
        return f"{self.get_record_type_display()}: {self.keep_years} years"
