"""Registers the meeting pack task with Celery's autodiscovery (it lives beside what it builds)."""
from .packs import build_meeting_pack

__all__ = ["build_meeting_pack"]
