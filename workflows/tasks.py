"""Celery tasks: thin, idempotent wrappers around services. They take ids, never objects."""
from celery import shared_task

from .deadlines import sweep_action_deadlines as _sweep
from .notifications import notification_send


@shared_task(acks_late=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True,
             retry_backoff_max=600, max_retries=5)
def send_notification(notification_id: int) -> bool:
    return notification_send(notification_id)


@shared_task(acks_late=True)
def sweep_action_deadlines() -> dict:
    return _sweep()
