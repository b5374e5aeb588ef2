"""The only writers of the audit log: decisions, record access (granted or refused) and the
who-and-why stamp every history row carries."""
from datetime import timedelta

import structlog
from django.contrib.auth import get_user_model
from django.utils import timezone

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


def access_record(*, request, person=None, obj=None, granted=True, object_type="", object_id=""):
    """Log that someone opened (or was refused) a record. Stores ids, never the content."""
    user = request.user if request.user.is_authenticated else None
    return AccessLogEntry.objects.create(
        user=user,
        at=timezone.now(),
        person=person,
        object_type=obj._meta.label if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else str(object_id)[:64],
        path=request.path[:300],
        granted=granted,
    )


def system_user():
    """The named actor for changes no person made directly (tasks, commands, demo data)."""
    from django.conf import settings

    user, _ = get_user_model().objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"first_name": "Pathways", "last_name": "system", "is_active": False},
    )
    return user


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
