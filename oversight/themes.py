"""Learning captured across reviews: how often each theme comes up, where and when.

Recommendations are coded with a theme when the report is issued; barriers found on the HOPE(S)
checklist count towards their domain's theme. Only reviews the viewer may see are counted
(the oversight group and coordinators read every review). The region is that of the unit the
person is in now, as elsewhere on the oversight pages. Counts are of recommendations and
barriers, not of people, so no small-number suppression is needed; the recommendations behind
a theme are listed by the person's pseudonymous reference only.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, QuerySet

from accounts.models import Region
from reviews.models import Action, BarrierAnswer, Recommendation, Theme
from reviews.selectors import actions_visible, reviews_visible

from .dashboard import quarter_of

UNCODED = "Not coded"


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: date | None
    end: date | None     # inclusive

    def contains(self, day: date | None) -> bool:
        return day is not None and (self.start is None or day >= self.start) and (
            self.end is None or day <= self.end)


def periods(today: date | None = None) -> list[Period]:
    """All time, the last 12 months, and the last six calendar quarters (newest first)."""
    today = today or date.today()
    found = [Period("all", "All time", None, None),
             Period("12m", "The last 12 months", today - timedelta(days=365), today)]
    year, quarter = today.year, (today.month - 1) // 3
    for _ in range(6):
        start = date(year, quarter * 3 + 1, 1)
        end = (date(year + (quarter == 3), (quarter + 1) % 4 * 3 + 1, 1) - timedelta(days=1))
        found.append(Period(quarter_of(start).replace(" ", "-"), quarter_of(start), start, end))
        year, quarter = (year - 1, 3) if quarter == 0 else (year, quarter - 1)
    return found


def period_named(key: str, today: date | None = None) -> Period:
    return next((p for p in periods(today) if p.key == key), periods(today)[0])


def _in_period(rows: QuerySet, field: str, period: Period) -> QuerySet:
    if period.start is not None:
        rows = rows.filter(**{f"{field}__gte": period.start})
    if period.end is not None:
        rows = rows.filter(**{f"{field}__lte": period.end})
    return rows


def recommendations_in(user, period: Period, region: str = "") -> QuerySet[Recommendation]:
    rows = _in_period(Recommendation.objects.filter(review__in=reviews_visible(user)),
                      "review__report_issued_on", period)
    if region:
        rows = rows.filter(review__person__current_unit__region=region)
    return rows


def case_actions_in(user, period: Period, region: str = "") -> QuerySet[Action]:
    """Actions the senior intervenors agreed on their cases in the period, each coded with a
    theme as it was agreed (decision 0027), that the user may see."""
    rows = _in_period(actions_visible(user).filter(case__isnull=False), "issued_on", period)
    if region:
        rows = rows.filter(person__current_unit__region=region)
    return rows


def barriers_in(user, period: Period, region: str = "") -> QuerySet[BarrierAnswer]:
    rows = _in_period(BarrierAnswer.objects.filter(review__in=reviews_visible(user),
                                                   is_barrier=True),
                      "review__held_on", period)
    if region:
        rows = rows.filter(review__person__current_unit__region=region)
    return rows


def theme_table(user, period: Period, region: str = "") -> dict:
    """Each theme's recommendations, barriers and actions agreed by senior intervenors, and its
    recommendations by region: five aggregate queries whatever the number of reviews."""
    region_field = "review__person__current_unit__region"
    recs = defaultdict(int)
    by_region = defaultdict(lambda: defaultdict(int))
    for theme, where, n in (recommendations_in(user, period, region).order_by()
                            .values_list("theme", region_field).annotate(n=Count("pk"))):
        recs[theme] += n
        by_region[theme][where] += n
    barriers = dict(barriers_in(user, period, region).order_by()
                    .values_list("domain__theme").annotate(n=Count("pk")))
    agreed = dict(case_actions_in(user, period, region).select_related(None).order_by()
                  .values_list("theme").annotate(n=Count("pk")))
    themes = list(Theme.objects.all())
    regions = [(code, label) for code, label in Region.choices if not region or code == region]
    rows = [{"theme": t, "recommendations": recs.get(t.pk, 0), "barriers": barriers.get(t.pk, 0),
             "agreed": agreed.get(t.pk, 0), "notes": 0,
             "by_region": [by_region[t.pk].get(code, 0) for code, _ in regions]}
            for t in themes]
    if recs.get(None) or barriers.get(None):
        rows.append({"theme": None, "recommendations": recs.get(None, 0),
                     "barriers": barriers.get(None, 0), "agreed": 0, "notes": 0,
                     "by_region": [by_region[None].get(code, 0) for code, _ in regions]})
    rows.sort(key=lambda r: (-r["recommendations"] - r["barriers"] - r["agreed"],
                             r["theme"].order if r["theme"] else 999))
    return with_note_counts({"rows": rows, "regions": regions,
                             "total_recommendations": sum(recs.values()),
                             "total_barriers": sum(barriers.values()),
                             "total_agreed": sum(agreed.values())})


def with_note_counts(table: dict) -> dict:
    """The table with each theme's learning notes counted now (a kept table's counts would lag
    behind a note just written: notes are not decisions)."""
    notes = dict(Theme.objects.annotate(n=Count("notes")).values_list("pk", "n"))
    for row in table["rows"]:
        row["notes"] = notes.get(row["theme"].pk, 0) if row["theme"] else 0
    return table
