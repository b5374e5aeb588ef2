"""The oversight group's dashboard: where follow-up is stuck, in counts, never names.

Each figure is one aggregate query whatever the size of the cohort. The group reads
everything (a model-wide role), so figures are programme-wide; people appear only by their
pseudonymous reference, in the stuck list.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from audit.figures import kept
from intervenors.models import MAX_ACTIVE_CASES, CaseActivity, Intervenor, IntervenorCase
from pathways.frontend.dates import day_month_year
from pathways.paging import PagedRows
from referrals import priority, ranking
from referrals.models import LtsEpisode, Person, Referral
from referrals.selectors import policy_in_force
from reviews.models import Action, ActionStatus, ActionUpdate, Review

from .numbers import median_days
from .services import thresholds

# Length-of-LTS bands, in days (upper bound exclusive), as the group reads them.
LTS_BANDS = [("Under 3 months", 0, 91), ("3 to 6 months", 91, 183),
             ("6 to 12 months", 183, 365), ("1 to 2 years", 365, 730),
             ("Over 2 years", 730, None)]


@dataclass(frozen=True)
class Figure:
    label: str
    value: object
    link: str = ""
    note: str = ""      # e.g. the change over the period


def _region(q_path: str, region: str) -> Q:
    """Rows whose person's current unit is in `region` (everything when no region)."""
    return Q(**{q_path: region}) if region else Q()


def in_lts_on(day: date, region: str = "") -> int:
    """People in long-term segregation on `day` (an episode begun by then and not ended)."""
    return (LtsEpisode.objects.filter(_region("unit__region", region), start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
            .values("person").distinct().count())


def headline(today: date | None = None, region: str = "", since: date | None = None
             ) -> list[Figure]:
    """The figures the group reads first; with `since`, the change in people in LTS since
    then. Filtered to a region by the unit the person is in (intervenor places are national)."""
    today = today or date.today()
    starts = list(LtsEpisode.objects.filter(_region("unit__region", region),
                                            end_date__isnull=True)
                  .values_list("start_date", flat=True))
    days = sorted(max((today - s).days, 0) for s in starts)
    actions = Action.objects.filter(
        _region("person__current_unit__region", region)).aggregate(
        open=Count("pk", filter=Q(status__in=Action.OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=Action.OPEN_STATUSES, due_date__lt=today)),
        escalated=Count("pk", filter=Q(status__in=Action.OPEN_STATUSES,
                                       escalated_at__isnull=False)),
        to_verify=Count("pk", filter=Q(status=ActionStatus.COMPLETED)),
    )
    reviews = Review.objects.filter(
        _region("person__current_unit__region", region)).aggregate(
        panel=Count("pk", filter=Q(status__in=[Review.Status.REQUESTED,
                                               Review.Status.SCHEDULED])),
        report=Count("pk", filter=Q(status=Review.Status.HELD)),
    )
    places = Intervenor.objects.filter(available=True).count() * MAX_ACTIVE_CASES
    active = IntervenorCase.objects.filter(status=IntervenorCase.Status.ACTIVE).count()
    waiting = list(IntervenorCase.objects.filter(
        _region("person__current_unit__region", region),
        status=IntervenorCase.Status.WAITING).values_list("waiting_since", flat=True))
    waits = [(today - w.date()).days for w in waiting]
    change = ""
    if since is not None:
        moved = len(days) - in_lts_on(since, region)
        change = (f"{'up' if moved > 0 else 'down'} {abs(moved)} since {since:%-d %b %Y}"
                  if moved else f"no change since {since:%-d %b %Y}")
    suffix = f"&region={region}" if region else ""
    return [
        Figure("People in long-term segregation", len(days), note=change),
        Figure("Median days in LTS", median_days(days) if days else "–"),
        Figure("Longest days in LTS", days[-1] if days else "–"),
        Figure("Referrals awaiting triage",
               Referral.objects.filter(_region("person__current_unit__region", region),
                                       status=Referral.Status.SUBMITTED).count(),
               "/referrals/queue/" + (f"?region={region}" if region else "")),
        Figure("Reviews awaiting a panel", reviews["panel"],
               "/reviews/?status=awaiting_panel" + suffix),
        Figure("Reviews awaiting the report", reviews["report"], "/reviews/?status=held" + suffix),
        Figure("Open actions", actions["open"], "/actions/?status=still_open" + suffix),
        Figure("Overdue actions", actions["overdue"], "/actions/?overdue=on" + suffix),
        Figure("Escalated actions still open", actions["escalated"],
               "/actions/?escalated=on" + suffix),
        Figure("Actions awaiting verification", actions["to_verify"],
               "/actions/?status=completed" + suffix),
        Figure("Intervenor places in use (national)", f"{active} of {places}",
               "/intervenors/capacity/"),
        Figure("People waiting for an intervenor", len(waits), "/intervenors/waiting/"),
        Figure("Median days waiting", median_days(waits) if waits else "–"),
    ]


def period_activity(start: date | None, end: date, region: str = "") -> list[Figure]:
    """What happened in the period, in four aggregate queries. Timestamps are compared with the
    period's bounds as moments (midnight where the service runs), so no row is cast first."""
    def moments(field):
        q = Q(**{f"{field}__lt": _midnight(end + timedelta(days=1))})
        return q & Q(**{f"{field}__gte": _midnight(start)}) if start else q

    def days(field):
        q = Q(**{f"{field}__lte": end})
        return q & Q(**{f"{field}__gte": start}) if start else q

    person = "person__current_unit__region"
    reviews = Review.objects.filter(_region(person, region)).aggregate(
        held=Count("pk", filter=days("held_on")), issued=Count("pk", filter=days(
            "report_issued_on")))
    actions = Action.objects.filter(_region(person, region)).aggregate(
        escalated=Count("pk", filter=moments("escalated_at")),
        verified=Count("pk", filter=moments("verified_at")))
    return [
        Figure("Referrals raised", Referral.objects.filter(
            _region(person, region), moments("raised_at")).count()),
        Figure("Panels held", reviews["held"]),
        Figure("Reports issued", reviews["issued"]),
        Figure("Actions escalated", actions["escalated"]),
        Figure("Actions verified", actions["verified"]),
        Figure("People whose LTS ended", LtsEpisode.objects.filter(
            _region("unit__region", region), days("end_date"))
            .exclude(end_reason=LtsEpisode.EndReason.TRANSFERRED).count()),
    ]


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def overdue_by(field: str, today: date | None = None, limit: int = 20, region: str = ""
               ) -> list[dict]:
    """Overdue open actions counted by `field` (owner organisation or region), largest first."""
    today = today or date.today()
    rows = (Action.objects.filter(_region("person__current_unit__region", region),
                                  status__in=Action.OPEN_STATUSES, due_date__lt=today)
            .values(field).annotate(n=Count("pk")).order_by("-n", field))
    return list(rows[:limit])


def overdue_by_organisation(today=None, region: str = "") -> list[dict]:
    rows = overdue_by("owner_organisation", today, region=region)
    from accounts.models import Organisation

    names = dict(Organisation.objects.filter(
        pk__in=[r["owner_organisation"] for r in rows]).values_list("pk", "name"))
    return [{"label": names.get(r["owner_organisation"], "–"), "n": r["n"],
             "link": f"/actions/?overdue=on&owner_organisation={r['owner_organisation']}"
                     + (f"&region={region}" if region else "")}
            for r in rows]


def overdue_by_region(today=None, region: str = "") -> list[dict]:
    from accounts.models import Region

    labels = dict(Region.choices)
    rows = overdue_by("person__current_unit__region", today, region=region)
    return [{"label": labels.get(r["person__current_unit__region"], "No unit"),
             "n": r["n"],
             "link": "/actions/?overdue=on&region="
                     f"{r['person__current_unit__region'] or ''}"}
            for r in rows]


def lts_bands(today: date | None = None, region: str = "") -> list[tuple[str, int]]:
    today = today or date.today()
    counts = {}
    for n, (_, low, high) in enumerate(LTS_BANDS):
        q = Q(start_date__lte=today - timedelta(days=low))
        if high is not None:
            q &= Q(start_date__gt=today - timedelta(days=high))
        counts[f"band{n}"] = Count("pk", filter=q)
    totals = LtsEpisode.objects.filter(_region("unit__region", region),
                                       end_date__isnull=True).aggregate(**counts)
    return [(label, totals[f"band{n}"]) for n, (label, _, _) in enumerate(LTS_BANDS)]


def stuck_people(today: date | None = None, region: str = ""):
    """People in LTS at least the stuck threshold's days with no action completed and no
    intervenor contact in the quiet threshold's days, highest priority first (a queryset, for
    paging). The thresholds are data (targets.thresholds)."""
    today = today or date.today()
    limits = thresholds()
    quiet_since = today - timedelta(days=limits["quiet_days"])
    recent_action = ActionUpdate.objects.filter(
        action__person=OuterRef("pk"),
        new_status__in=[ActionStatus.COMPLETED, ActionStatus.VERIFIED],
        created_at__date__gte=quiet_since)
    recent_contact = CaseActivity.objects.filter(case__person=OuterRef("pk"),
                                                 occurred_on__gte=quiet_since)
    people = (Person.objects.filter(
        _region("current_unit__region", region),
        lts_episodes__end_date__isnull=True,
        lts_episodes__start_date__lte=today - timedelta(days=limits["stuck_after_days"]))
        .exclude(Exists(recent_action)).exclude(Exists(recent_contact))
        .select_related("current_unit"))
    weights = priority.Weights.from_policy(policy_in_force())
    return ranking.ranked(people, weights, today, tie="reference", person="")


# Time through the steps --------------------------------------------------------------------

STEP_TIMES = [("triage", "Referral to triage"), ("panel", "Referral to panel"),
              ("report", "Referral to report")]
QUARTERS_SHOWN = 6


def quarter_of(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def percentile(values: list[int], share: float) -> int:
    """The nearest-rank percentile: the smallest value at or above `share` of them."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def step_times() -> list[dict]:
    """Days from referral to triage, to the first panel and to its report, by the quarter the
    referral was raised (newest first): how many, the median and the 90th percentile of each.
    A step with fewer than 5 times shows none (too few to say, and too near to single cases).
    Two plain-value queries whatever the size."""
    spans: dict[str, dict[str, list[int]]] = {}
    raised_on = {}
    for pk, raised_at, triaged_at in Referral.objects.filter(
            triaged_at__isnull=False).values_list("pk", "raised_at", "triaged_at"):
        raised = timezone.localdate(raised_at)
        raised_on[pk] = raised
        spans.setdefault(quarter_of(raised), {}).setdefault("triage", []).append(
            (timezone.localdate(triaged_at) - raised).days)
    for referral, held_on, issued_on in Review.objects.filter(
            follows__isnull=True, held_on__isnull=False).values_list(
                "referral_id", "held_on", "report_issued_on"):
        raised = raised_on.get(referral)
        if raised is None:
            continue
        steps = spans.setdefault(quarter_of(raised), {})
        steps.setdefault("panel", []).append((held_on - raised).days)
        if issued_on is not None:
            steps.setdefault("report", []).append((issued_on - raised).days)
    rows = []
    for quarter in sorted(spans, reverse=True)[:QUARTERS_SHOWN]:
        cells = []
        for key, _label in STEP_TIMES:
            values = spans[quarter].get(key, [])
            enough = len(values) >= 5
            cells.append({"n": len(values),
                          "median": median_days(values) if enough else None,
                          "p90": percentile(values, 0.9) if enough else None})
        rows.append({"quarter": quarter, "cells": cells})
    return rows


# The dashboard, figured once and kept -----------------------------------------------------

def dashboard_figures(today: date, region: str, since: date | None, end: date,
                      version: str) -> tuple[dict, datetime]:
    """Every aggregate on the dashboard for a region and period, and when it was figured:
    about twenty queries over the national cohort, run at most once a version and five
    minutes, whoever asks."""
    return kept("dashboard", (today, region, since, end), version, lambda: {
        "headline": headline(today, region, since=since),
        "activity": period_activity(since, end, region),
        "by_organisation": overdue_by_organisation(today, region),
        "by_region": overdue_by_region(today, region),
        "bands": lts_bands(today, region),
        "step_times": step_times(),
        "barriers": open_barriers(),
    })


class StuckPeople(PagedRows):
    """The stuck list for the dashboard: the ranking (each person's key, score and LTS start:
    opaque keys and numbers) is figured once a version and kept like the figures; each page
    reads only its own people's reference and region, by key."""

    def __init__(self, today: date, region: str, version: str):
        super().__init__()
        self.today, self.region, self.version = today, region, version
        self._ranking: list | None = None

    @property
    def ranking(self) -> list[tuple[str, int, date | None]]:
        if self._ranking is None:
            self._ranking, _ = kept("stuck", (self.today, self.region), self.version, lambda: [
                (pk.hex, score, since) for pk, score, since in stuck_people(
                    self.today, self.region).values_list("pk", "rank_score", "lts_since")])
        return self._ranking

    def total(self) -> int:
        return len(self.ranking)

    def rows(self, key: slice) -> list:
        page = self.ranking[key]
        if not page:
            return []
        found = {p.pk.hex: p for p in Person.objects.filter(pk__in=[k for k, _, _ in page])
                 .select_related("current_unit").only("reference", "current_unit__region")}
        steps = next_steps(list(found.values()))
        rows = []
        for pk, score, since in page:
            if pk in found:
                person = found[pk]
                person.rank_score, person.lts_since = score, since
                person.next_step = steps[person.pk]
                rows.append(person)
        return rows


def next_steps(people: list) -> dict:
    """Each person's next step in the programme, in a few words ("Panel 15 Dec 2026",
    "Intervenor assigned 6 Dec 2026"), so the oversight group sees who is already moving
    (issue 44). Three queries for the page, whatever its length."""
    pks = [p.pk for p in people]
    reviews, cases, referrals = {}, {}, {}
    for review in Review.objects.filter(person__in=pks).exclude(
            status__in=(Review.Status.REPORT_ISSUED, Review.Status.CLOSED)).order_by(
            "requested_at").only("person_id", "status", "scheduled_for", "held_on",
                                 "requested_at"):
        reviews.setdefault(review.person_id, review)
    for case in IntervenorCase.objects.filter(person__in=pks).exclude(
            status=IntervenorCase.Status.CLOSED).only(
            "person_id", "status", "assigned_on", "waiting_since"):
        cases.setdefault(case.person_id, case)
    for referral in Referral.objects.filter(person__in=pks, status=Referral.Status.SUBMITTED) \
            .only("person_id", "raised_at"):
        referrals.setdefault(referral.person_id, referral)
    steps = {}
    for pk in pks:
        review, case, referral = reviews.get(pk), cases.get(pk), referrals.get(pk)
        words = []
        if referral is not None:
            words.append(f"Referral awaiting triage since {day_month_year(referral.raised_at)}")
        if review is not None:
            if review.status == Review.Status.SCHEDULED and review.scheduled_for:
                words.append(f"Panel {day_month_year(review.scheduled_for)}")
            elif review.status == Review.Status.HELD and review.held_on:
                words.append(f"Report awaited, panel held {day_month_year(review.held_on)}")
            else:
                words.append(f"Review awaiting a panel date since {day_month_year(review.requested_at)}")
        if case is not None:
            if case.status == IntervenorCase.Status.WAITING:
                words.append(f"Waiting for an intervenor since {day_month_year(case.waiting_since)}")
            elif case.assigned_on:
                words.append(f"Intervenor assigned {day_month_year(case.assigned_on)}")
        steps[pk] = "; ".join(words) or "No step open"
    return steps


# System barriers (issue 45) ---------------------------------------------------------------

def open_barriers() -> dict:
    """Open system barriers on active intervenor cases, by kind and by the region of the
    person's unit: where systems get stuck, nationally. One query. Counts are suppressed as
    the equality page suppresses them; the kind-by-region table is published only when no
    region's total is 1 to 4 (a hidden region total would otherwise be given away by the
    others), else the regions are a column of their own."""
    from collections import Counter

    from accounts.models import Region
    from intervenors.models import CaseBarrier, IntervenorCase, SystemBarrierKind

    from .equality import suppress
    from .suppression import SUPPRESS_BELOW, SUPPRESSED, TOTAL, suppress_grid

    rows = list(CaseBarrier.objects.exclude(status=CaseBarrier.Status.RESOLVED)
                .filter(case__status=IntervenorCase.Status.ACTIVE)
                .values_list("kind__name", "case__person__current_unit__region"))
    labels = dict(Region.choices)
    kinds = list(SystemBarrierKind.objects.filter(active=True).values_list("name", flat=True))
    kinds += sorted({k for k, _ in rows} - set(kinds))
    by_kind = Counter(k for k, _ in rows)
    by_region = Counter(labels.get(r or "", "No unit recorded") for _, r in rows)
    regions = [label for _, label in Region.choices] + (
        ["No unit recorded"] if by_region.get("No unit recorded") else [])
    kind_rows = suppress({k: by_kind.get(k, 0) for k in kinds})
    region_rows = suppress({r: by_region.get(r, 0) for r in regions})
    total = len(rows)
    grid = None
    if total >= SUPPRESS_BELOW and not any(0 < by_region.get(r, 0) < SUPPRESS_BELOW
                                           for r in regions):
        cells = Counter((k, labels.get(r or "", "No unit recorded")) for k, r in rows)
        published = suppress_grid(dict(cells), kinds, regions, total_hidden=False,
                                  rows_hidden={k for k, n in kind_rows if n == SUPPRESSED})
        if published is not None:
            grid = [{"label": k, "total": published[(k, TOTAL)],
                     "cells": [published[(k, r)] for r in regions]} for k in kinds]
    return {"total": SUPPRESSED if 0 < total < SUPPRESS_BELOW else total,
            "by_kind": kind_rows, "by_region": region_rows, "regions": regions, "grid": grid}
