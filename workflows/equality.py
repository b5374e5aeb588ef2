"""Equality monitoring for the oversight group: counts only, with small numbers suppressed.

Counts of 1 to 4 are shown as "fewer than 5" so that no one can be picked out of a table
(a policy choice, SECURITY.md S29); totals are over people with an open referral or case.

Primary suppression alone is not enough: with the total shown, a single hidden cell is the
total less the others. So whenever a table hides a cell, it hides more (the smallest others)
until at least two cells are hidden and together they hold at least 5 people; then no hidden
cell can be worked out from the total and the cells shown (secondary suppression). A total
under 5 is itself hidden.
"""
from collections import Counter, defaultdict
from datetime import date
from statistics import median

from django.db.models import Q

from accounts.models import Region
from intervenors.models import IntervenorCase
from referrals.models import Condition, LtsEpisode, Person, ProtectedCharacteristics, Referral

SUPPRESS_BELOW = 5

AGE_BANDS = [("Under 18", 0, 17), ("18 to 25", 18, 25), ("26 to 40", 26, 40),
             ("41 to 60", 41, 60), ("Over 60", 61, 200)]


SMALL = f"fewer than {SUPPRESS_BELOW}"
HIDDEN = "hidden"


def suppress(counts: dict[str, int]) -> list[tuple[str, int | str]]:
    """Rows (label, shown) largest first, with primary and secondary suppression."""
    small = {label for label, n in counts.items() if 0 < n < SUPPRESS_BELOW}
    hidden = set(small)
    if hidden:
        others = sorted((n, label) for label, n in counts.items() if label not in hidden and n)
        while others and (len(hidden) < 2 or sum(counts[x] for x in hidden) < SUPPRESS_BELOW):
            hidden.add(others.pop(0)[1])
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(label, SMALL if label in small else HIDDEN if label in hidden else n)
            for label, n in rows]


def shown_total(total: int) -> int | str:
    return SMALL if 0 < total < SUPPRESS_BELOW else total


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


def _on_a_cycle(hidden: set[tuple], cell: tuple) -> bool:
    """Whether `cell` (row, column) lies on a cycle of hidden cells: its row and column stay
    connected through the other hidden cells."""
    row, col = cell
    others = hidden - {cell}
    seen, frontier = {("r", row)}, [("r", row)]
    while frontier:
        kind, key = frontier.pop()
        for r, c in others:
            if kind == "r" and r == key and ("c", c) not in seen:
                seen.add(("c", c))
                frontier.append(("c", c))
            elif kind == "c" and c == key and ("r", r) not in seen:
                seen.add(("r", r))
                frontier.append(("r", r))
    return ("c", col) in seen


def suppress_grid(grid: dict[tuple, int]) -> dict[tuple, int | str] | None:
    """Cells (row, column) -> the number, SMALL or HIDDEN, so that no hidden cell can be worked
    out from the others and the row and column totals (see the module's note); None when no
    choice of hidden cells can do that (too few people spread too thinly): then the table is
    not shown at all."""
    small = {cell for cell, n in grid.items() if 0 < n < SUPPRESS_BELOW}
    hidden = set(small)
    while True:
        exposed = next((cell for cell in sorted(hidden) if not _on_a_cycle(hidden, cell)), None)
        if exposed is None:
            break
        row, col = exposed
        unhidden = sorted((n, cell) for cell, n in grid.items() if n and cell not in hidden)
        # The smallest other cell in its row, else in its column, else anywhere.
        choice = (next((cell for _, cell in unhidden if cell[0] == row), None)
                  or next((cell for _, cell in unhidden if cell[1] == col), None)
                  or next((cell for _, cell in unhidden), None))
        if choice is not None:
            hidden.add(choice)
            continue
        return None   # every non-zero cell is hidden and some still cannot be shifted
    return {cell: SMALL if cell in small else HIDDEN if cell in hidden else n
            for cell, n in grid.items()}


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
    return round(median(days)) if len(days) >= SUPPRESS_BELOW else None


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
    for i, name in enumerate(CHARACTERISTICS):
        counts = Counter(p[i] for p in people)
        days = defaultdict(list)
        for p in people:
            if p[5] is not None:
                days[p[i]].append(p[5])
        rows = suppress(dict(counts))
        tables[name] = [(label, shown, _median_days(days[label]) if isinstance(shown, int)
                         else None) for label, shown in rows]
        grid = Counter((p[i], p[4]) for p in people)
        cells = suppress_grid({(label, col): grid.get((label, col), 0)
                               for label, _ in rows for col in columns})
        by_region[name] = None if cells is None else [
            {"label": label, "total": shown, "cells": [cells[(label, col)] for col in columns]}
            for label, shown in rows]
    in_lts = [p[5] for p in people if p[5] is not None]
    return {
        "total": shown_total(len(people)),
        "median_days": _median_days(in_lts),
        "tables": tables,
        "regions": [regions.get(code, "No unit recorded") for code in columns],
        "region_totals": [shown_total(region_counts[code]) for code in columns],
        "by_region": by_region,
    }
