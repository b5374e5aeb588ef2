"""The priority score on the DOMAIN.md scenarios: exact points, explanations, ordering."""
from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from referrals.priority import ConcernFact, PersonFacts, Weights, rank_key, score

TODAY = date(2026, 11, 22)
W = Weights(version=1)


def facts(*, age=30, lts_start=None, rating="good", concerns=()):
    return PersonFacts(
        date_of_birth=TODAY.replace(year=TODAY.year - age) - timedelta(days=10),
        lts_start=lts_start, unit_rating=rating, unit_name="Ward",
        open_concerns=tuple(ConcernFact(s, sev) for s, sev in concerns))


def points(priority, key):
    return next(c.points for c in priority.components if c.key == key)


def test_scenario_1_long_lts_inadequate_unit_family_and_advocate_concerns():
    p = score(facts(lts_start=date(2023, 9, 22), rating="inadequate",
                    concerns=[("family", "high"), ("advocate", "medium")]), W, TODAY)
    assert points(p, "lts_length") == 38          # 3 years 2 months
    assert points(p, "cqc_rating") == 20
    assert points(p, "concerns") == 15            # 2 sources x 5 + 1 high x 5
    assert p.score == 73
    lts = next(c for c in p.components if c.key == "lts_length")
    assert lts.fact.startswith("3 years 2 months in LTS since 22 Sep 2023")
    assert any("Beyond the recommended limit" in f for f in p.flags)


def test_scenario_2_four_months_good_unit_no_concerns_is_low_but_scored():
    p = score(facts(lts_start=date(2026, 7, 22), rating="good"), W, TODAY)
    assert p.score == 4
    assert next(c for c in p.components if c.key == "concerns").fact == "No open concerns"


def test_scenario_3_sixteen_year_old_gets_child_points_and_the_icetr_flag():
    p = score(facts(age=16, lts_start=date(2026, 2, 22), rating="requires_improvement",
                    concerns=[("person", "medium")]), W, TODAY)
    assert [(c.key, c.points) for c in p.components] == [
        ("lts_length", 9), ("cqc_rating", 10), ("concerns", 5), ("child", 30)]
    assert p.score == 54
    assert "Under 18: IC(E)TR with education" in p.flags
    assert not any("Beyond the recommended limit" in f for f in p.flags)


def test_scenario_4_equal_scores_rank_the_longer_segregation_first():
    longer = score(facts(lts_start=date(2025, 11, 22), rating="good",
                         concerns=[("system", "low")]), W, TODAY)
    shorter = score(facts(lts_start=date(2026, 4, 22), rating="requires_improvement"), W, TODAY)
    assert longer.score == shorter.score == 17
    when = datetime(2026, 1, 1)
    ranked = sorted([(shorter, when), (longer, when)], key=lambda pair: rank_key(*pair))
    assert ranked[0][0] is longer


def test_equal_scores_and_lengths_rank_the_earlier_referral_first():
    p = score(facts(lts_start=date(2026, 1, 1)), W, TODAY)
    early, late = datetime(2026, 1, 1), datetime(2026, 2, 1)
    assert rank_key(p, early) < rank_key(p, late)


def test_lts_points_are_capped_at_five_years():
    p = score(facts(lts_start=date(2018, 1, 1)), W, TODAY)
    assert points(p, "lts_length") == 60
    assert "(capped)" in p.components[0].fact


def test_concern_points_are_capped_at_thirty():
    many = [("person", "high"), ("family", "high"), ("advocate", "high"), ("system", "high")]
    p = score(facts(lts_start=date(2026, 1, 1), concerns=many), W, TODAY)
    assert points(p, "concerns") == 30
    assert "(capped at 30)" in next(c for c in p.components if c.key == "concerns").fact


def test_no_current_episode_scores_no_lts_points():
    p = score(facts(lts_start=None, rating="not_yet_rated"), W, TODAY)
    assert points(p, "lts_length") == 0 and points(p, "cqc_rating") == 8


def test_adult_past_fifteen_days_is_flagged_but_not_scored_twice():
    p = score(facts(lts_start=TODAY - timedelta(days=16)), W, TODAY)
    assert p.flags == ("Beyond the recommended limit: 16 days in LTS (limit 15 days for adults)",)
    assert p.score == 0


def test_explanation_dictionary_names_the_policy_version_and_every_component():
    data = score(facts(lts_start=date(2025, 1, 1)), Weights(version=7), TODAY).as_dict()
    assert data["policy_version"] == 7
    assert [c["key"] for c in data["components"]] == ["lts_length", "cqc_rating", "concerns"]
    assert sum(c["points"] for c in data["components"]) == data["score"]


RATINGS = st.sampled_from(["outstanding", "good", "requires_improvement", "inadequate",
                           "not_yet_rated"])
CONCERNS = st.lists(st.tuples(st.sampled_from(["person", "family", "advocate", "system"]),
                              st.sampled_from(["low", "medium", "high"])), max_size=6)


@given(days=st.integers(0, 4000), extra=st.integers(1, 400), age=st.integers(5, 80),
       rating=RATINGS, concerns=CONCERNS)
def test_a_longer_segregation_never_lowers_the_score(days, extra, age, rating, concerns):
    shorter = score(facts(age=age, lts_start=TODAY - timedelta(days=days), rating=rating,
                          concerns=concerns), W, TODAY)
    longer = score(facts(age=age, lts_start=TODAY - timedelta(days=days + extra), rating=rating,
                         concerns=concerns), W, TODAY)
    assert longer.score >= shorter.score


@given(days=st.integers(0, 6000), age=st.integers(5, 80), rating=RATINGS, concerns=CONCERNS)
def test_the_score_is_deterministic_bounded_and_the_sum_of_its_parts(days, age, rating,
                                                                    concerns):
    f = facts(age=age, lts_start=TODAY - timedelta(days=days), rating=rating, concerns=concerns)
    first, second = score(f, W, TODAY), score(f, W, TODAY)
    assert first == second
    assert first.score == sum(c.points for c in first.components)
    assert 0 <= first.score <= 60 + 20 + 30 + 30
