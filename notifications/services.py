"""Owing and sending notifications. Owed rows are written in the caller's transaction; the
send is queued only after commit, and a resend of a sent row does nothing."""
from datetime import timedelta

import structlog
from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.roles import Role

from . import notify
from .models import Delivery, Notice, Notification

log = structlog.get_logger("pathways.notifications")


def users_of_role(role) -> list:
    return list(get_user_model().objects.filter(groups__name=role, is_active=True)
                .order_by("pk"))


def link_to(url_name: str, *args) -> str:
    """An absolute link for an email (SITE_URL), so the message itself needs no details."""
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse(url_name, args=args)


def visible_in(selector, pk):
    """A reader test for `notification_owe`: the user's own scoped selector finds the object."""
    return lambda user: selector(user).filter(pk=pk).exists()


def may_open(user, link: str, readable=None) -> bool:
    """Whether the page at `link` opens for `user`: the roles its view declares (every view
    declares them, tests/workflows/test_access_matrix.py) and, for a page about one object,
    `readable(user)`, which asks the same scoped selector the page asks."""
    from django.urls import Resolver404, resolve

    try:
        roles = getattr(resolve(link.split("?", 1)[0]).func, "pathways_access", None)
    except Resolver404:
        return False
    if roles is None or (roles != "public" and not any(user.has_role(r) for r in roles)):
        return False
    return readable is None or readable(user)


def notification_owe(*, key: str, kind: str, users: list, subject: str, body: str,
                     link: str = "", readable=None, action=None) -> Notification | None:
    """Record a message for the named `users` once per key: an email to each active one with
    an address (queued after commit) and a notice in their list in Pathways. None if this key
    was owed before. Subject and body carry a reference and a link, never details.

    A message links only to a page its reader may open (security round 3, finding 9): anyone
    for whom `link` would not open (their roles, or `readable(user)` for the object it is
    about) is left out, and the caller tells them through a page they can open instead.

    Each person with an address gets their own copy (a Delivery), never a shared To: line.
    `action` is the action the message is about, if any: an owner whose copy bounces is
    followed up on it."""
    people = [u for u in users if u is not None and u.is_active
              and (not link or may_open(u, link, readable))]
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                key=key, kind=kind, recipients=sorted({u.email for u in people if u.email}),
                subject=subject, body=body, link=link, action=action)
            addressed = {}
            for user in {u.pk: u for u in people}.values():
                Notice.objects.create(notification=notification, user=user)
                if user.email:
                    addressed.setdefault(user.email, user)
            Delivery.objects.bulk_create([
                Delivery(notification=notification, address=address, user=user)
                for address, user in sorted(addressed.items())])
    except IntegrityError:
        return None
    # robust: if the broker is down the change the person made still stands (it committed);
    # the owed row stays unsent and the next sweep queues it again (notifications_requeue).
    transaction.on_commit(lambda: send_notification.delay(notification.pk), robust=True)
    return notification


# A message never tried for 30 seconds was lost on its way to the broker (it was down, or the
# process died after committing): it goes out within a minute of the broker's return. One
# tried already is being retried by its task with backoff, and is queued again only when that
# has plainly stopped (round 4, finding 7).
LOST_AFTER = timedelta(seconds=30)
REQUEUE_AFTER = timedelta(minutes=10)


def notifications_requeue(now=None) -> int:
    """Queue again every message owed and not sent: never tried for 30 seconds, or tried
    and still unsent for ten minutes. Sending is idempotent, so a message queued twice is
    still sent once."""
    now = now or timezone.now()
    owed = list(Notification.objects.filter(sent_at__isnull=True).filter(
        Q(attempts=0, created_at__lte=now - LOST_AFTER)
        | Q(created_at__lte=now - REQUEUE_AFTER)).values_list("pk", flat=True)[:1000])
    for pk in owed:
        send_notification.delay(pk)
    return len(owed)


@shared_task(name="notifications.requeue_owed")
def requeue_owed_notifications() -> int:
    """Every 30 seconds (beat): what the broker never received goes out soon after it returns."""
    return notifications_requeue()


def _unsent(deliveries):
    """Copies still to send: not sent, and not refused by Notify (it would refuse again)."""
    return deliveries.filter(sent_at__isnull=True).exclude(status=Delivery.Status.REFUSED)


def _deliver(notification: Notification, pk: int, connection) -> None:
    """Send one copy, once. The attempt is counted in its own transaction first, so a copy
    whose sending was cut off (a worker killed after Notify took it) is known to have been
    tried: before sending it again, Notify is asked for a message with its reference. The
    send and its marking then happen under the copy's row lock, so two workers never both
    send it."""
    with transaction.atomic():
        delivery = _unsent(Delivery.objects.select_for_update().filter(pk=pk)).first()
        if delivery is None:              # another worker sent it meanwhile
            return
        tried_before = delivery.attempts > 0
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    try:
        with transaction.atomic():
            delivery = _unsent(Delivery.objects.select_for_update().filter(pk=pk)).first()
            if delivery is None:
                return
            now = timezone.now()
            if notify.enabled():
                found = notify.sent_with_reference(delivery.reference) if tried_before else None
                try:
                    delivery.notify_id = found["id"] if found else notify.send_email(
                        address=delivery.address, kind=notification.kind,
                        subject=notification.subject, body=notification.body,
                        reference=delivery.reference)
                except notify.NotifyRefused as refused:
                    delivery.status, delivery.status_at = Delivery.Status.REFUSED, now
                    delivery.error = str(refused)
                    delivery.save(update_fields=["status", "status_at", "error"])
                    log.warning("notify_refused", delivery=delivery.pk, error=str(refused))
                    return
                delivery.status = found["status"] if found else Delivery.Status.CREATED
            else:
                EmailMessage(notification.subject, notification.body,
                             settings.DEFAULT_FROM_EMAIL, [delivery.address],
                             connection=connection).send()
                delivery.status = Delivery.Status.SENT
            delivery.sent_at = delivery.status_at = now
            delivery.error = ""
            delivery.save(update_fields=["notify_id", "status", "status_at", "sent_at",
                                         "error"])
    except notify.NotifyUnavailable as unavailable:
        Delivery.objects.filter(pk=pk).update(error=str(unavailable))
        raise


def notification_send(notification_id: int) -> bool:
    """Send each recipient their own copy, if not sent yet (through GOV.UK Notify when it is
    configured, else SMTP or the console). A worker that dies part-way sends only what is
    left when the task runs again, and nothing twice. The notification is done when every
    copy is sent or refused."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None or notification.sent_at is not None:
        return False
    # Messages owed before each copy was written when owed: their copies, from the addresses.
    Delivery.objects.bulk_create(
        [Delivery(notification=notification, address=address)
         for address in notification.recipients], ignore_conflicts=True)
    connection = None if notify.enabled() else get_connection()
    for pk in _unsent(notification.deliveries).values_list("pk", flat=True):
        _deliver(notification, pk, connection)
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.sent_at is not None or _unsent(notification.deliveries).exists():
            return False
        notification.attempts += 1
        notification.sent_at = timezone.now()
        notification.save(update_fields=["attempts", "sent_at"])
        return True


# Defined here, beside what it sends, so owing a message needs no import of the task module.
# The name is the one it has always had, so messages already queued still find it.
@shared_task(name="workflows.tasks.send_notification", acks_late=True,
             autoretry_for=(ConnectionError, OSError, notify.NotifyUnavailable),
             retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_notification(notification_id: int) -> bool:
    return notification_send(notification_id)


def oversight_recipients() -> list:
    return users_of_role(Role.OVERSIGHT)


# --- GOV.UK Notify's delivery receipts and statuses (issue 43) --------------------------------

RECEIPT_STATUSES = {Delivery.Status.CREATED, Delivery.Status.SENDING, Delivery.Status.DELIVERED,
                    Delivery.Status.PERMANENT_FAILURE, Delivery.Status.TEMPORARY_FAILURE,
                    Delivery.Status.TECHNICAL_FAILURE}


def _parsed(moment: str | None):
    from django.utils.dateparse import parse_datetime

    try:
        parsed = parse_datetime(moment or "")
    except ValueError:
        parsed = None
    return parsed or timezone.now()


def delivery_status_record(*, notify_id, status: str, at=None) -> bool:
    """Move a copy to the status Notify reports, once: a repeated receipt, one for a copy
    already final, or one for a message Pathways did not send changes nothing."""
    if status not in RECEIPT_STATUSES:
        return False
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(notify_id=notify_id).first()
        if delivery is None or delivery.status == status or delivery.status in Delivery.FINAL:
            return False
        delivery.status, delivery.status_at = status, at or timezone.now()
        delivery.save(update_fields=["status", "status_at"])
    log.info("notify_status", delivery=delivery.pk, status=status)
    return True


def delivery_receipt(payload: dict) -> bool:
    """A receipt Notify posted to the callback (already authenticated by its bearer token)."""
    try:
        import uuid

        notify_id = uuid.UUID(str(payload.get("id")))
    except ValueError:
        return False
    return delivery_status_record(notify_id=notify_id, status=str(payload.get("status", "")),
                                  at=_parsed(payload.get("completed_at")))


# Notify keeps a message's status for 7 days; a receipt not received in 72 hours is asked for.
STATUS_FETCH_AFTER = timedelta(hours=72)


def delivery_statuses_fetch(now=None, limit: int = 500) -> int:
    """Ask Notify for each copy sent 72 hours ago or more whose final status never came (a
    lost receipt); how many moved."""
    if not notify.enabled():
        return 0
    now = now or timezone.now()
    waiting = (Delivery.objects.filter(notify_id__isnull=False, sent_at__lte=now - STATUS_FETCH_AFTER)
               .exclude(status__in=Delivery.FINAL).order_by("sent_at", "pk")
               .values_list("notify_id", flat=True)[:limit])
    moved = 0
    for notify_id in waiting:
        try:
            status = notify.status_of(notify_id)
        except (notify.NotifyUnavailable, notify.NotifyRefused) as error:
            log.warning("notify_status_fetch_failed", notify_id=str(notify_id), error=str(error))
            continue
        moved += delivery_status_record(notify_id=notify_id, status=status)
    return moved


@shared_task(name="notifications.fetch_statuses")
def fetch_delivery_statuses() -> int:
    """Hourly (beat): statuses whose receipt did not come."""
    return delivery_statuses_fetch()


def owner_bounces(action):
    """Emails about `action` to its current owner that did not arrive (Notify's permanent
    failure: the address does not exist), not yet followed up."""
    return (Delivery.objects.filter(notification__action=action, user_id=action.owner_id,
                                    status=Delivery.Status.PERMANENT_FAILURE,
                                    followed_up_at__isnull=True)
            .select_related("notification").order_by("status_at", "pk"))


@transaction.atomic
def owner_email_followed_up(*, action, by, how: str) -> int:
    """A coordinator records how an owner whose email bounced was reached (a decision); the
    bounces leave their work. How many copies it covers."""
    from audit.models import Decision
    from audit.services import decision_record
    from pathways.errors import DomainError, NotAllowedError

    if not by.has_perm("reviews.assign_owner_action"):
        raise NotAllowedError("Only the programme team follows up an owner's email.")
    how = (how or "").strip()
    if not how:
        raise DomainError("Say how the owner was reached, or what was done.", field="how")
    bounced = list(owner_bounces(action).select_for_update(of=("self",)))
    if not bounced:
        raise DomainError("Nothing is waiting: the owner's emails arrived or were followed up.",
                          field="how")
    now = timezone.now()
    for delivery in bounced:
        delivery.followed_up_at, delivery.followed_up_by = now, by
        delivery.followed_up_how = how
        delivery.save(update_fields=["followed_up_at", "followed_up_by", "followed_up_how"])
    decision_record(actor=by, kind=Decision.Kind.OWNER_EMAIL_FOLLOWED_UP, subject=action,
                    person=action.person, reason=how,
                    summary=f"Undelivered email to the action's owner followed up "
                            f"({len(bounced)} message{'s' if len(bounced) != 1 else ''})",
                    facts={"deliveries": [d.pk for d in bounced]})
    return len(bounced)
