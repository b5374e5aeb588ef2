"""The only writers of the audit log: decisions, record access (granted or refused) and the
who-and-why stamp every history row carries."""
from datetime import timedelta

import structlog
from django.contrib.auth import get_user_model
from django.utils import timezone

from pathways import batch

from .models import AccessLogEntry, Decision

# Security events as named, structured lines (ids only, never content): config/observability.
security_log = structlog.get_logger("pathways.security")
REFUSALS_BEFORE_ALERT = 5
ALERT_WINDOW_MINUTES = 10


def decision_record(*, actor, kind, subject, summary, reason="", facts=None, person=None):
    """Record one human choice with who, when, what, why and the facts shown."""
    return Decision.objects.create(
        actor=actor,
        made_at=timezone.now(),
        kind=kind,
        person=person,
        subject_type=subject._meta.label,
        subject_id=str(subject.pk),
        summary=summary[:300],
        reason=reason,
        facts=facts or {},
    )


def access_record(*, request, person=None, obj=None, granted=True, object_type="", object_id="",
                  identified: bool = False):
    """Log that someone opened (or was refused) a record. Stores ids, never the content.
    `identified`: the page showed who the person is, not only their reference."""
    user = request.user if request.user.is_authenticated else None
    return AccessLogEntry.objects.create(
        user=user,
        at=timezone.now(),
        person=person,
        object_type=obj._meta.label if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else str(object_id)[:64],
        path=request.path[:300],
        granted=granted,
        identified=identified,
    )


def system_user():
    """The named actor for changes no person made directly (tasks, commands, demo data)."""
    from django.conf import settings

    return batch.once("system user", lambda: get_user_model().objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"first_name": "Pathways", "last_name": "system", "is_active": False},
    )[0])


def stamp(instance, *, by, reason: str):
    """Say who is making the change the next save records, and why (SECURITY.md S23, S25).

    Call it before `save()`: simple-history reads `_history_user` and `_change_reason` when it
    writes the history row, so history rows are only ever inserted, never updated (S27).
    HistoryRequestMiddleware only knows the user inside a web request; services also run in
    tasks, commands and the demo loader, so they say who acted themselves. No actor means the
    named system user, never a blank.
    """
    instance._history_user = by if by is not None else system_user()
    instance._change_reason = reason
    return instance


def attribute_unclaimed_history(sender, history_instance, **kwargs):
    """A history row written with no user (outside a request, not stamped) names the system
    user rather than nobody (S25)."""
    if history_instance.history_user_id is None and history_instance.history_user is None:
        history_instance.history_user = system_user()


def access_refused(*, request, object_type: str, object_id) -> None:
    """Log an id the user asked for but may not see (a guessed or stale id: SECURITY.md S28).

    Several refusals in a short time look like someone probing: the fifth within the window is
    raised to an error, which the error-monitoring handler reports.
    """
    access_record(request=request, granted=False, object_type=object_type,
                  object_id=str(object_id))
    user = request.user
    security_log.warning("access_refused", object_type=object_type,
                         object_id=str(object_id)[:64], user_id=getattr(user, "pk", None))
    if not user.is_authenticated:
        return
    since = timezone.now() - timedelta(minutes=ALERT_WINDOW_MINUTES)
    refused = AccessLogEntry.objects.filter(user=user, granted=False, at__gte=since).count()
    if refused == REFUSALS_BEFORE_ALERT:
        security_log.error("access_alert", user_id=user.pk, refused=refused,
                           window_minutes=ALERT_WINDOW_MINUTES)


# Retention --------------------------------------------------------------------------------

DEFAULT_ACCESS_LOG_YEARS = 6


def retention_policy_current():
    """The access-log policy in force; the default (6 years) until an administrator sets one."""
    from .models import RetentionPolicy

    policy = RetentionPolicy.objects.filter(
        record_type=RetentionPolicy.RecordType.ACCESS_LOG).order_by("-created_at").first()
    if policy is None:
        policy = RetentionPolicy.objects.create(
            record_type=RetentionPolicy.RecordType.ACCESS_LOG,
            keep_years=DEFAULT_ACCESS_LOG_YEARS, created_by=system_user(),
            reason="Default until the information governance lead sets the period.")
    return policy


def retention_policy_set(*, by, keep_years: int, reason: str):
    """A new retention period for the access log: a decision with a reason, never below the
    floor the database holds."""
    from django.db import transaction

    from pathways.errors import DomainError

    from .models import MINIMUM_ACCESS_LOG_YEARS, RetentionPolicy

    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for the new retention period.", field="reason")
    if keep_years < MINIMUM_ACCESS_LOG_YEARS:
        raise DomainError(f"The access log is kept at least {MINIMUM_ACCESS_LOG_YEARS} years.",
                          field="keep_years")
    with transaction.atomic():
        previous = retention_policy_current()
        policy = RetentionPolicy.objects.create(
            record_type=RetentionPolicy.RecordType.ACCESS_LOG, keep_years=keep_years,
            reason=reason, created_by=by)
        decision_record(actor=by, kind=Decision.Kind.RETENTION_POLICY_CHANGED, subject=policy,
                        reason=reason, summary=f"Access log kept {keep_years} years "
                                               f"(was {previous.keep_years})",
                        facts={"keep_years": keep_years, "previous": previous.keep_years})
    return policy


def retention_apply(*, now=None) -> int:
    """Remove access-log entries older than the policy allows, as the system user, with a
    decision saying how many and up to when. Decisions and casework history are never
    touched. On PostgreSQL the removal runs in a database function that holds its own floor."""
    from django.db import connection, transaction

    from .models import MINIMUM_ACCESS_LOG_YEARS

    now = now or timezone.now()
    policy = retention_policy_current()
    years = max(policy.keep_years, MINIMUM_ACCESS_LOG_YEARS)
    cutoff = now - timedelta(days=round(365.25 * years))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT audit_purge_access_log(%s)", [cutoff])
            removed = cursor.fetchone()[0]
        else:   # the first-run default keeps the guard in code only
            cursor.execute("DELETE FROM workflows_accesslogentry WHERE at < %s", [cutoff])
            removed = cursor.rowcount
        decision_record(actor=system_user(), kind=Decision.Kind.RETENTION_APPLIED,
                        subject=policy, reason=f"Retention policy: {years} years",
                        summary=f"{removed} access-log entries from before "
                                f"{cutoff:%d %b %Y} removed",
                        facts={"removed": removed, "cutoff": cutoff.isoformat(),
                               "keep_years": years})
    security_log.info("retention_applied", removed=removed, keep_years=years)
    return removed
