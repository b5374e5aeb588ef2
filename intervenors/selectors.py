"""Reads for intervenors and their cases, scoped to the user."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.selectors import scope
from referrals import priority
from referrals.models import Person
from referrals.selectors import _people_base, person_facts, policy_in_force

from .models import Intervenor, IntervenorCase


def cases_visible(user) -> QuerySet[IntervenorCase]:
    return scope(
        user, "intervenors.view_intervenorcase",
        IntervenorCase.objects.select_related("person", "person__current_unit",
                                              "intervenor__user", "referral"),
    )


def case_get(user, pk) -> IntervenorCase:
    return cases_visible(user).get(pk=pk)


def caseload(user) -> QuerySet[IntervenorCase]:
    return cases_visible(user).filter(intervenor__user=user).order_by("status", "-assigned_on")


@dataclass
class WaitingRow:
    case: IntervenorCase
    person: Person
    priority: priority.Priority


def _waiting_cases() -> QuerySet[IntervenorCase]:
    return IntervenorCase.objects.select_related("referral").prefetch_related(
        Prefetch("person", queryset=_people_base())).filter(status=IntervenorCase.Status.WAITING)


def _ranked(cases, today: date | None = None) -> list[WaitingRow]:
    """Ranked by today's score, then longer in LTS, then longer waiting (a documented rule)."""
    weights = priority.Weights.from_policy(policy_in_force())
    today = today or date.today()
    rows = [WaitingRow(c, c.person, priority.score(person_facts(c.person), weights, today))
            for c in cases]
    return sorted(rows, key=lambda r: priority.rank_key(r.priority, r.case.waiting_since))


def waiting_list(user, *, today: date | None = None) -> list[WaitingRow]:
    return _ranked(scope(user, "intervenors.view_intervenorcase", _waiting_cases()), today)


def top_of_waiting_list() -> WaitingRow | None:
    """The person the rule says is next, whoever is asking (used by the assignment service)."""
    return next(iter(_ranked(_waiting_cases())), None)


def intervenors_with_load() -> QuerySet[Intervenor]:
    return (
        Intervenor.objects.select_related("user")
        .annotate(active_count=Count("cases", filter=Q(cases__status="active")))
        .prefetch_related(Prefetch(
            "cases", queryset=IntervenorCase.objects.filter(status="active")
            .select_related("person"), to_attr="active_cases"))
        .order_by("user__last_name")
    )

