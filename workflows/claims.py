"""Taking a step on ("I'm on it") so two coordinators do not work the same referral or case.

A taken step stays open in the flow (viewflow runs only open tasks); the task's owner and
`assigned` time say who has it. Only they can complete it until they release it, or a
coordinator hands it to someone else with a reason. Every change is a decision.
"""
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.status import STATUS

from audit.models import Decision
from audit.services import decision_record
from pathways.errors import ConflictError, DomainError

from .flows import IntervenorFlow, ReferralFlow

# The steps a coordinator can take on: (subject kind, flow node, process field).
TAKEABLE = {
    "referral": (ReferralFlow.triage, "referral", "Triage"),
    "case": (IntervenorFlow.assign, "case", "Assignment"),
}
CAN_TAKE = {"referral": "referrals.triage_referral",
            "case": "intervenors.assign_intervenorcase"}


def open_task(subject, kind: str, *, lock: bool = False):
    """The open task of the takeable step for `subject`, or None when the step is not open."""
    node, field, _ = TAKEABLE[kind]
    process = subject.process
    tasks = process.task_set.filter(flow_task=node, status=STATUS.NEW)
    if lock:
        tasks = tasks.select_for_update(of=("self",))
    return tasks.select_related("owner").first()


def holder(subject, kind: str):
    """Who has taken the step on, or None."""
    task = open_task(subject, kind)
    return task.owner if task is not None and task.assigned else None


def _subject_person(subject):
    return subject.person


@transaction.atomic
def task_take(*, subject, kind: str, by):
    """Take the step on. Refused, with who has it, if someone else got there first."""
    if not by.has_perm(CAN_TAKE[kind]):
        raise DomainError("Only a review coordinator can take this on.", code="permission_denied")
    task = open_task(subject, kind, lock=True)
    if task is None:
        raise ConflictError("This step is not open any more: someone may have just completed "
                            "it. Reload the page to see where it stands.", code="step_not_open")
    if task.assigned and task.owner_id not in (None, by.pk):
        raise ConflictError(f"{task.owner} is already working on this (since "
                            f"{timezone.localtime(task.assigned):%d %b %Y %H:%M}). Ask them, or "
                            "hand it over with a reason.", code="step_taken")
    if task.assigned and task.owner_id == by.pk:
        return task
    task.owner, task.assigned = by, timezone.now()
    task.save(update_fields=["owner", "assigned"])
    label = TAKEABLE[kind][2]
    decision_record(actor=by, kind=Decision.Kind.TASK_TAKEN, subject=subject,
                    person=_subject_person(subject),
                    summary=f"{label} for {subject.person.reference} taken on by {by}",
                    reason="Taken on from the page")
    return task


@transaction.atomic
def task_release(*, subject, kind: str, by, reason: str, to=None):
    """Let the step go (back to everyone), or hand it to `to`; always with a reason."""
    if not by.has_perm(CAN_TAKE[kind]):
        raise DomainError("Only a review coordinator can hand this over.",
                          code="permission_denied")
    if not (reason or "").strip():
        raise DomainError("Say why you are letting this go or handing it over.", field="reason")
    if to is not None and not to.has_perm(CAN_TAKE[kind]):
        raise DomainError("Hand it to a review coordinator.", field="to")
    task = open_task(subject, kind, lock=True)
    if task is None:
        raise ConflictError("This step is not open any more. Reload the page.",
                            code="step_not_open")
    before = task.owner if task.assigned else None
    task.owner, task.assigned = (to, timezone.now()) if to is not None else (None, None)
    task.save(update_fields=["owner", "assigned"])
    label = TAKEABLE[kind][2]
    summary = (f"{label} for {subject.person.reference} handed from {before or 'nobody'} to {to}"
               if to is not None else
               f"{label} for {subject.person.reference} released by {by}")
    decision_record(actor=by, kind=Decision.Kind.TASK_RELEASED, subject=subject,
                    person=_subject_person(subject), summary=summary, reason=reason,
                    facts={"from": str(before) if before else None,
                           "to": str(to) if to else None})
    return task


def claim_context(subject, kind: str, user) -> dict | None:
    """What the page shows about who has the step: None when the step is not open."""
    from django.contrib.auth import get_user_model

    from accounts.roles import Role

    task = open_task(subject, kind)
    if task is None or not user.has_perm(CAN_TAKE[kind]):
        return None
    taken = task.owner if task.assigned else None
    others = (get_user_model().objects.filter(groups__name=Role.COORDINATOR, is_active=True)
              .exclude(pk=user.pk).order_by("last_name", "first_name"))
    from .forms import HandOverForm

    others = list(others)
    return {"kind": kind, "pk": subject.pk, "holder": taken, "since": task.assigned,
            "is_me": taken is not None and taken.pk == user.pk, "others": others,
            "form": HandOverForm(others=others)}
