"""Registers the sending task with Celery's autodiscovery (it lives beside what it sends)."""
from .services import send_notification

__all__ = ["send_notification"]
