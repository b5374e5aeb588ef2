"""Celery tasks: thin, idempotent wrappers around services. They take ids, never objects.

`send_notification` lives in workflows.notifications beside what it sends, and
`build_meeting_pack` in workflows.packs beside what it builds (`build_export` and
`sweep_exports` in workflows.exports); they are imported here so that
Celery's autodiscovery of `tasks` modules registers them.
"""
from celery import shared_task

from .deadlines import record_sweep_heartbeat
from .deadlines import sweep_action_deadlines as _sweep
from .exports import build_export, exports_sweep, sweep_exports
from .followups import start_due_follow_ups
from .notifications import notifications_requeue, send_notification
from .packs import build_meeting_pack

__all__ = ["send_notification", "sweep_action_deadlines", "build_meeting_pack", "build_export",
           "sweep_exports"]


@shared_task(acks_late=True)
def sweep_action_deadlines() -> dict:
    counts = _sweep()
    counts["requeued"] = notifications_requeue()   # sends whose queueing was lost
    counts["follow_ups"] = start_due_follow_ups()  # reviews whose follow-up date has come
    # Files past their time are emptied here too, for a deployment that runs this sweep alone
    # (serving refuses them whatever a sweep has done).
    counts["exports_expired"], counts["exports_requeued"] = exports_sweep()
    record_sweep_heartbeat()     # /health/ready reports a sweep that stopped running
    return counts
