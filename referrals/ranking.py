"""The priority score computed by the database, so that lists are ranked and cut there.

`priority.score` is the one place that explains a score; this module states the same rule in
SQL (Django expressions, today's date and the policy's weights as parameters) so that the
queue, the waiting list, their exports and the API are one ordered, limited query however
many people wait. tests/referrals/test_ranking.py proves, with Hypothesis, that the two agree
on score and order for generated facts and dates. Change one, change the other.

Why computed and not stored: days in LTS and age move every day, and every fact behind a
score (an episode, a concern, a unit's rating) changes through a different service. A stored
score would need a refresh on each of those and a nightly job, and would be wrong whenever
one was missed; computing it costs three indexed subqueries and a join per row (decision 0009).

Lists that people page through (the queue, the waiting list, their API and exports) keep the
*order* that query produced (pathways.paging.KeptOrder) under `facts_version()`, a stamp that
moves whenever a fact behind a score is saved or deleted (`watch`), before and again after the
change commits; which rows are in view, and every score shown, are read live (decision 0013).
"""
from __future__ import annotations

import hashlib
from datetime import date
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, Greatest, Least
from django.db.models.signals import post_delete, post_save

from .models import Concern, CqcRatingValue
from .priority import Weights

INT = IntegerField()


def _int(value: int) -> Value:
    return Value(value, output_field=INT)


def _concern_points(person_ref: str, weights: Weights) -> Subquery:
    """Points for a person's open concerns, in one correlated subquery: each source once, each
    high-severity concern once more, capped."""
    raw = (Count("source", distinct=True) * weights.points_per_concern_source
           + Count("pk", filter=Q(severity=Concern.Severity.HIGH))
           * weights.points_per_high_severity_concern)
    points = (Concern.objects.filter(person=OuterRef(person_ref), status=Concern.Status.OPEN,
                                     kind=Concern.Kind.CONCERN)
              .order_by().values("person").annotate(points=Least(raw, _int(
                  weights.concern_points_cap))).values("points")[:1])
    return Coalesce(Subquery(points, output_field=INT), _int(0))


def _request_points(person_ref: str, weights: Weights) -> Case:
    """The policy's points, once, while any request for a review is open."""
    asked = Concern.objects.filter(person=OuterRef(person_ref), status=Concern.Status.OPEN,
                                   kind=Concern.Kind.REVIEW_REQUEST)
    return Case(When(Exists(asked), then=_int(weights.points_review_requested)),
                default=_int(0), output_field=INT)


def adult_born_on_or_before(today: date) -> date:
    """Whoever was born on or before this day is 18 or over on `today`, by the explainer's age
    rule (a 29 February birthday counts on 1 March in other years): a plain date filter, so a
    list can be cut to children or adults, and counted, without computing anyone's age."""
    try:
        return today.replace(year=today.year - 18)
    except ValueError:      # today is 29 February, and 18 years back is not a leap year
        return today.replace(year=today.year - 18, day=28)


def with_priority(queryset: QuerySet, weights: Weights, today: date, *,
                  person: str = "person") -> QuerySet:
    """Annotate `rank_score`, `age_years` and `lts_since` (the open episode's start when it
    began before today, else NULL) on rows that reach a person through `person` ("" for people).
    """
    p = f"{person}__" if person else ""
    person_pk = f"{p}pk" if person else "pk"
    start = "open_lts__start_date"
    dob = f"{p}date_of_birth"
    rating = f"{p}current_unit__cqc_rating"

    # Full months from the start of the open episode to today (priority.full_months_between),
    # 0 without an open episode, then held between 0 and the cap. Each part appears once in the
    # SQL (GREATEST/LEAST rather than CASE), so the database computes it once a row.
    months = Coalesce(
        (_int(today.year) - ExtractYear(start)) * 12
        + (_int(today.month) - ExtractMonth(start))
        - Case(When(**{f"{start}__day__gt": today.day}, then=_int(1)), default=_int(0)),
        _int(0), output_field=INT)
    counted = Greatest(Least(months, _int(weights.lts_months_cap)), _int(0))
    born_later_in_year = Q(**{f"{dob}__month__gt": today.month}) | Q(
        **{f"{dob}__month": today.month, f"{dob}__day__gt": today.day})
    rating_points = Case(
        When(**{f"{p}current_unit__isnull": True}, then=_int(
            weights.rating_points.get(CqcRatingValue.NOT_YET_RATED, 0))),
        *[When(**{rating: value}, then=_int(weights.rating_points.get(value, 0)))
          for value in CqcRatingValue.values],
        default=_int(0), output_field=INT,
    )
    return (
        queryset.annotate(open_lts=FilteredRelation(
            f"{p}lts_episodes", condition=Q(**{f"{p}lts_episodes__end_date__isnull": True})))
        .annotate(
            age_years=_int(today.year) - ExtractYear(dob) - Case(
                When(born_later_in_year, then=_int(1)), default=_int(0)),
            lts_since=Case(When(**{f"{start}__lt": today}, then=F(start)), default=None),
        )
        .annotate(
            rank_score=counted * weights.points_per_month_in_lts
            + rating_points
            + _concern_points(person_pk, weights)
            + _request_points(person_pk, weights)
            + Case(When(age_years__lt=18, then=_int(weights.points_child)), default=_int(0),
                   output_field=INT),
        )
    )


def ranked(queryset: QuerySet, weights: Weights, today: date, *, tie: str,
           person: str = "person", by: str = "score") -> QuerySet:
    """Highest score first, then longer in LTS, then the earlier `tie` (priority.rank_key);
    by="days": longer in LTS first, then the earlier `tie`."""
    rows = with_priority(queryset, weights, today, person=person)
    longest = F("lts_since").asc(nulls_last=True)
    if by == "days":
        return rows.order_by(longest, tie, "pk")
    return rows.order_by(F("rank_score").desc(), longest, tie, "pk")



_BASES: dict[tuple, QuerySet] = {}


def ranked_base(model, weights: Weights, today: date, *, tie: str, person: str = "person",
                by: str = "score") -> QuerySet:
    """`ranked()` over every row of `model`, built once for each policy, day and order and
    handed out as a fresh copy: the score's expressions take a few milliseconds to build and
    resolve on each request, and they are the same all day. Narrow the copy with filter() and
    scope(); the counts and filters of a list are plain columns."""
    key = (model._meta.label, repr(weights), today, tie, person, by)
    base = _BASES.get(key)
    if base is None:
        if len(_BASES) >= 32:       # yesterday's, or an old policy's
            _BASES.clear()
        base = _BASES[key] = ranked(model._default_manager.all(), weights, today, tie=tie,
                                    person=person, by=by)
    return base.all()


FACTS_KEY = "ranking:facts"


def weights_key(weights: Weights) -> str:
    """A short name for a policy's numbers, for cache keys (two policies with the same numbers
    rank alike)."""
    return hashlib.sha256(repr(weights).encode()).hexdigest()[:16]


def facts_version() -> str | None:
    """The stamp kept orders are checked against; None when orders are not kept (no shared
    cache: settings.KEEP_RANKED_ORDERS) or the cache is away, and nothing is kept then."""
    if not settings.KEEP_RANKED_ORDERS:
        return None
    found = cache.get(FACTS_KEY)
    if found is None:
        cache.add(FACTS_KEY, uuid4().hex, None)
        found = cache.get(FACTS_KEY)
    return found


def _move_stamp() -> None:
    cache.set(FACTS_KEY, uuid4().hex, None)


def facts_changed(sender=None, **kwargs) -> None:
    """A fact behind a score changed: move the stamp now (a request inside this transaction
    sees its own change) and again once the change is committed (a request that worked out an
    order in between, from the data before the commit, kept it under the stamp now replaced)."""
    _move_stamp()
    transaction.on_commit(_move_stamp, using=kwargs.get("using"))


def watch(*models) -> None:
    """Move the facts stamp whenever a row of these models is saved or deleted. Writes that
    send no signals (bulk loads, migrations) call facts_changed() themselves."""
    for model in models:
        uid = f"ranking-facts-{model._meta.label}"
        post_save.connect(facts_changed, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(facts_changed, sender=model, dispatch_uid=uid + "-delete",
                            weak=False)
