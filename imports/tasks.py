"""Registers the import task with Celery's autodiscovery (it lives beside what it does)."""
from .services import import_in_background

__all__ = ["import_in_background"]
