"""Periodic work of the audit: applying the retention policy (daily, Celery beat)."""
from celery import shared_task

from .services import retention_apply


@shared_task(acks_late=True)
def apply_retention() -> int:
    return retention_apply()
