"""A message owed to named people, and each person's notice of it."""

from django.conf import settings
from django.db import models


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
        ACCESS_REQUESTED = "access_requested", "Someone asks to use Pathways"
        ACTION_AGREED = "action_agreed", "Action agreed by a senior intervenor"

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
        db_table = "workflows_notification"   # kept from workflows (issue 30)
        ordering = ["-created_at"]

    def __str__(self):
        return self.key


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
        db_table = "workflows_notice"   # kept from workflows (issue 30)
        ordering = ["-notification__created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["notification", "user"],
                                               name="notice_once_per_person")]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_unread")]

    def __str__(self):
        return f"{self.notification.subject} for {self.user}"


class Delivery(models.Model):
    """One message to one address. Each recipient gets their own email, so nobody sees who
    else it went to (issue 43: owners in different organisations learnt each other's
    addresses from a shared To: line), and each is marked sent as it goes, so a worker that
    dies part-way through sends only the rest when the task runs again."""

    id = models.BigAutoField(primary_key=True)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="deliveries")
    address = models.CharField(max_length=254)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notification", "address"],
                                               name="one_delivery_an_address")]

    def __str__(self):
        return f"Delivery of notification {self.notification_id}"
