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
from datetime import date, datetime, time

from django.db.models import Q
from django.utils import timezone

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


# Who is counted: those the programme works with now, or with at any time in a longer period,
# where "now" leaves too many counts hidden (issue 44). {key: (label, months or None)}.
PERIODS = {"now": ("People the programme works with now", None),
           "12": ("Anyone the programme worked with in the last 12 months", 12),
           "36": ("Anyone the programme worked with in the last 3 years", 36)}

# The NHS Data Dictionary's broad ethnic groups, by the letter of each detailed category.
BROAD_ETHNIC_GROUPS = {
    **dict.fromkeys("ABC", "White"), **dict.fromkeys("DEFG", "Mixed"),
    **dict.fromkeys("HJKL", "Asian or Asian British"),
    **dict.fromkeys("MNP", "Black or Black British"), **dict.fromkeys("RS", "Other ethnic group"),
    "Z": "Not stated"}


def _months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day where it is short)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def cohort(today: date | None = None, months: int | None = None):
    """People the programme is working with now (an open referral or an open case) or, given
    `months`, at any time since that many months before `today`: a referral open then or raised
    since, a case open then or closed since."""
    open_referrals = Q(status__in=Referral.OPEN_STATUSES)
    open_cases = Q(status__in=["waiting", "active"])
    if months:
        start = timezone.make_aware(datetime.combine(
            _months_before(today or date.today(), months), time.min))
        open_referrals |= Q(raised_at__gte=start) | Q(triaged_at__gte=start)
        open_cases |= Q(closed_on__gte=start)
    return Person.objects.filter(
        Q(pk__in=Referral.objects.filter(open_referrals).values("person"))
        | Q(pk__in=IntervenorCase.objects.filter(open_cases).values("person"))
    ).select_related("characteristics")


def _people(today: date, months: int | None = None) -> list[tuple]:
    """(ethnicity, sex, age band, condition, region, days in LTS or None, broad ethnic group)
    for each person in the cohort: plain values, two queries, whatever its size."""
    rows = list(cohort(today, months).values_list("pk", "characteristics__ethnicity",
                                     "characteristics__sex", "date_of_birth", "condition",
                                     "current_unit__region"))
    starts = dict(LtsEpisode.objects.filter(end_date__isnull=True, person__in=[r[0] for r in rows])
                  .values_list("person_id", "start_date"))
    ethnic = dict(ProtectedCharacteristics.Ethnicity.choices)
    sexes = dict(ProtectedCharacteristics.Sex.choices)
    conditions = dict(Condition.choices)
    return [(ethnic[e or "Z"], sexes[s or "not_stated"], age_band(dob, today), conditions[c],
             region or "", (today - starts[pk]).days if pk in starts else None,
             BROAD_ETHNIC_GROUPS[e or "Z"])
            for pk, e, s, dob, c, region in rows]


CHARACTERISTICS = ["Ethnicity", "Sex", "Age band", "Learning disability or autism"]
BROAD = 6           # where a person's broad ethnic group is, in _people's tuples
ETHNIC_GROUP = "Ethnic group (broad)"


def _median_days(days: list[int]) -> int | None:
    return median_days(days) if len(days) >= SUPPRESS_BELOW else None


def equality_tables(today: date | None = None, period: str = "now") -> dict:
    """Counts and median days in LTS by each characteristic, nationally and by region, for the
    people `period` (a PERIODS key) counts.

    Ethnicity is shown by its detailed categories while none of them is hidden; once one is,
    by the broad groups instead, and never both: a broad group beside its categories would
    give away the hidden ones by subtraction."""
    today = today or date.today()
    label, months = PERIODS.get(period, PERIODS["now"])
    people = _people(today, months)
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
        rows = suppress(dict(Counter(p[i] for p in people)), total_hidden=total_hidden)
        if i == 0 and any(shown == SUPPRESSED for _, shown in rows):
            i, name = BROAD, ETHNIC_GROUP
            rows = suppress(dict(Counter(p[i] for p in people)), total_hidden=total_hidden)
        days = defaultdict(list)
        for p in people:
            if p[5] is not None:
                days[p[i]].append(p[5])
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
        "period": period if period in PERIODS else "now",
        "cohort": label,
        "total": shown_total(total),
        "median_days": _median_days(in_lts),
        "tables": tables,
        "regions": [regions.get(code, "No unit recorded") for code in columns],
        "region_totals": [region_counts[code] for code in columns],
        "by_region": by_region,
    }
