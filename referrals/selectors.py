"""Reads for people and referrals, always scoped to what the user may see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet

from accounts.selectors import scope

from . import priority
from .models import Concern, LtsEpisode, Person, PriorityPolicy, Referral


def _people_base() -> QuerySet[Person]:
    return Person.objects.select_related("current_unit", "commissioner").prefetch_related(
        Prefetch("lts_episodes", queryset=LtsEpisode.objects.filter(end_date__isnull=True),
                 to_attr="open_episodes"),
        Prefetch("concerns", queryset=Concern.objects.filter(status=Concern.Status.OPEN),
                 to_attr="open_concerns"),
    )


def people_visible(user) -> QuerySet[Person]:
    return scope(user, "referrals.view_person", _people_base())


def person_get(user, pk) -> Person:
    """The person, if the user may see them; Person.DoesNotExist otherwise (a 404)."""
    return people_visible(user).get(pk=pk)


def referrals_visible(user) -> QuerySet[Referral]:
    return scope(
        user, "referrals.view_referral",
        Referral.objects.select_related("person", "person__current_unit", "organisation",
                                        "raised_by", "triaged_by"),
    )


def referral_get(user, pk) -> Referral:
    return referrals_visible(user).get(pk=pk)


def open_referral_for(person: Person) -> Referral | None:
    return person.referrals.filter(status__in=Referral.OPEN_STATUSES).first()


def policy_in_force() -> PriorityPolicy:
    """The newest policy; before anyone has saved one, policy v1 as DOMAIN.md sets it."""
    return PriorityPolicy.objects.order_by("-version").first() or PriorityPolicy(version=1)


def person_facts(person: Person, referred_at=None) -> priority.PersonFacts:
    episodes = getattr(person, "open_episodes", None)
    if episodes is None:
        episodes = list(person.lts_episodes.filter(end_date__isnull=True))
    concerns = getattr(person, "open_concerns", None)
    if concerns is None:
        concerns = list(person.concerns.filter(status=Concern.Status.OPEN))
    unit = person.current_unit
    return priority.PersonFacts(
        date_of_birth=person.date_of_birth,
        lts_start=episodes[0].start_date if episodes else None,
        unit_rating=unit.cqc_rating if unit else None,
        unit_name=unit.name if unit else "",
        open_concerns=tuple(priority.ConcernFact(c.source, c.severity) for c in concerns),
        referred_at=referred_at,
    )


def person_priority(person: Person, *, weights: priority.Weights | None = None,
                    today: date | None = None) -> priority.Priority:
    weights = weights or priority.Weights.from_policy(policy_in_force())
    return priority.score(person_facts(person), weights, today or date.today())


@dataclass
class QueueRow:
    referral: Referral
    person: Person
    priority: priority.Priority

    @property
    def age_band(self) -> str:
        return "child" if self.priority.age < 18 else "adult"


def rank(rows: list, referred_at=lambda row: row.referral.raised_at) -> list:
    return sorted(rows, key=lambda row: priority.rank_key(row.priority, referred_at(row)))


def triage_queue(user, *, region: str = "", route: str = "", age_band: str = "",
                 sort: str = "score", today: date | None = None) -> list[QueueRow]:
    """Referrals awaiting triage, ranked by today's priority score (a constant query count)."""
    today = today or date.today()
    weights = priority.Weights.from_policy(policy_in_force())
    referrals = scope(
        user, "referrals.view_referral",
        Referral.objects.select_related("organisation").prefetch_related(
            Prefetch("person", queryset=_people_base())),
    ).filter(status=Referral.Status.SUBMITTED)
    if region:
        referrals = referrals.filter(person__current_unit__region=region)
    if route:
        referrals = referrals.filter(requested_route=route)
    rows = [QueueRow(r, r.person, priority.score(person_facts(r.person), weights, today))
            for r in referrals]
    if age_band in ("child", "adult"):
        rows = [row for row in rows if row.age_band == age_band]
    if sort == "days":
        return sorted(rows, key=lambda row: (-row.priority.days_in_lts, row.referral.raised_at))
    return rank(rows)
