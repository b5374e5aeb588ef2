"""Equality monitoring for the oversight group: counts only, with small numbers suppressed.

Counts of 1 to 4 are not published, and neither is any other count that could be worked out
from what is published beside it: a table's totals, rows and columns together
(oversight.suppression says how, and why nothing hidden can be recovered). Every hidden count
reads the same, so a reader cannot tell a count of 1 to 4 from one hidden to protect it. The
by-region tables are left out when a region has 1 to 4 people: their column totals would be
hidden in every table at once, and the tables together could then say more than each alone.
Totals are over people with an open referral or case.
"""
from collections import Counter, defaultdict
from datetime import date

from django.db.models import Q

from accounts.models import Region
from intervenors.models import IntervenorCase
from referrals.models import Condition, LtsEpisode, Person, ProtectedCharacteristics, Referral

from .numbers import median_days
from .suppression import SUPPRESS_BELOW, SUPPRESSED, TOTAL, suppress_counts, suppress_grid

AGE_BANDS = [("Under 18", 0, 17), ("18 to 25", 18, 25), ("26 to 40", 26, 40),
             ("41 to 60", 41, 60), ("Over 60", 61, 200)]

def suppress(counts: dict[str, int], *, total_hidden: bool | None = None,
             unknown=()) -> list[tuple[str, int | str]]:
    """Rows (label, shown) largest first, with primary and secondary suppression."""
    hidden, _ = suppress_counts(counts, total_hidden=total_hidden, unknown=unknown)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(label, SUPPRESSED if label in hidden else n) for label, n in rows]


def shown_total(total: int) -> int | str:
    return SUPPRESSED if 0 < total < SUPPRESS_BELOW else total


def age_band(dob: date, today: date) -> str:
    """The band of the person's age on `today`."""
    age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
    return next(label for label, low, high in AGE_BANDS if low <= age <= high)


def cohort():
    """People the programme is working with now: an open referral or an open case."""
    open_referrals = Referral.objects.filter(status__in=Referral.OPEN_STATUSES)
    open_cases = IntervenorCase.objects.filter(status__in=["waiting", "active"])
    return Person.objects.filter(
        Q(pk__in=open_referrals.values("person")) | Q(pk__in=open_cases.values("person"))
    ).select_related("characteristics")


def _people(today: date) -> list[tuple]:
    """(ethnicity, sex, age band, condition, region, days in LTS or None) for each person in
    the cohort: plain values, two queries, whatever its size."""
    rows = list(cohort().values_list("pk", "characteristics__ethnicity",
                                     "characteristics__sex", "date_of_birth", "condition",
                                     "current_unit__region"))
    starts = dict(LtsEpisode.objects.filter(end_date__isnull=True, person__in=[r[0] for r in rows])
                  .values_list("person_id", "start_date"))
    ethnic = dict(ProtectedCharacteristics.Ethnicity.choices)
    sexes = dict(ProtectedCharacteristics.Sex.choices)
    conditions = dict(Condition.choices)
    return [(ethnic[e or "Z"], sexes[s or "not_stated"], age_band(dob, today), conditions[c],
             region or "", (today - starts[pk]).days if pk in starts else None)
            for pk, e, s, dob, c, region in rows]


CHARACTERISTICS = ["Ethnicity", "Sex", "Age band", "Learning disability or autism"]


def _median_days(days: list[int]) -> int | None:
    return median_days(days) if len(days) >= SUPPRESS_BELOW else None


def equality_tables(today: date | None = None) -> dict:
    """Counts and median days in LTS by each characteristic, nationally and by region."""
    today = today or date.today()
    people = _people(today)
    regions = dict(Region.choices)
    tables, by_region = {}, {}
    region_counts = Counter(p[4] for p in people)
    columns = [code for code in regions if region_counts.get(code)]
    if region_counts.get(""):
        columns.append("")
    total = len(people)
    total_hidden = 0 < total < SUPPRESS_BELOW
    # A region of 1 to 4 people: no table is broken down by region (see the module's note).
    small_region = any(0 < region_counts[code] < SUPPRESS_BELOW for code in columns)
    for i, name in enumerate(CHARACTERISTICS):
        counts = Counter(p[i] for p in people)
        days = defaultdict(list)
        for p in people:
            if p[5] is not None:
                days[p[i]].append(p[5])
        rows = suppress(dict(counts), total_hidden=total_hidden)
        tables[name] = [(label, shown, _median_days(days[label]) if isinstance(shown, int)
                         else None) for label, shown in rows]
        if small_region or total_hidden:
            by_region[name] = None
            continue
        grid = Counter((p[i], p[4]) for p in people)
        labels = [label for label, _ in rows]
        cells = suppress_grid(dict(grid), labels, columns, total_hidden=total_hidden,
                              rows_hidden={label for label, n in rows if n == SUPPRESSED})
        by_region[name] = None if cells is None else [
            {"label": label, "total": cells[(label, TOTAL)],
             "cells": [cells[(label, col)] for col in columns]} for label in labels]
    in_lts = [p[5] for p in people if p[5] is not None]
    return {
        "total": shown_total(total),
        "median_days": _median_days(in_lts),
        "tables": tables,
        "regions": [regions.get(code, "No unit recorded") for code in columns],
        "region_totals": [region_counts[code] for code in columns],
        "by_region": by_region,
    }
