"""Statistical process control the NHS way: XmR charts by NHS England's *Making Data Count*.

An XmR chart asks whether a measure moves more than its own month-to-month noise would explain.
The rules here follow Making Data Count as the NHS-R community's NHSRplotthedots (R) implements
them; tests/workflows/test_spc.py works its examples from that package's documented rules.

- The centre line is the mean of the points; the process limits are the mean ± 2.66 times the
  mean moving range (the average absolute change from one point to the next).
- Moving ranges of 3.267 times the mean or more are screened out and the mean moving range is
  taken again without them, so one wild month does not widen the limits for ever.
- A rebase (a dated change in the process) starts a new segment: its own mean and limits, and
  no run, trend or moving range crosses into it.
- Special cause, in order of precedence, for each point:
  1. beyond a process limit;
  2. part of a trend of 7 points each higher (or lower) than the one before;
  3. part of 2 of 3 points beyond 2 sigma (two-thirds of the way to a limit) on one side, the
     three all on that side of the mean;
  4. part of a run of 7 points on one side of the mean (a point on the mean breaks a run).
- Improvement or concern follows the measure's better direction; a measure with none is
  "neutral" high or low. The variation icon is the last point's.

A segment of fewer than 13 points has trial limits (NHSRplotthedots warns below 13): they are
drawn and said to be trial. With one point there is a mean and no limits.
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

LIMIT = 2.66                    # 3 sigma, as a multiple of the mean moving range
NEAR = 2 * LIMIT / 3            # 2 sigma
SCREEN = 3.267                  # moving ranges this many times the mean are screened out
TRIAL_BELOW = 13
RUN = 7

UP, DOWN = "up", "down"

# The rule that fired, as the CSV and the pages name it.
RULES = {
    "above_limit": "above the upper process limit",
    "below_limit": "below the lower process limit",
    "trend_up": "7 points rising",
    "trend_down": "7 points falling",
    "two_of_three_high": "2 of 3 points near the upper limit",
    "two_of_three_low": "2 of 3 points near the lower limit",
    "run_above": "7 points above the mean",
    "run_below": "7 points below the mean",
}
HIGH_RULES = {"above_limit", "trend_up", "two_of_three_high", "run_above"}


@dataclass(frozen=True)
class Point:
    value: float | None
    mean: float | None = None
    lower: float | None = None
    upper: float | None = None
    rule: str = ""              # a key of RULES, or "" for common cause (or no value)
    variation: str = "common"   # common, improvement, concern, neutral
    segment: int = 0            # which rebase segment
    trial: bool = False         # limits from fewer than TRIAL_BELOW points

    @property
    def high(self) -> bool:
        return self.rule in HIGH_RULES

    @property
    def rule_words(self) -> str:
        return RULES.get(self.rule, "")


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _part_of(flags: list[bool]) -> list[bool]:
    """A flag at i marks a run of RUN points ending at i: each of those points is part of it."""
    return [any(flags[i:i + RUN]) for i in range(len(flags))]


def _segment_rules(y: list[float], mean: float, lower: float | None, upper: float | None,
                   near_low: float | None, near_high: float | None) -> list[str]:
    n = len(y)
    side = [_sign(v - mean) for v in y]
    outside = [lower is not None and (v > upper or v < lower) for v in y]
    close = [near_low is not None and not out and (v < near_low or v > near_high)
             for v, out in zip(y, outside, strict=True)]
    # 7 points each rising (or falling) on the one before: six steps, all the same sign.
    trend_end = [0] * n
    for i in range(RUN - 1, n):
        steps = {_sign(y[j] - y[j - 1]) for j in range(i - RUN + 2, i + 1)}
        if steps in ({1}, {-1}):
            trend_end[i] = steps.pop()
    in_trend = _part_of([t != 0 for t in trend_end])
    # 7 points on one side of the mean, none on it.
    run_end = [i >= RUN - 1 and side[i] != 0 and len(set(side[i - RUN + 1:i + 1])) == 1
               for i in range(n)]
    in_run = _part_of(run_end)
    # 2 of 3 beyond 2 sigma: in some window of three holding the point, at least two are near a
    # limit and all three are on the same side of the mean; only the near points are flagged.
    def window_fires(start: int) -> bool:
        if start < 0 or start + 3 > n:
            return False
        return (sum(close[start:start + 3]) >= 2
                and abs(sum(side[start:start + 3])) == 3)

    in_two_of_three = [close[i] and any(window_fires(i - k) for k in range(3)) for i in range(n)]
    rules = []
    for i, v in enumerate(y):
        if outside[i]:
            rules.append("above_limit" if v > upper else "below_limit")
        elif in_trend[i]:
            # A point in two trends (a peak) takes the direction of the step after it.
            later = i + 1 < n and in_trend[i + 1]
            step = _sign(y[i + 1] - y[i]) if later else _sign(y[i] - y[i - 1])
            rules.append("trend_up" if step > 0 else "trend_down")
        elif in_two_of_three[i]:
            rules.append("two_of_three_high" if side[i] > 0 else "two_of_three_low")
        elif in_run[i]:
            rules.append("run_above" if side[i] > 0 else "run_below")
        else:
            rules.append("")
    return rules


def _variation(rule: str, better: str | None) -> str:
    if not rule:
        return "common"
    if better is None:
        return "neutral"
    return "improvement" if (rule in HIGH_RULES) == (better == UP) else "concern"


def xmr(values: list[float | None], *, better: str | None = None,
        rebases: set[int] = frozenset()) -> list[Point]:
    """Each value as an XmR point. `rebases` holds the indices where a new segment starts;
    a missing value (None: no data that month) is skipped by the calculation and drawn as a
    gap."""
    starts = sorted({0, *(i for i in rebases if 0 < i < len(values))})
    out: list[Point] = [Point(None)] * len(values)
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(values)
        where = [i for i in range(start, end) if values[i] is not None]
        y = [float(values[i]) for i in where]
        if not y:
            continue
        mean = fmean(y)
        ranges = [abs(b - a) for a, b in zip(y, y[1:])]   # noqa: B905 - one shorter
        lower = upper = near_low = near_high = None
        if ranges:
            mr = fmean(ranges)
            kept = [r for r in ranges if r < SCREEN * mr]
            mr = fmean(kept) if kept else mr
            lower, upper = mean - LIMIT * mr, mean + LIMIT * mr
            near_low, near_high = mean - NEAR * mr, mean + NEAR * mr
        rules = _segment_rules(y, mean, lower, upper, near_low, near_high)
        trial = len(y) < TRIAL_BELOW
        for i, rule in zip(where, rules, strict=True):
            out[i] = Point(values[i], mean, lower, upper, rule, "", number, trial)
    return [p if p.value is None else _with_variation(p, better) for p in out]


def _with_variation(point: Point, better: str | None) -> Point:
    return Point(point.value, point.mean, point.lower, point.upper, point.rule,
                 _variation(point.rule, better), point.segment, point.trial)


def icon(points: list[Point], better: str | None) -> dict:
    """The variation icon for the latest point with a value: its kind, and its words."""
    latest = next((p for p in reversed(points) if p.value is not None), None)
    if latest is None:
        return {"kind": "none", "words": "No data"}
    if latest.variation == "common":
        return {"kind": "common", "words": "Common cause variation"}
    side = "high" if latest.high else "low"
    words = {"improvement": "Special cause variation: improvement",
             "concern": "Special cause variation: concern",
             "neutral": "Special cause variation"}[latest.variation]
    return {"kind": f"{latest.variation}-{side}",
            "words": f"{words} ({'higher' if latest.high else 'lower'} values)"}
