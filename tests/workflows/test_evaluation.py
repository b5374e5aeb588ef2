"""Time to leaving LTS by route: Kaplan–Meier by statsmodels, checked against a hand-worked
example with censoring; small groups and small counts hidden."""
from datetime import date, timedelta

import pytest
from django.urls import reverse

from oversight import evaluation
from oversight.outcomes import Journey
from oversight.suppression import SUPPRESSED

pytestmark = pytest.mark.django_db


def test_kaplan_meier_against_a_hand_worked_example_with_censoring():
    # Six people: left at 2, censored at 3, left at 3, left at 5, censored at 8, left at 9.
    # Day 2: 6 at risk, 1 leaves: 5/6. Day 3: 5 at risk (the one censored on day 3 is still
    # at risk that day), 1 leaves: 5/6 x 4/5 = 2/3. Day 5: 3 at risk, 1 leaves: 2/3 x 2/3 = 4/9.
    # Day 8 is censored (no step). Day 9: 1 at risk, 1 leaves: 0. The median is the first day
    # the curve is below a half: day 5.
    fit = evaluation.kaplan_meier([2, 3, 3, 5, 8, 9], [True, False, True, True, False, True])
    assert [(t, round(s, 4), n) for t, s, n in fit["steps"]] == [
        (2, round(5 / 6, 4), 6), (3, round(2 / 3, 4), 5), (5, round(4 / 9, 4), 3), (9, 0.0, 1)]
    assert fit["median"] == 5
    assert evaluation.at_risk([2, 3, 3, 5, 8, 9], 4) == 3


def test_a_curve_that_never_falls_to_a_half_has_no_median():
    fit = evaluation.kaplan_meier([10, 20, 30, 40, 50, 60], [True, False, False, False, False,
                                                             False])
    assert fit["median"] is None and fit["median_low"] is None


def journey(route, referred_days_ago, left_after=None, discharged_after=None, back_after=None):
    today = date.today()
    referred = today - timedelta(days=referred_days_ago)
    ended = referred + timedelta(days=left_after) if left_after is not None else None
    discharged = referred + timedelta(days=discharged_after) if discharged_after else None
    back = discharged + timedelta(days=back_after) if back_after else None
    return Journey(referred, referred - timedelta(days=200), ended, route, "london", "26 to 40",
                   discharged, back)


def test_routes_under_five_show_no_curve_and_small_counts_are_hidden(monkeypatch):
    people = [journey("intervenor", 900, left_after=100 * n) for n in range(1, 6)]
    people += [journey("intervenor", 900) for _ in range(3)]              # still in LTS
    people += [journey("review", 500, left_after=50) for _ in range(4)]   # only four
    monkeypatch.setattr(evaluation, "journeys", lambda: people)
    found = {g["route"]: g for g in evaluation.evaluation()["groups"]}
    intervenor, review, both = found["intervenor"], found["review"], found["both"]
    assert intervenor["shown"] and intervenor["people"] == 8
    # 8 at risk, left at 100 to 500: the curve is 4/8 from day 400 and first below a half,
    # 3/8, at day 500 (statsmodels takes the median as the first day below a half).
    assert intervenor["median"] == 500
    assert intervenor["curve"][0] == (0, 1.0)
    # Drawn while 5 or more are followed: after day 300 only five remain, after 400 four.
    assert max(t for t, _ in intervenor["curve"]) == 400
    assert intervenor["at_risk"][0] == 8
    assert SUPPRESSED in intervenor["at_risk"]
    assert not review["shown"] and review["people"] == SUPPRESSED and review["curve"] == []
    assert not both["shown"] and both["people"] == 0


def test_readmissions_hide_a_share_that_would_give_a_small_count_away():
    settled = [journey("intervenor", 900, left_after=10, discharged_after=10, back_after=60)
               for _ in range(2)]
    settled += [journey("intervenor", 900, left_after=10, discharged_after=10)
                for _ in range(8)]
    found = evaluation.readmissions(settled, date.today())
    assert found == {"discharged": 10, "percent": None, "hidden": True}
    settled += [journey("intervenor", 900, left_after=10, discharged_after=10, back_after=90)
                for _ in range(3)]
    found = evaluation.readmissions(settled, date.today())
    assert found == {"discharged": 13, "percent": 38, "hidden": False}


def test_the_page_shows_the_caveat_and_the_numbers(client_for, users):
    from demo.scale import Seeder

    Seeder(400, seed=41, prefix="History", quiet=True, in_lts=120, past=120).run()
    page = client_for("coordinator").get(reverse("oversight:evaluation")).content.decode()
    assert "These groups are not alike" in page
    assert "Numbers at risk" in page and "Median days in LTS at referral" in page
    assert "<svg" in page and "Kaplan" in page
