"""SPC by NHS England's Making Data Count rules, as NHSRplotthedots (R) implements them.

Each example is worked by hand here from the documented rules (oversight/spc.py lists them):
the means, moving ranges and limits are in the comments, so a reader can check the arithmetic
without running anything.
"""
import pytest

from oversight import spc


def rules(points):
    return [p.rule for p in points]


def flagged(points, rule):
    return [i for i, p in enumerate(points) if p.rule == rule]


def test_a_point_beyond_the_limit_and_a_wild_moving_range_screened_out():
    # Twelve points alternating 5 and 7, then 20. Mean 92/13 = 7.077. Moving ranges: eleven of
    # 2 and one of 13; their mean 35/12 = 2.917, and 13 >= 3.267 x 2.917 = 9.53, so 13 is
    # screened out: the mean moving range is 22/11 = 2. Limits 7.077 ± 5.32.
    values = [5, 7] * 6 + [20]
    points = spc.xmr(values, better=spc.DOWN)
    mean = 92 / 13
    assert points[0].mean == pytest.approx(mean)
    assert points[0].upper == pytest.approx(mean + 2.66 * 2)
    assert points[0].lower == pytest.approx(mean - 2.66 * 2)
    assert flagged(points, "above_limit") == [12]
    # The 20 pulls the mean above 7, so the twelve before it are all below: a run.
    assert flagged(points, "run_below") == list(range(12))
    assert points[0].variation == "improvement"
    assert points[12].variation == "concern"           # higher is worse for this measure
    assert not points[12].trial                          # 13 points: limits no longer trial


def test_seven_points_on_one_side_of_the_mean_flags_the_whole_run():
    # Mean 72/13 = 5.538. Sides: - + - + - + then seven 6s, all above: the 8 at index 5 is
    # above too, so the run is indices 5 to 12 (8 points). Moving ranges 6,6,6,6,6,2,0,...:
    # mean 32/12 = 2.667, limits 5.538 ± 7.09 and 2 sigma ± 4.73: nothing near a limit.
    values = [2, 8, 2, 8, 2, 8, 6, 6, 6, 6, 6, 6, 6]
    points = spc.xmr(values, better=spc.UP)
    assert flagged(points, "run_above") == list(range(5, 13))
    assert {points[i].variation for i in range(5, 13)} == {"improvement"}


def test_a_point_on_the_mean_breaks_a_run():
    values = [2, 8, 2, 8, 2, 8, 6, 6, 6, 5, 6, 6, 6]
    points = spc.xmr(values)
    mean = sum(values) / len(values)                    # 67/13 = 5.15: 5 is below it
    assert 5 < mean < 6
    assert flagged(points, "run_above") == []


def test_seven_points_rising_is_a_trend_and_six_are_not():
    # Mean 52/13 = 4; moving ranges six of 2 then six of 1: mean 1.5, limits 4 ± 3.99. The
    # last seven points rise 1 to 7: a trend, which outranks the near-limit points in it.
    values = [5, 3, 5, 3, 5, 3, 1, 2, 3, 4, 5, 6, 7]
    points = spc.xmr(values, better=spc.UP)
    assert flagged(points, "trend_up") == list(range(6, 13))
    assert rules(points)[:6] == [""] * 6
    # Fewer than seven points: six rising make no trend; the limits are trial.
    short = spc.xmr([1, 2, 3, 4, 5, 6])
    assert rules(short) == [""] * 6
    assert short[0].trial


def test_equal_neighbours_break_a_trend():
    values = [5, 3, 5, 3, 5, 3, 1, 2, 3, 3, 5, 6, 7]
    assert flagged(spc.xmr(values), "trend_up") == []


def test_two_of_three_near_a_limit_on_one_side():
    # Ten points alternating 5 and 6, then 7, 9, 9, 7. Mean 87/14 = 6.214; moving ranges nine
    # of 1, then 1, 2, 0, 2: mean 14/13 = 1.077. Limits 6.214 ± 2.865 (9 is inside), 2 sigma
    # ± 1.910, so 9 > 8.124 is near the upper limit. The window 7, 9, 9 is all above the mean
    # with two near: the two 9s are flagged (not the 7s). The first ten points are all below
    # the mean: a run of 10.
    values = [5, 6] * 5 + [7, 9, 9, 7]
    points = spc.xmr(values, better=spc.DOWN)
    assert flagged(points, "two_of_three_high") == [11, 12]
    assert flagged(points, "run_below") == list(range(10))
    assert points[11].variation == "concern"


def test_two_near_limits_on_opposite_sides_are_not_two_of_three():
    # The case NHSRplotthedots once got wrong. Mean 72/13 = 5.538. Moving ranges nine of 1,
    # then 3, 7, 4: mean 23/12 = 1.917, and 7 >= 3.267 x 1.917 = 6.26 is screened out, so
    # the mean is 16/11 = 1.455. Limits 5.538 ± 3.869, 2 sigma ± 2.579: 9 is near the upper
    # limit and 2 near the lower, in the same three points but on opposite sides.
    values = [5, 6] * 5 + [9, 2, 6]
    points = spc.xmr(values)
    assert points[0].upper == pytest.approx(72 / 13 + 2.66 * 16 / 11)
    assert rules(points) == [""] * 13


def test_a_run_does_not_cross_a_rebase():
    # Without a rebase: mean 82/15 = 5.47 and the seven 6s (with the 8 before them) are a run.
    # Rebased at index 7, each segment has its own mean (38/7 and 44/8) and no run of 7.
    values = [2, 8, 2, 8, 6, 6, 6, 6, 6, 6, 6, 2, 8, 2, 8]
    assert flagged(spc.xmr(values), "run_above") == list(range(3, 11))
    points = spc.xmr(values, rebases={7})
    assert rules(points) == [""] * 15
    assert points[0].mean == pytest.approx(38 / 7)
    assert points[7].mean == pytest.approx(44 / 8)
    assert (points[0].segment, points[7].segment) == (0, 1)
    assert points[0].trial and points[7].trial


def test_the_moving_range_does_not_cross_a_rebase():
    # Segment one all 10, segment two all 50: each has no variation, so each has limits at its
    # own mean. A moving range across the rebase (40) would have widened both.
    points = spc.xmr([10] * 6 + [50] * 6, rebases={6})
    assert (points[0].lower, points[0].upper) == (10, 10)
    assert (points[6].lower, points[6].upper) == (50, 50)


def test_missing_months_are_skipped_and_one_point_has_no_limits():
    points = spc.xmr([None, 4, None])
    assert points[0].value is None and points[2].value is None
    assert points[1].mean == 4 and points[1].upper is None
    assert spc.icon(spc.xmr([None, None]), None)["kind"] == "none"


@pytest.mark.parametrize(("better", "kind"), [(spc.UP, "improvement-high"),
                                               (spc.DOWN, "concern-high"),
                                               (None, "neutral-high")])
def test_the_variation_icon_is_the_last_points_by_the_good_direction(better, kind):
    values = [5, 7] * 6 + [20]
    assert spc.icon(spc.xmr(values, better=better), better)["kind"] == kind
    assert spc.icon(spc.xmr([5, 7] * 6, better=better), better)["kind"] == "common"
