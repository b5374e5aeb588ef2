"""Registers the export tasks with Celery's autodiscovery (they live beside what they do)."""
from .services import build_export, sweep_exports

__all__ = ["build_export", "sweep_exports"]
