"""The database's score and order (referrals/ranking.py) equal the explainer's
(referrals/priority.py) for generated facts, weights and dates, on SQLite and PostgreSQL."""
import calendar
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Organisation
from intervenors.models import IntervenorCase
from referrals import ranking
from referrals.models import Concern, CqcRatingValue, LtsEpisode, Person, Referral, Unit
from referrals.priority import ConcernFact, PersonFacts, Weights, rank_key, score

pytestmark = pytest.mark.django_db

RATINGS = [None, *CqcRatingValue.values]
concern = st.tuples(st.sampled_from(Concern.Source.values),
                    st.sampled_from(Concern.Severity.values),
                    st.sampled_from(Concern.Status.values),
                    st.sampled_from(Concern.Kind.values))


def _near_anniversary(today: date, months_back: int, shift: int) -> date:
    """The same day `months_back` months before today (clamped to the month), moved by
    `shift` days: where whole months and birthdays turn over."""
    year, month = divmod(today.year * 12 + today.month - 1 - months_back, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(today.day, last)) + timedelta(days=shift)


@st.composite
def person_facts(draw, today):
    def near(months):
        return st.builds(_near_anniversary, st.just(today), months, st.integers(-1, 1)).filter(
            lambda d: d <= today)

    # Around the 18th birthday as often as anywhere else in a life.
    born = draw(st.dates(date(1950, 1, 1), today) | near(st.just(18 * 12)))
    lts = draw(st.none() | st.dates(today - timedelta(days=4000), today + timedelta(days=3))
               | near(st.integers(0, 130)))
    return {
        "born": born, "lts": lts, "rating": draw(st.sampled_from(RATINGS)),
        "concerns": draw(st.lists(concern, max_size=6)),
        "referred_hours": draw(st.integers(0, 5)),     # ties on purpose
    }


weights = st.builds(
    Weights, version=st.just(1), points_per_month_in_lts=st.integers(0, 5),
    lts_months_cap=st.integers(0, 80),
    rating_points=st.fixed_dictionaries({v: st.integers(0, 40) for v in CqcRatingValue.values}),
    points_per_concern_source=st.integers(0, 10),
    points_per_high_severity_concern=st.integers(0, 10), concern_points_cap=st.integers(0, 50),
    points_review_requested=st.integers(0, 20), points_child=st.integers(0, 40),
    adult_lts_limit_days=st.just(15))


@st.composite
def scenarios(draw):
    today = draw(st.dates(date(2020, 1, 1), date(2032, 12, 31)))
    return today, draw(weights), draw(st.lists(person_facts(today), min_size=1, max_size=8))


class Rollback(Exception):
    pass


def _store(today, people, users, w):
    icb = Organisation.objects.create(name="Ranking ICB", kind=Organisation.Kind.ICB)
    provider = Organisation.objects.create(name="Ranking provider",
                                           kind=Organisation.Kind.PROVIDER)
    units = {r: Unit.objects.create(provider=provider, name=f"Ward {r}", region="london",
                                    cqc_rating=r) for r in CqcRatingValue.values}
    rows = []
    for n, facts in enumerate(people):
        unit = units[facts["rating"]] if facts["rating"] else None
        person = Person.objects.create(
            reference=f"RANK{n:04d}", nhs_number=f"99{n:08d}", date_of_birth=facts["born"],
            condition="autism", commissioner=icb, current_unit=unit)
        if facts["lts"]:
            LtsEpisode.objects.create(person=person, unit=unit or units["good"],
                                      start_date=facts["lts"])
            # An ended episode never counts.
            LtsEpisode.objects.create(person=person, unit=units["good"],
                                      start_date=facts["lts"] - timedelta(days=900),
                                      end_date=facts["lts"] - timedelta(days=1))
        for source, severity, status, kind in facts["concerns"]:
            Concern.objects.create(person=person, source=source, category="other", kind=kind,
                                   severity=severity, status=status, raised_on=today,
                                   description="Generated")
        at = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=facts["referred_hours"])
        referral = Referral.objects.create(
            person=person, organisation=icb, raised_by=users["commissioner"], raised_at=at,
            reason="Generated", requested_route="intervenor")
        case = IntervenorCase.objects.create(person=person, referral=referral, waiting_since=at)
        explained = score(PersonFacts(
            date_of_birth=facts["born"], lts_start=facts["lts"], unit_rating=facts["rating"],
            open_concerns=tuple(ConcernFact(s, sev, kind) for s, sev, st_, kind
                                in facts["concerns"] if st_ == "open")), w, today)
        rows.append((referral, case, explained, at))
    return rows



@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenarios())
def test_database_score_and_order_equal_the_explainers(users, scenario):
    today, w, people = scenario
    try:
        with transaction.atomic():
            rows = _store(today, people, users, w)
            by_referral = {r.pk: (p, at) for r, _, p, at in rows}
            ranked = list(ranking.ranked(
                Referral.objects.filter(pk__in=by_referral), w, today, tie="raised_at"))
            # Same score for every row...
            for referral in ranked:
                expected, _ = by_referral[referral.pk]
                assert referral.rank_score == expected.score, (referral.person.date_of_birth,)
                assert (referral.age_years < 18) == (expected.age < 18)
                assert (referral.person.date_of_birth > ranking.adult_born_on_or_before(today)
                        ) == (expected.age < 18)
            # ...and the same order, up to rows the explainer's key cannot tell apart.
            keys = [rank_key(*by_referral[r.pk]) for r in ranked]
            assert keys == sorted(keys)
            # The waiting list ranks cases through the person in the same way.
            cases = list(ranking.ranked(IntervenorCase.objects.filter(
                referral__in=by_referral), w, today, tie="waiting_since"))
            case_keys = [rank_key(*by_referral[c.referral_id]) for c in cases]
            assert case_keys == keys
            by_days = list(ranking.ranked(Referral.objects.filter(pk__in=by_referral), w, today,
                                          tie="raised_at", by="days"))
            days = [(-by_referral[r.pk][0].days_in_lts, by_referral[r.pk][1]) for r in by_days]
            assert days == sorted(days)
            raise Rollback
    except Rollback:
        pass


def test_a_leap_day_birthday_turns_eighteen_as_the_explainer_says(users):
    """Born 29 Feb 2008: 17 on 28 Feb 2026, 18 on 1 Mar 2026, in both implementations."""
    w = Weights(version=1)
    for today, child in [(date(2026, 2, 28), True), (date(2026, 3, 1), False)]:
        try:
            with transaction.atomic():
                rows = _store(today, [{"born": date(2008, 2, 29), "lts": None, "rating": None,
                                       "concerns": [], "referred_hours": 0}], users, w)
                row = ranking.ranked(Referral.objects.filter(pk=rows[0][0].pk), w, today,
                                     tie="raised_at").get()
                assert (row.age_years < 18) is child
                assert (date(2008, 2, 29) > ranking.adult_born_on_or_before(today)) is child
                assert row.rank_score == rows[0][2].score
                raise Rollback
        except Rollback:
            pass


def test_a_month_counts_on_the_same_day_of_the_month(users):
    """Segregated since 15 Mar 2025: on 15 Mar 2026 that is 12 full months, on the 14th 11."""
    w = Weights(version=1, lts_months_cap=60,
                rating_points=dict.fromkeys(CqcRatingValue.values, 0))
    for today, months in [(date(2026, 3, 15), 12), (date(2026, 3, 14), 11)]:
        try:
            with transaction.atomic():
                rows = _store(today, [{"born": date(1990, 1, 1), "lts": date(2025, 3, 15),
                                       "rating": "good", "concerns": [], "referred_hours": 0}],
                              users, w)
                row = ranking.ranked(Referral.objects.filter(pk=rows[0][0].pk), w, today,
                                     tie="raised_at").get()
                assert row.rank_score == rows[0][2].score == months
                raise Rollback
        except Rollback:
            pass


@given(today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
       born=st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31)))
def test_the_age_band_cut_by_birth_date_agrees_with_the_explainers_age(today, born):
    """The queue's child/adult filter and its count use a birth-date cut-off, not the age."""
    from referrals.priority import age_on

    if born <= today:
        assert (born > ranking.adult_born_on_or_before(today)) == (age_on(born, today) < 18)
