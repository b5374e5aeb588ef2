"""The oversight group's thresholds (who counts as stuck): read here, and changed only here,
with a reason, as a decision."""
from django.db import transaction

from audit.models import Decision
from audit.services import decision_record, stamp
from pathways.errors import DomainError


def thresholds() -> dict[str, int]:
    """The oversight thresholds in force: the stored ones, else the defaults."""
    from .models import OversightThreshold

    stored = dict(OversightThreshold.objects.values_list("key", "days"))
    return {str(key): stored.get(key, days) for key, days in OversightThreshold.DEFAULTS.items()}


@transaction.atomic
def threshold_set(*, by, threshold, days: int, reason: str):
    """Change an oversight threshold, with the reason (a decision)."""
    if not (reason or "").strip():
        raise DomainError("Say why the threshold is changing.", field="reason")
    if not 1 <= days <= 3650:
        raise DomainError("A threshold is between 1 and 3,650 days.", field="days")
    model = type(threshold)
    before = model.objects.filter(pk=threshold.pk).values_list("days", flat=True).first()
    threshold.days, threshold.reason = days, reason
    stamp(threshold, by=by, reason=reason).save()
    decision_record(actor=by, kind=Decision.Kind.THRESHOLD_CHANGED, subject=threshold,
                    summary=f"{threshold.get_key_display()}: {before} to {days} days",
                    reason=reason, facts={"from": before, "to": days})
    return threshold


@transaction.atomic
def rebase_mark(*, by, measure: str, month, reason: str):
    """Mark a change in the process behind a trend from `month` on: its chart's mean and
    limits are figured again from that month (a decision, with the reason)."""
    from django.utils import timezone

    from .models import SpcRebase
    from .trends import BY_KEY

    if measure not in BY_KEY:
        raise DomainError("Choose a measure.", field="measure")
    if not (reason or "").strip():
        raise DomainError("Say what changed in the process, and when.", field="reason")
    month = month.replace(day=1)
    if SpcRebase.objects.select_for_update().filter(measure=measure, month=month,
                                                    withdrawn_at__isnull=True).exists():
        raise DomainError(f"This chart is already rebased from {month:%B %Y}.", field="month")
    rebase = stamp(SpcRebase(measure=measure, month=month, reason=reason, marked_by=by,
                             marked_at=timezone.now()), by=by, reason=reason)
    rebase.save()
    decision_record(actor=by, kind=Decision.Kind.SPC_REBASED, subject=rebase,
                    summary=f"{BY_KEY[measure].label}: rebased from {month:%B %Y}",
                    reason=reason, facts={"measure": measure, "month": f"{month:%Y-%m}"})
    return rebase


@transaction.atomic
def rebase_withdraw(*, by, rebase, reason: str):
    """Withdraw a rebase marked in error: the chart's limits run on across that month again.
    The rebase is kept, with who withdrew it and why (a decision)."""
    from django.utils import timezone

    from .models import SpcRebase
    from .trends import BY_KEY

    if not (reason or "").strip():
        raise DomainError("Say why the rebase is withdrawn.", field="reason")
    rebase = SpcRebase.objects.select_for_update().get(pk=rebase.pk)
    if rebase.withdrawn_at is not None:
        raise DomainError("This rebase is already withdrawn.")
    rebase.withdrawn_by, rebase.withdrawn_at, rebase.withdraw_reason = by, timezone.now(), reason
    stamp(rebase, by=by, reason=reason).save()
    measure = BY_KEY.get(rebase.measure)
    decision_record(actor=by, kind=Decision.Kind.SPC_REBASE_WITHDRAWN, subject=rebase,
                    summary=f"{measure.label if measure else rebase.measure}: rebase from "
                            f"{rebase.month:%B %Y} withdrawn",
                    reason=reason, facts={"measure": rebase.measure,
                                          "month": f"{rebase.month:%Y-%m}"})
    return rebase


def rebases_in_force() -> dict[str, list]:
    """Each measure's rebases not withdrawn: (month, reason, who, when), oldest first."""
    from .models import SpcRebase

    found: dict[str, list] = {}
    for r in SpcRebase.objects.filter(withdrawn_at__isnull=True).select_related("marked_by"):
        found.setdefault(r.measure, []).append(
            {"pk": r.pk, "month": r.month, "reason": r.reason,
             "by": r.marked_by.get_full_name() or r.marked_by.username, "at": r.marked_at})
    return found
