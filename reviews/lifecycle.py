"""The action state machine (viewflow.fsm): the only place an action's status changes.

open → in progress → completed (evidence) → verified (oversight); open or in progress →
cancelled (reason). Overdue is not a state: it is read from the due date.
"""
from viewflow import fsm

from .models import Action, ActionStatus


class ActionLifecycle:
    status = fsm.State(ActionStatus, default=ActionStatus.OPEN)

    def __init__(self, action: Action):
        self.action = action

    @status.setter()
    def _set_status(self, value):
        self.action.status = value

    @status.getter()
    def _get_status(self):
        return self.action.status

    @status.transition(source=ActionStatus.OPEN, target=ActionStatus.IN_PROGRESS)
    def start(self):
        """Work has begun."""

    @status.transition(source=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS],
                       target=ActionStatus.COMPLETED)
    def complete(self, evidence: str):
        self.action.completion_evidence = evidence

    @status.transition(source=ActionStatus.COMPLETED, target=ActionStatus.IN_PROGRESS)
    def reopen(self):
        """Oversight found the evidence wanting."""

    @status.transition(source=ActionStatus.COMPLETED, target=ActionStatus.VERIFIED)
    def verify(self):
        """The oversight group is satisfied."""

    @status.transition(source=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS],
                       target=ActionStatus.CANCELLED)
    def cancel(self, reason: str):
        self.action.cancel_reason = reason

    def allowed(self) -> list[str]:
        return [t.slug for t in ActionLifecycle.status.get_outgoing_transitions(self.action.status)]
