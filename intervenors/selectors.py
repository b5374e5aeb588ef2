"""Reads for intervenors and their cases, scoped to the user."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.selectors import scope
from pathways.paging import Explained, KeptOrder
from referrals import priority, ranking
from referrals.models import Person
from referrals.selectors import _with_person_facts, explain_people, policy_in_force

from .models import MAX_ACTIVE_CASES, Intervenor, IntervenorCase


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
    rank: int = 0


def _ranked(narrowed, today: date | None = None) -> Explained:
    """Ranked by today's score, then longer in LTS, then longer waiting (a documented rule),
    in the database (referrals/ranking.py), explained a page at a time. `narrowed` cuts a
    queryset of cases to those in view (a scope, or none). Read live, for decisions: the
    assignment service asks it who is next."""
    weights = priority.Weights.from_policy(policy_in_force())
    today = today or date.today()
    waiting = narrowed(IntervenorCase.objects.all()).filter(
        status=IntervenorCase.Status.WAITING)
    cases = narrowed(ranking.ranked_base(IntervenorCase, weights, today,
                                         tie="waiting_since")).filter(
        status=IntervenorCase.Status.WAITING)
    return Explained(
        _with_person_facts(cases.select_related("referral")),
        partial(explain_people, weights=weights, today=today,
                make=lambda c, p, n: WaitingRow(c, c.person, p, n)), counted=waiting)


def _kept(narrowed, today: date | None = None) -> KeptOrder:
    """The same ranking for a list people page through: the order over everyone waiting is
    kept until a fact behind it changes (referrals/ranking.py); who is in view, and each
    score shown, are read live."""
    weights = priority.Weights.from_policy(policy_in_force())
    today = today or date.today()
    return KeptOrder(
        narrowed(IntervenorCase.objects.all()).filter(status=IntervenorCase.Status.WAITING),
        lambda: ranking.ranked_base(IntervenorCase, weights, today, tie="waiting_since").filter(
            status=IntervenorCase.Status.WAITING),
        _with_person_facts(IntervenorCase.objects.select_related("referral")),
        partial(explain_people, weights=weights, today=today,
                make=lambda c, p, n: WaitingRow(c, c.person, p, n)),
        key=("waiting", ranking.weights_key(weights), today), version=ranking.facts_version())


def waiting_list(user, *, today: date | None = None) -> KeptOrder:
    return _kept(lambda cases: scope(user, "intervenors.view_intervenorcase", cases), today)


def top_of_waiting_list() -> WaitingRow | None:
    """The person the rule says is next, whoever is asking (used by the assignment service)."""
    return _ranked(lambda cases: cases).first()


def intervenors_with_load() -> QuerySet[Intervenor]:
    return (
        Intervenor.objects.select_related("user")
        .annotate(active_count=Count("cases", filter=Q(cases__status="active")))
        .prefetch_related(Prefetch(
            "cases", queryset=IntervenorCase.objects.filter(status="active")
            # Each active case shows as its person's reference, linking to the case.
            .select_related("person").only("intervenor", "person__reference"),
            to_attr="active_cases"))
        .order_by("user__last_name", "user__first_name", "pk")
    )



def free_places() -> int:
    """Places free across available intervenors (the hard limit keeps each at or under it)."""
    available = Intervenor.objects.filter(available=True)
    busy = IntervenorCase.objects.filter(status=IntervenorCase.Status.ACTIVE,
                                         intervenor__in=available).count()
    return max(available.count() * MAX_ACTIVE_CASES - busy, 0)
