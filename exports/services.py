"""CSV exports of the lists, written in the background (decision 0014).

An export of every row grows with the rows: at ten times England's numbers the actions list is
18,000 rows (1.6 MB) and took well over 100 ms to write inside a request, holding a web worker
the while. So a person asks for an export, a worker writes it from what that person may see at
that moment (the same scoped selectors as the pages), and a notice tells them it is ready. The
file is theirs alone, opened through a logged download, and emptied when it expires; the row
stays as the log of who exported what, with which filters and how many rows (SECURITY.md S29).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import structlog
from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.services import stamp
from intervenors.selectors import cases_visible
from notifications.models import Notification
from notifications.services import link_to, notification_owe
from pathways.csvfile import csv_text
from referrals.selectors import triage_queue
from reviews.models import Action
from reviews.selectors import SOURCE_CHOICES, STATUS_FILTER_CHOICES, actions_filtered

from .models import Export

security_log = structlog.get_logger("pathways.security")

# How long a written file may be downloaded; the row (the log) stays.
KEEP_FOR = timedelta(hours=24)
# A queued export whose first queueing was lost (broker down) is queued again after this...
LOST_AFTER = timedelta(seconds=30)
# ...and one left running (its worker died part way) after this.
REQUEUE_AFTER = timedelta(minutes=5)
# A running export may be taken again: its worker may have died part way. Writing it twice
# writes the same file, and the notice is owed once (its key).
BUILDABLE = (Export.Status.QUEUED, Export.Status.RUNNING)


def _queue_rows(user, filters: dict) -> Iterable[list]:
    for r in triage_queue(user):
        yield [r.rank, r.person.reference, r.priority.score, r.priority.days_in_lts,
               getattr(r.person.current_unit, "name", ""),
               getattr(r.person.current_unit, "cqc_rating", ""),
               r.open_concerns, r.referral.requested_route, r.referral.raised_at.date(),
               "; ".join(f"{c.label}: {c.points}" for c in r.priority.components)]


def _action_rows(user, filters: dict) -> Iterable[list]:
    today = date.today()
    # Plain values, one query: every action in scope, tens of thousands at national scale.
    rows = actions_filtered(user, status=filters.get("status", ""),
                            overdue=filters.get("overdue", False),
                            escalated=filters.get("escalated", False),
                            owner_organisation=filters.get("owner_organisation"),
                            region=filters.get("region", ""), source=filters.get("source", ""),
                            today=today).values_list(
        "person__reference", "text", "case_id", "owner_organisation__name", "owner_name",
        "due_date", "status", "escalated_at")
    for person, text, case, organisation, owner, due, status, escalated in rows.iterator(
            chunk_size=2000):
        yield [person, text, "intervenor case" if case else "review", organisation, owner, due,
               status,
               "yes" if status in Action.OPEN_STATUSES and due < today else "no",
               "yes" if escalated else "no"]


def _caseload_rows(user, filters: dict) -> Iterable[list]:
    cases = cases_visible(user).filter(status="active").order_by(
        "intervenor__user__last_name", "assigned_on")
    for c in cases:
        yield [c.intervenor.user.get_full_name(), c.person.reference,
               getattr(c.person.current_unit, "name", ""), c.assigned_on.date(),
               c.get_proposed_outcome_display() or "no"]


@dataclass(frozen=True)
class ExportKind:
    """What one kind of export holds and who may ask for it (the same people as its list)."""
    filename: str
    roles: tuple[str, ...]
    header: list[str]
    rows: Callable[[object, dict], Iterable[list]]
    filters: tuple[str, ...] = ()


KINDS = {
    Export.Kind.QUEUE: ExportKind(
        "triage-queue", (Role.COORDINATOR, Role.OVERSIGHT),
        ["rank", "person", "score", "days_in_lts", "unit", "cqc_rating", "open_concerns",
         "requested_route", "raised_on", "breakdown"], _queue_rows),
    Export.Kind.ACTIONS: ExportKind(
        "actions", (Role.COMMISSIONER, Role.COORDINATOR, Role.OVERSIGHT, Role.CHAIR,
                    Role.INTERVENOR, Role.ACTION_OWNER),
        ["person", "action", "source", "owner_organisation", "owner", "due_date", "status",
         "overdue", "escalated"], _action_rows,
        ("status", "overdue", "escalated", "owner_organisation", "region", "source")),
    Export.Kind.CASELOADS: ExportKind(
        "caseloads", (Role.COORDINATOR, Role.OVERSIGHT, Role.INTERVENOR),
        ["intervenor", "person", "unit", "assigned_on", "closure_proposed"], _caseload_rows),
}


# Every role that may export some list: who may open the exports pages at all.
EXPORTING_ROLES = tuple(sorted({role for kind in KINDS.values() for role in kind.roles}))


def may_export(user, kind: str) -> bool:
    found = KINDS.get(kind)
    return (found is not None and user.is_active
            and any(user.has_role(role) for role in found.roles))


def exportable_kinds(user) -> list[str]:
    return [kind for kind in KINDS if may_export(user, kind)]


class ExportRefused(PermissionError):
    """The person may not export this list."""


def filters_kept(kind: str, filters: dict) -> dict:
    """The filters a kind takes, as JSON values; anything else is dropped, an empty value too
    (callers validate the values with their form or serializer first)."""
    kept = {}
    for name in KINDS[kind].filters:
        value = filters.get(name)
        if value in (None, "", False):
            continue
        kept[name] = value if isinstance(value, bool) else str(getattr(value, "pk", value))
    return kept


def filters_described(export: Export) -> str:
    """The filters in words, for the pages ("overdue only, status: open")."""
    if not export.filters:
        return "everything you can see"
    words = []
    if export.filters.get("overdue"):
        words.append("overdue only")
    if export.filters.get("escalated"):
        words.append("escalated and still open only")
    if export.filters.get("status"):
        status = export.filters["status"]
        words.append(f"status: {dict(STATUS_FILTER_CHOICES).get(status, status).lower()}")
    if export.filters.get("owner_organisation"):
        from accounts.models import Organisation

        name = (Organisation.objects.filter(pk=export.filters["owner_organisation"])
                .values_list("name", flat=True).first())
        words.append(f"owned in {name or 'an organisation'}")
    if export.filters.get("region"):
        from accounts.models import Region

        words.append(f"region: {Region(export.filters['region']).label}")
    if export.filters.get("source"):
        source = export.filters["source"]
        words.append(f"from: {dict(SOURCE_CHOICES).get(source, source).lower()}")
    return ", ".join(words)


def export_request(*, by, kind: str, filters: dict | None = None) -> Export:
    """Ask for an export; a worker writes it after this transaction commits. The row is the
    log of the request (who, what, which filters), whatever becomes of it. Asking again for
    the same list and filters while it is still being written gives the same export."""
    if not may_export(by, kind):
        raise ExportRefused(kind)
    kept = filters_kept(kind, filters or {})
    with transaction.atomic():
        # A second click while the same file is still being written is the same request.
        pending = Export.objects.filter(requested_by=by, kind=kind, filters=kept,
                                        status__in=BUILDABLE).defer("csv").first()
        if pending is not None:
            return pending
        export = stamp(Export(kind=kind, filters=kept, requested_by=by,
                              organisation_id=by.organisation_id,
                              requested_at=timezone.now()), by=by, reason="Asked for")
        export.save()
        # robust: if the broker is away the request still stands; the sweep queues it again.
        transaction.on_commit(lambda: build_export.delay(str(export.pk)), robust=True)
    return export


def export_build(export_id: str) -> str:
    """Write one export as its owner may see the list now. Idempotent: a redelivered task finds
    the export taken, done or failed and does nothing; the owner's right to the list is checked
    again here, since it may have been withdrawn after they asked (S36)."""
    with transaction.atomic():
        export = (Export.objects.select_for_update().select_related("requested_by")
                  .filter(pk=export_id).first())
        if export is None:
            return "missing"
        if export.status not in BUILDABLE:     # done, failed or expired: nothing to do
            return export.status
        export.status = Export.Status.RUNNING
        stamp(export, by=None, reason="Being written by the build_export task")
        export.save(update_fields=["status"])
    owner, kind = export.requested_by, KINDS[export.kind]
    try:
        if not may_export(owner, export.kind):
            raise ExportRefused(export.kind)
        text, count = csv_text(kind.header, kind.rows(owner, export.filters))
    except Exception as error:   # recorded for the page, then raised for the worker's log
        export.status, export.error = Export.Status.FAILED, type(error).__name__
        export.finished_at = timezone.now()
        stamp(export, by=None, reason="Could not be written (build_export task)")
        export.save(update_fields=["status", "error", "finished_at"])
        if isinstance(error, ExportRefused):
            return export.status
        raise
    export.csv, export.rows, export.size = text, count, len(text.encode())
    export.status, export.finished_at = Export.Status.READY, timezone.now()
    export.expires_at = export.finished_at + KEEP_FOR
    stamp(export, by=None, reason="Written by the build_export task")
    with transaction.atomic():
        # Closed while it was being written (the owner's access shrank): keep it closed.
        now = Export.objects.select_for_update().filter(pk=export.pk).values_list(
            "status", flat=True).first()
        if now != Export.Status.RUNNING:
            return now
        export.save()
        notification_owe(
            key=f"export:{export.pk}:ready", kind=Notification.Kind.EXPORT_READY, users=[owner],
            subject="Pathways: your export is ready",
            body=f"The CSV export you asked for is ready to download until "
                 f"{timezone.localtime(export.expires_at):%d %b %Y %H:%M}.\n"
                 f"Sign in to download it: {link_to('exports:export', export.pk)}",
            link=reverse("exports:export", args=[export.pk]))    # its owner's, by construction
    security_log.info("export", export=export.kind, rows=count, user_id=owner.pk,
                      export_id=str(export.pk))
    return export.status


def export_filename(export: Export) -> str:
    return f"{KINDS[export.kind].filename}-{timezone.localtime(export.requested_at):%Y-%m-%d}.csv"


def export_expire(export: Export, *, reason: str) -> None:
    """Empty an export's file past its time (the row stays, as the log)."""
    export.status, export.csv = Export.Status.EXPIRED, ""
    stamp(export, by=None, reason=f"Expired: the file is emptied ({reason})")
    export.save(update_fields=["status", "csv"])


# What a person's exports may still hold: anything not yet emptied.
OPEN = (Export.Status.QUEUED, Export.Status.RUNNING, Export.Status.READY)


def exports_close_for(user_ids, *, reason: str) -> int:
    """Close every open export of these people, emptying its file: their access has just
    shrunk, so a file written from what they could see may hold what they no longer may
    (security round 3, finding 5). They can ask again; the new file follows their access now.
    Called whenever a role, a group or an object permission of theirs is taken away."""
    closed = 0
    for export in Export.objects.filter(requested_by_id__in=list(user_ids), status__in=OPEN):
        export.status, export.csv = Export.Status.CLOSED, ""
        stamp(export, by=None, reason=f"Closed: the asker's access changed ({reason})")
        export.save(update_fields=["status", "csv"])
        closed += 1
    return closed


def exports_sweep(now=None) -> tuple[int, int]:
    """Empty the files of expired exports, and queue again those whose first queueing was lost.
    Returns (expired, requeued). Expiry does not wait for this: a file past its time is never
    served (`Export.downloadable`); this empties it."""
    now = now or timezone.now()
    expired = 0
    for export in Export.objects.filter(status=Export.Status.READY, expires_at__lte=now):
        export_expire(export, reason="sweep_exports task")
        expired += 1
    # Queued and never started for 30 seconds (its message never reached the broker: it
    # goes out within a minute of the broker's return), or started by a worker that died (the
    # broker redelivers a task only to a live worker, within its visibility timeout).
    lost = list(Export.objects.filter(
        Q(status=Export.Status.QUEUED, requested_at__lte=now - LOST_AFTER)
        | Q(status=Export.Status.RUNNING, requested_at__lte=now - REQUEUE_AFTER))
        .values_list("pk", flat=True)[:100])
    for pk in lost:
        build_export.delay(str(pk))
    return expired, len(lost)


@shared_task(acks_late=True, name="workflows.exports.build_export")  # its name before issue 30, kept
def build_export(export_id: str) -> str:
    """The background task: write the export (idempotent, so a redelivery is harmless)."""
    return export_build(export_id)


@shared_task(name="workflows.exports.sweep_exports")  # its name before issue 30, kept
def sweep_exports() -> tuple[int, int]:
    return exports_sweep()

