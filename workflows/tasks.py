"""Celery tasks: thin, idempotent wrappers around services. They take ids, never objects.

The hourly sweep runs here; its parts live with what they sweep: owed messages
(notifications), expired and lost exports (exports), follow-up reviews (workflows.followups).
"""
from celery import shared_task

from exports.services import exports_sweep
from notifications.services import notifications_requeue

from .deadlines import record_sweep_heartbeat
from .deadlines import sweep_action_deadlines as _sweep
from .followups import start_due_follow_ups
from .letters import letter_statuses_fetch

__all__ = ["sweep_action_deadlines"]


@shared_task(acks_late=True)
def sweep_action_deadlines() -> dict:
    counts = _sweep()
    counts["requeued"] = notifications_requeue()   # sends whose queueing was lost
    counts["follow_ups"] = start_due_follow_ups()  # reviews whose follow-up date has come
    # Files past their time are emptied here too, for a deployment that runs this sweep alone
    # (serving refuses them whatever a sweep has done).
    counts["exports_expired"], counts["exports_requeued"] = exports_sweep()
    counts["letters_moved"] = letter_statuses_fetch()   # posted letters get no receipts
    record_sweep_heartbeat()     # /health/background reports a sweep that stopped running
    return counts
