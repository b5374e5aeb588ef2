"""The action state machine (viewflow.fsm): the only place an action's status changes, and
the one rule for who may make each change.

open → in progress → completed (evidence) → verified (oversight); open or in progress →
cancelled (reason). Overdue is not a state: it is read from the due date.

Who: the named owner posts updates, starts and completes; the oversight group verifies,
reopens and cancels. Separation of duties: nobody verifies, reopens or cancels an action they
own, and nobody verifies an action they completed.
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


LABELS = {
    "start": "Mark as in progress",
    "complete": "Mark as completed (evidence needed)",
    "verify": "Verify completion",
    "reopen": "Reopen: evidence not enough",
    "cancel": "Cancel the action (reason needed)",
}


def is_owner(user, action: Action) -> bool:
    return action.owner_id is not None and action.owner_id == user.pk


def is_follower(user) -> bool:
    """The oversight group follows every action up (model-wide verify permission by role)."""
    return user.has_perm("reviews.verify_action")


def may_post_update(user, action: Action) -> bool:
    return user.is_active and (is_owner(user, action) or is_follower(user))


def may(user, action: Action, transition: str) -> bool:
    """Whether `user` is someone who may make `transition` on `action`, whatever its state."""
    if not user.is_active or transition not in LABELS:
        return False
    mine = is_owner(user, action)
    if transition in ("start", "complete"):
        return mine
    follower = is_follower(user) and not mine
    if transition == "verify":
        return follower and action.completed_by_id != user.pk
    return follower


def transitions_for(user, action: Action) -> list[tuple[str, str]]:
    """The status changes `user` may make on `action` now, as (value, label) pairs."""
    possible = ActionLifecycle(action).allowed()
    return [(t, label) for t, label in LABELS.items() if t in possible and may(user, action, t)]
