"""The oversight group's meeting pack: the dashboard's figures, overdue and escalated actions
by organisation, themes, stuck people by reference and equality figures with suppression, for
a chosen period — as a PDF, an HTML page and a CSV made together by a background task.

No name, NHS number or free text about a person goes in: people appear by pseudonymous
reference, and equality figures keep their small-number suppression.
"""
from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.contrib.staticfiles import finders
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Organisation
from audit.models import Decision
from audit.services import decision_record
from pathways.csvfile import csv_text
from reviews.models import Action

from . import dashboard as oversight
from .equality import equality_tables
from .evaluation import evaluation
from .models import MeetingPack
from .outcomes import outcome_tables
from .services import rebases_in_force, thresholds
from .themes import Period, period_named, theme_table
from .trends import series

PACK_STEPS = ["Headline figures", "Actions by organisation", "Themes of learning",
              "Where progress has stalled", "Equality monitoring", "Outcomes", "Trends",
              "Writing the PDF"]
STUCK_SHOWN = 25


def actions_by_organisation(period: Period, today: date) -> list[dict]:
    """For each owner organisation: open actions overdue today (and of those, how many the
    senior intervenor agreed on a case), actions escalated in the period, and of those how
    many are still open. One aggregate query."""
    escalated_in = Q(escalated_at__isnull=False)
    if period.start is not None:
        escalated_in &= Q(escalated_at__date__gte=period.start)
    if period.end is not None:
        escalated_in &= Q(escalated_at__date__lte=period.end)
    open_ = Q(status__in=Action.OPEN_STATUSES)
    rows = (Action.objects.order_by().values("owner_organisation")
            .annotate(overdue=Count("pk", filter=open_ & Q(due_date__lt=today)),
                      escalated=Count("pk", filter=escalated_in),
                      escalated_open=Count("pk", filter=escalated_in & open_),
                      overdue_from_cases=Count("pk", filter=open_ & Q(due_date__lt=today,
                                                                      case__isnull=False)))
            .filter(Q(overdue__gt=0) | Q(escalated__gt=0))
            .order_by("-overdue", "-escalated", "owner_organisation"))
    names = dict(Organisation.objects.values_list("pk", "name"))
    return [{**r, "organisation": names.get(r["owner_organisation"], "–")} for r in rows]


def pack_content(user, period: Period, today: date | None = None, progress=None) -> dict:
    """Everything the pack shows, as plain values; `progress(step)` is told as each part is
    done."""
    today = today or date.today()
    tell = progress or (lambda step: None)
    content = {"period": period, "today": today, "generated_at": timezone.now(),
               "headline": oversight.headline(today, since=period.start),
               "activity": oversight.period_activity(period.start,
                                                     min(period.end or today, today)),
               "bands": oversight.lts_bands(today),
               "step_times": oversight.step_times(), "step_labels": oversight.STEP_TIMES}
    tell(1)
    content["by_organisation"] = actions_by_organisation(period, today)
    content["by_region"] = oversight.overdue_by_region(today)
    tell(2)
    content["themes"] = theme_table(user, period)
    tell(3)
    stalled = list(oversight.stuck_people(today)[:STUCK_SHOWN])
    steps = oversight.next_steps(stalled)
    content["stuck"] = [
        {"reference": p.reference, "score": p.rank_score, "since": p.lts_since,
         "region": p.current_unit.get_region_display() if p.current_unit else "–",
         "next_step": steps[p.pk]}
        for p in stalled]
    content["stuck_total"] = oversight.stuck_people(today).count()
    limits = thresholds()
    content["stuck_after"], content["quiet_days"] = (limits["stuck_after_days"],
                                                     limits["quiet_days"])
    tell(4)
    content["equality"] = equality_tables(today)
    tell(5)
    content["outcomes"] = outcome_tables(today)
    tell(6)
    content["trends"] = series(today, rebases_in_force())
    content["evaluation"] = evaluation(today)
    tell(7)
    return content


# Each organisation's figures, as the printed pack heads them (no raw codes in the file).
BY_ORGANISATION = (("overdue", "overdue today"),
                   ("overdue_from_cases", "overdue today, agreed by the senior intervenor"),
                   ("escalated", "escalated in the period"),
                   ("escalated_open", "escalated, still open"))


def pack_csv(content: dict) -> str:
    """The same figures, one row each: section, group, measure, value. Names come from
    people (an organisation's, a theme's), so the text goes through the one writer that keeps
    a formula from running in a spreadsheet (round 4, finding 5)."""
    lines = []
    for f in content["headline"]:
        lines.append(["Headline", f.note, f.label, f.value])
    for f in content["activity"]:
        lines.append(["In the period", content["period"].label, f.label, f.value])
    for label, n in content["bands"]:
        lines.append(["People in LTS by length", label, "people", n])
    for row in content["by_organisation"]:
        for measure, words in BY_ORGANISATION:
            lines.append(["Actions by organisation", row["organisation"], words,
                          row.get(measure, 0)])
    for row in content["themes"]["rows"]:
        name = row["theme"].name if row["theme"] else "Not coded"
        lines.append(["Themes", name, "recommendations", row["recommendations"]])
        lines.append(["Themes", name, "barriers", row["barriers"]])
        lines.append(["Themes", name, "actions agreed by senior intervenors",
                      row.get("agreed", 0)])
    for row in content["stuck"]:
        lines.append(["Where progress has stalled", row["reference"], "score", row["score"]])
    for name, rows in content["equality"]["tables"].items():
        for label, count, days in rows:
            lines.append([f"Equality: {name}", label, "people", count])
            if days is not None:
                lines.append([f"Equality: {name}", label, "median days in LTS", days])
    regions = content["equality"]["regions"]
    for name, rows in content["equality"]["by_region"].items():
        for row in rows or ():
            for region, cell in zip(regions, row["cells"], strict=True):
                lines.append([f"Equality by region: {name}", f"{row['label']}, {region}",
                            "people", cell])
    outcomes = content["outcomes"]
    for name, row in [("Everyone", outcomes["overall"]),
                      *((f"By {table.lower()}", row) for table, rows in
                        outcomes["tables"].items() for row in rows)]:
        group = row.get("label", "Everyone")
        lines.append([f"Outcomes: {name}", group, "people", row["people_shown"]])
        for horizon, fig in row.get("horizons", {}).items():
            if fig.get("left_percent") is not None:
                lines.append([f"Outcomes: {name}", group, f"left LTS within {horizon} (%)",
                              fig["left_percent"]])
    for trend in content["trends"]:
        months = trend.months
        latest = trend.points[-1] if trend.points else None
        lines.append(["Trends", "England", trend.measure.label, trend.sentence])
        if latest is not None and months:
            lines.append(["Trends", "England", f"{trend.measure.label}, {months[-1]:%B %Y}",
                          latest.value])
    return csv_text(["section", "group", "measure", "value"], lines)[0]


def pack_request(*, by, period_key: str) -> MeetingPack:
    """Ask for a pack; a worker builds it. The request is a decision in the audit log."""
    period = period_named(period_key)
    with transaction.atomic():
        pack = MeetingPack.objects.create(period_key=period.key, period_label=period.label,
                                          requested_by=by, requested_at=timezone.now())
        decision_record(actor=by, kind=Decision.Kind.MEETING_PACK_REQUESTED, subject=pack,
                        summary=f"Meeting pack requested for {period.label}",
                        facts={"period": period.key})
        # robust: with the broker away the request still stands; the next sweep queues it.
        transaction.on_commit(lambda: build_meeting_pack.delay(str(pack.pk)), robust=True)
    return pack


def pack_build(pack_id: str) -> str:
    """Build one pack; a second run of a ready pack does nothing (the task may be redelivered
    after a worker dies)."""
    from weasyprint import HTML

    pack = MeetingPack.objects.select_related("requested_by").get(pk=pack_id)
    if pack.status == MeetingPack.Status.READY:
        return pack.status

    def progress(step: int) -> None:
        pack.step, pack.step_label = step, PACK_STEPS[min(step, len(PACK_STEPS) - 1)]
        pack.save(update_fields=["step", "step_label", "status"])

    pack.status = MeetingPack.Status.RUNNING
    progress(0)
    try:
        content = pack_content(pack.requested_by, period_named(pack.period_key),
                               progress=progress)
        with open(finders.find("css/pack-print.css"), encoding="utf-8") as sheet:
            content["css"] = sheet.read()
        content["pack"] = pack
        html = render_to_string("oversight/pack_print.jinja", content)
        pdf = HTML(string=html).write_pdf()
    except Exception as error:   # recorded for the page, then raised for the worker's log
        pack.status, pack.error = MeetingPack.Status.FAILED, type(error).__name__
        pack.finished_at = timezone.now()
        pack.save(update_fields=["status", "error", "finished_at"])
        raise
    pack.html, pack.csv, pack.pdf = html, pack_csv(content), pdf
    pack.status, pack.step, pack.step_label = MeetingPack.Status.READY, len(PACK_STEPS), "Done"
    pack.finished_at = timezone.now()
    pack.save()
    return pack.status


# A pack asked for 30 seconds ago and not yet started was lost on its way to the broker.
LOST_AFTER = timedelta(seconds=30)


def packs_requeue(now=None) -> int:
    """Queue again every pack still waiting 30 seconds after it was asked for (round 4,
    finding 7): it goes out within a minute of the broker's return. A pack being built is left to its
    worker; building is idempotent."""
    now = now or timezone.now()
    lost = list(MeetingPack.objects.filter(status=MeetingPack.Status.QUEUED,
                                           requested_at__lte=now - LOST_AFTER)
                .values_list("pk", flat=True)[:100])
    for pk in lost:
        build_meeting_pack.delay(str(pk))
    return len(lost)


@shared_task(name="oversight.requeue_packs")
def requeue_lost_packs() -> int:
    """Every 30 seconds (beat)."""
    return packs_requeue()


@shared_task(acks_late=True, name="workflows.packs.build_meeting_pack")  # its name before issue 30, kept
def build_meeting_pack(pack_id: str) -> str:
    """The background task: build the pack (idempotent, so a redelivery is harmless)."""
    return pack_build(pack_id)
