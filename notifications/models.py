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
    # The action it is about, if any: an owner whose email about it bounced is followed up
    # on the action (issue 43).
    action = models.ForeignKey("reviews.Action", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="notifications")

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

    class Status(models.TextChoices):
        WAITING = "", "Not sent yet"
        SENT = "sent", "Sent (no receipt: SMTP or the console)"
        # GOV.UK Notify's statuses for an email, as its receipts and API name them.
        CREATED = "created", "Accepted by GOV.UK Notify"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        PERMANENT_FAILURE = "permanent-failure", "Not delivered: the address does not exist"
        TEMPORARY_FAILURE = "temporary-failure", "Not delivered: the inbox was full or away"
        TECHNICAL_FAILURE = "technical-failure", "Not delivered: a problem at GOV.UK Notify"
        # Notify refused the request itself (a 400 or 403): not retried, the error kept.
        REFUSED = "refused", "Refused by GOV.UK Notify"

    # Notify sends no further receipt after these.
    FINAL = (Status.SENT, Status.DELIVERED, Status.PERMANENT_FAILURE,
             Status.TEMPORARY_FAILURE, Status.TECHNICAL_FAILURE, Status.REFUSED)

    id = models.BigAutoField(primary_key=True)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="deliveries")
    address = models.CharField(max_length=254)
    # Whose address it was when the message was owed (for following up a bounce).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    notify_id = models.UUIDField(null=True, blank=True, unique=True,
                                 help_text="GOV.UK Notify's id for the message.")
    status = models.CharField(max_length=20, choices=Status.choices, blank=True, default="")
    status_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True,
                             help_text="The last error sending it, as Notify or SMTP gave it.")
    # A coordinator's follow-up of an email that did not arrive (issue 43).
    followed_up_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="+")
    followed_up_how = models.TextField(max_length=2000, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notification", "address"],
                                               name="one_delivery_an_address")]
        indexes = [models.Index(fields=["status", "sent_at"], name="delivery_status_sent")]

    def __str__(self):
        return f"Delivery of notification {self.notification_id}"

    @property
    def reference(self) -> str:
        """What Notify keeps as the message's reference: this delivery's own id, so a send cut
        off by a dying worker is found before it is sent again."""
        return f"pathways-delivery-{self.pk}"
