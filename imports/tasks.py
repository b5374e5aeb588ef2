"""Registers the import tasks with Celery's autodiscovery (they live beside what they do)."""
from .services import check_in_background, import_in_background, requeue_lost_imports

__all__ = ["check_in_background", "import_in_background", "requeue_lost_imports"]
