"""Equality monitoring for the oversight group: counts only, with small numbers suppressed.

Counts of 1 to 4 are shown as "fewer than 5" so that no one can be picked out of a table
(a policy choice, SECURITY.md S29); totals are over people with an open referral or case.
"""
from collections import Counter
from datetime import date

from django.db.models import Q

from intervenors.models import IntervenorCase
from referrals.models import Condition, Person, ProtectedCharacteristics, Referral

SUPPRESS_BELOW = 5

AGE_BANDS = [("Under 18", 0, 17), ("18 to 25", 18, 25), ("26 to 40", 26, 40),
             ("41 to 60", 41, 60), ("Over 60", 61, 200)]


def _shown(count: int):
    return f"fewer than {SUPPRESS_BELOW}" if 0 < count < SUPPRESS_BELOW else count


def _age_band(dob: date, today: date) -> str:
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
    people = list(cohort())
    ethnic = dict(ProtectedCharacteristics.Ethnicity.choices)
    sexes = dict(ProtectedCharacteristics.Sex.choices)
    counters = {
        "Ethnicity": Counter(ethnic[p.characteristics.ethnicity] for p in people),
        "Sex": Counter(sexes[p.characteristics.sex] for p in people),
        "Age band": Counter(_age_band(p.date_of_birth, today) for p in people),
        "Learning disability or autism": Counter(Condition(p.condition).label for p in people),
    }
    return {
        "total": len(people),
        "tables": {name: [(label, _shown(n)) for label, n in sorted(c.items(),
                                                                     key=lambda kv: -kv[1])]
                   for name, c in counters.items()},
    }
