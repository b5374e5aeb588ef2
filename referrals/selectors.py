"""Reads for people and referrals, always scoped to what the user may see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import NamedTuple

from django.db.models import Prefetch, QuerySet

from accounts.selectors import scope
from pathways.paging import Explained, KeptOrder

from . import priority, ranking
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


def person_named(user, pk) -> Person:
    """The person, if the user may see them, as a page about their record names them (the
    timeline, the access log): without the open facts `person_get` reads alongside."""
    return scope(user, "referrals.view_person", Person.objects.all()).get(pk=pk)


def referrals_visible(user) -> QuerySet[Referral]:
    return scope(
        user, "referrals.view_referral",
        Referral.objects.select_related("person", "person__current_unit", "organisation",
                                        "raised_by", "triaged_by"),
    )


def referrals_listed(user) -> QuerySet[Referral]:
    """The referrals a list shows: only the columns it shows (the person's reference and unit,
    the route asked for and decided, status, when, the reason for a decline)."""
    return (referrals_visible(user).select_related(None).select_related("person__current_unit")
            .only("person__reference", "person__current_unit__name", "requested_route",
                  "raised_at", "status", "route", "decision_reason"))


def referral_get(user, pk) -> Referral:
    return referrals_visible(user).get(pk=pk)


def open_referral_for(person: Person) -> Referral | None:
    return person.referrals.filter(status__in=Referral.OPEN_STATUSES).first()


def policy_in_force() -> PriorityPolicy:
    """The newest policy; before anyone has saved one, policy v1 as DOMAIN.md sets it."""
    return PriorityPolicy.objects.order_by("-version").first() or PriorityPolicy(version=1)


def person_facts(person: Person, referred_at=None, *, episodes=None,
                 concerns=None) -> priority.PersonFacts:
    """What the priority score is worked out from. The person's open LTS episodes and open
    concerns are read unless they are given (by a caller that has just written them) or were
    fetched with the person (`_with_person_facts`)."""
    if episodes is None:
        episodes = getattr(person, "open_episodes", None)
    if episodes is None:
        episodes = list(person.lts_episodes.filter(end_date__isnull=True))
    if concerns is None:
        concerns = getattr(person, "open_concerns", None)
    if concerns is None:
        concerns = list(person.concerns.filter(status=Concern.Status.OPEN))
    unit = person.current_unit
    return priority.PersonFacts(
        date_of_birth=person.date_of_birth,
        lts_start=episodes[0].start_date if episodes else None,
        unit_rating=unit.cqc_rating if unit else None,
        unit_name=unit.name if unit else "",
        open_concerns=tuple(priority.ConcernFact(c.source, c.severity, c.kind, c.raised_on)
                            for c in concerns),
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
    rank: int = 0

    @property
    def age_band(self) -> str:
        return "child" if self.priority.age < 18 else "adult"

    @property
    def open_concerns(self) -> int:
        """Open concerns, not counting requests for a review (the score shows those apart)."""
        return sum(c.kind == Concern.Kind.CONCERN for c in self.person.open_concerns)


class OpenEpisode(NamedTuple):
    start_date: date


class OpenConcern(NamedTuple):
    source: str
    severity: str
    kind: str
    raised_on: date


def _attach_open_facts(people: list[Person]) -> None:
    """Each person's open LTS episodes and open concerns, as the explainer reads them, in two
    plain-value queries for the lot (a ranked page or an export's chunk): no model objects."""
    by_pk = {p.pk: p for p in people}
    for person in by_pk.values():
        person.open_episodes, person.open_concerns = [], []
    for person_id, start in (LtsEpisode.objects.filter(person_id__in=by_pk, end_date__isnull=True)
                             .order_by("-start_date").values_list("person_id", "start_date")):
        by_pk[person_id].open_episodes.append(OpenEpisode(start))
    for person_id, *fact in (Concern.objects.filter(person_id__in=by_pk,
                                                    status=Concern.Status.OPEN)
                             .order_by("raised_on", "pk")
                             .values_list("person_id", "source", "severity", "kind",
                                          "raised_on")):
        by_pk[person_id].open_concerns.append(OpenConcern(*fact))


def explain_people(rows: list, first_rank: int, *, weights: priority.Weights, today: date,
                   make) -> list:
    """Rows of a ranked page, each with its score explained by priority.score."""
    _attach_open_facts([row.person for row in rows])
    return [make(row, priority.score(person_facts(row.person), weights, today), rank)
            for rank, row in enumerate(rows, start=first_rank)]


def _with_person_facts(queryset: QuerySet) -> QuerySet:
    """Rows that reach a person, with the person's unit (explain_people adds the rest)."""
    return queryset.select_related("person__current_unit")


def triage_queue(user, *, region: str = "", route: str = "", age_band: str = "",
                 sort: str = "score", today: date | None = None) -> Explained:
    """Referrals awaiting triage, ranked by today's priority score in the database and
    explained a page at a time (referrals/ranking.py; a constant query count per page)."""
    today = today or date.today()
    weights = priority.Weights.from_policy(policy_in_force())
    born_by = ranking.adult_born_on_or_before(today)

    def narrowed(referrals: QuerySet) -> QuerySet:
        referrals = scope(user, "referrals.view_referral", referrals).filter(
            status=Referral.Status.SUBMITTED)
        if region:
            referrals = referrals.filter(person__current_unit__region=region)
        if route:
            referrals = referrals.filter(requested_route=route)
        if age_band == "child":
            referrals = referrals.filter(person__date_of_birth__gt=born_by)
        elif age_band == "adult":
            referrals = referrals.filter(person__date_of_birth__lte=born_by)
        return referrals

    by = "days" if sort == "days" else "score"
    # Only what the queue, its API and its export show (and the score's facts need): not a
    # referral's long texts, the score it was raised with (JSON) or the person's identifiers.
    read = _with_person_facts(Referral.objects.all()).only(
        "person", "raised_at", "requested_route", "status", "person__reference",
        "person__date_of_birth", "person__current_unit__name",
        "person__current_unit__cqc_rating", "person__current_unit__region")
    return KeptOrder(
        narrowed(Referral.objects.all()),    # who is in view now: plain columns, no score
        lambda: ranking.ranked_base(Referral, weights, today, tie="raised_at", by=by).filter(
            status=Referral.Status.SUBMITTED),
        read, partial(explain_people, weights=weights, today=today,
                      make=lambda r, p, n: QueueRow(r, r.person, p, n)),
        key=("queue", ranking.weights_key(weights), today, by), version=ranking.facts_version())
