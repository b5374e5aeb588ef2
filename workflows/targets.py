"""Service-level targets: how long each flow step may wait (the inbox and trackers read them).
Changed only here, with a reason, as a decision."""
from django.db import transaction

from audit.models import Decision
from audit.services import decision_record, stamp
from pathways.errors import DomainError


@transaction.atomic
def step_target_set(*, by, target, working_days: int, reason: str):
    """Change how many working days a step may wait, with the reason (a decision)."""
    if not (reason or "").strip():
        raise DomainError("Say why the target is changing.", field="reason")
    if not 1 <= working_days <= 250:
        raise DomainError("A target is between 1 and 250 working days.", field="working_days")
    before = type(target).objects.get(pk=target.pk).working_days   # a form may have set it
    target.working_days, target.reason = working_days, reason
    stamp(target, by=by, reason=reason).save()
    decision_record(actor=by, kind=Decision.Kind.STEP_TARGET_CHANGED, subject=target,
                    summary=f"{target.get_step_display()}: {before} to {working_days} working "
                            "days", reason=reason, facts={"from": before, "to": working_days})
    return target


