"""Equality monitoring for the oversight group: counts only, with small numbers suppressed.

Counts of 1 to 4 are shown as "fewer than 5" so that no one can be picked out of a table
(a policy choice, SECURITY.md S29); totals are over people with an open referral or case.

Primary suppression alone is not enough: with the total shown, a single hidden cell is the
total less the others. So whenever a table hides a cell, it hides more (the smallest others)
until at least two cells are hidden and together they hold at least 5 people; then no hidden
cell can be worked out from the total and the cells shown (secondary suppression). A total
under 5 is itself hidden.
"""
from collections import Counter
from datetime import date

from django.db.models import Q

from intervenors.models import IntervenorCase
from referrals.models import Condition, Person, ProtectedCharacteristics, Referral

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


def equality_tables(today: date | None = None) -> dict:
    today = today or date.today()
    # Four plain values a person, never model objects: the cohort is thousands at national scale.
    people = list(cohort().values_list("characteristics__ethnicity", "characteristics__sex",
                                       "date_of_birth", "condition"))
    ethnic = dict(ProtectedCharacteristics.Ethnicity.choices)
    sexes = dict(ProtectedCharacteristics.Sex.choices)
    conditions = dict(Condition.choices)
    counters = {
        "Ethnicity": Counter(ethnic[e or "Z"] for e, _, _, _ in people),
        "Sex": Counter(sexes[s or "not_stated"] for _, s, _, _ in people),
        "Age band": Counter(age_band(dob, today) for _, _, dob, _ in people),
        "Learning disability or autism": Counter(conditions[c] for _, _, _, c in people),
    }
    return {
        "total": shown_total(len(people)),
        "tables": {name: suppress(dict(c)) for name, c in counters.items()},
    }
