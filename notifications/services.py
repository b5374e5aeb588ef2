"""Owing and sending notifications. Owed rows are written in the caller's transaction; the
send is queued only after commit, and a resend of a sent row does nothing."""
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.roles import Role

from .models import Notice, Notification


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
                     link: str = "", readable=None) -> Notification | None:
    """Record a message for the named `users` once per key: an email to each active one with
    an address (queued after commit) and a notice in their list in Pathways. None if this key
    was owed before. Subject and body carry a reference and a link, never details.

    A message links only to a page its reader may open (security round 3, finding 9): anyone
    for whom `link` would not open (their roles, or `readable(user)` for the object it is
    about) is left out, and the caller tells them through a page they can open instead."""
    people = [u for u in users if u is not None and u.is_active
              and (not link or may_open(u, link, readable))]
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                key=key, kind=kind, recipients=sorted({u.email for u in people if u.email}),
                subject=subject, body=body, link=link)
            for user in {u.pk: u for u in people}.values():
                Notice.objects.create(notification=notification, user=user)
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


def notification_send(notification_id: int) -> bool:
    """Send each recipient their own copy, if not sent yet. Each copy is locked, sent and
    marked in its own transaction, so two workers never send the same copy and a worker that
    dies part-way sends only what is left when the task runs again. The notification is sent
    when every copy is."""
    from .models import Delivery

    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None or notification.sent_at is not None:
        return False
    Delivery.objects.bulk_create(
        [Delivery(notification=notification, address=address)
         for address in notification.recipients], ignore_conflicts=True)
    connection = get_connection()
    for pk in notification.deliveries.filter(sent_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            delivery = Delivery.objects.select_for_update().filter(
                pk=pk, sent_at__isnull=True).first()
            if delivery is None:          # another worker sent it meanwhile
                continue
            delivery.attempts += 1
            EmailMessage(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL,
                         [delivery.address], connection=connection).send()
            delivery.sent_at = timezone.now()
            delivery.save(update_fields=["attempts", "sent_at"])
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.sent_at is not None or notification.deliveries.filter(
                sent_at__isnull=True).exists():
            return False
        notification.attempts += 1
        notification.sent_at = timezone.now()
        notification.save(update_fields=["attempts", "sent_at"])
        return True


# Defined here, beside what it sends, so owing a message needs no import of the task module.
# The name is the one it has always had, so messages already queued still find it.
@shared_task(name="workflows.tasks.send_notification", acks_late=True,
             autoretry_for=(ConnectionError, OSError), retry_backoff=True,
             retry_backoff_max=600, max_retries=5)
def send_notification(notification_id: int) -> bool:
    return notification_send(notification_id)


def oversight_recipients() -> list:
    return users_of_role(Role.OVERSIGHT)
