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
