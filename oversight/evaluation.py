"""Does the intervention help? Time to leaving long-term segregation, by route.

NHS England said of the senior intervenors that "an evaluation will be undertaken to review
the impact". This is the figure such an evaluation starts from, worked out from what Pathways
records (oversight.outcomes says who counts and what a spell of LTS is):

- **Day 0** is the person's first accepted referral. Only people in LTS that day count.
- **Leaving** is the end of the spell of LTS, however it ended; a discharge from hospital counts
  as leaving if it came first. People still in LTS are **censored** at today: they count as
  at risk until today and no longer.
- **Kaplan–Meier** curves by route (IC(E)TR review, senior intervenor, both), from statsmodels'
  `SurvfuncRight` (a kept library, not an estimator of our own), with the numbers at risk and
  the median time to leaving with its 95% confidence interval where the data give one (the
  median is the first day the share still in LTS is below a half, as statsmodels and SAS take
  it).
- **Small numbers**: a route with fewer than 5 people shows no curve; a curve is drawn only
  while 5 or more people are at risk, and an at-risk count of 1 to 4 reads "suppressed".
- **Caveat**: routes are not randomised. Triage sends different people down each, so the
  groups differ before the programme touches them; their median days in LTS at referral are
  shown side by side, and no difference between curves is a measured effect.

A second panel gives readmissions: of the people discharged at least 12 months ago (after
their referral), the share readmitted within 12 months of discharge.
"""
from __future__ import annotations

import math
from datetime import date

from referrals.models import Route

from .numbers import median_days
from .outcomes import Journey, journeys
from .suppression import SUPPRESS_BELOW, SUPPRESSED

AT_RISK_DAYS = [0, 91, 183, 365, 548, 730, 1095]
ROUTES = [(Route.INTERVENOR, "Senior intervenor"), (Route.REVIEW, "IC(E)TR review"),
          (Route.BOTH, "Both")]


def _spell_time(j: Journey, today: date) -> tuple[int, bool]:
    """(days from day 0, whether the person left LTS then) for one journey."""
    ends = [d for d in (j.ended_on, j.discharged_on) if d is not None and d >= j.referred_on]
    if ends:
        return (min(ends) - j.referred_on).days, True
    return max((today - j.referred_on).days, 0), False


def kaplan_meier(times: list[int], left: list[bool]) -> dict:
    """The Kaplan–Meier estimate by statsmodels: the curve's steps as (day, share still in LTS,
    at risk), the median time to leaving and its 95% confidence interval (None where the data
    give none: the curve never falls to a half, or the interval's end is beyond the data)."""
    import numpy as np
    from statsmodels.duration.survfunc import SurvfuncRight

    # Where the curve reaches 0 its standard error takes log(0): statsmodels warns and gives
    # an infinite bound, which _finite reads as "none".
    with np.errstate(divide="ignore", invalid="ignore"):
        return _fit(SurvfuncRight([float(t) for t in times], [1.0 if x else 0.0 for x in left]))


def _fit(fit) -> dict:
    import numpy as np

    steps = [(int(t), float(s), int(n)) for t, s, n in
             zip(fit.surv_times, fit.surv_prob, fit.n_risk, strict=True)]
    # statsmodels (as SAS) takes the median as the first day the curve is below a half, not
    # at it: a curve resting on exactly 50% has its median at its next step.
    median = _finite(fit.quantile(0.5)) if any(s < 0.5 for _, s, _ in steps) else None
    low = high = None
    if median is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            low, high = (_finite(v) for v in fit.quantile_ci(0.5))
    return {"steps": steps, "median": median, "median_low": low, "median_high": high}


def _finite(value) -> int | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else round(value)


def at_risk(times: list[int], day: int) -> int:
    """People still followed (not yet left, not yet censored) just before `day`."""
    return sum(t >= day for t in times)


def _shown(n: int):
    return SUPPRESSED if 0 < n < SUPPRESS_BELOW else n


def evaluation(today: date | None = None) -> dict:
    today = today or date.today()
    everyone = journeys()
    groups = []
    for route, label in ROUTES:
        members = [j for j in everyone if j.route == route]
        row = {"route": route, "label": label, "people": _shown(len(members)),
               "shown": len(members) >= SUPPRESS_BELOW, "curve": [], "at_risk": [],
               "median": None, "median_low": None, "median_high": None,
               "left": None, "median_at_referral": None, "readmission": None}
        if row["shown"]:
            times, left = zip(*(_spell_time(j, today) for j in members), strict=True)
            fit = kaplan_meier(list(times), list(left))
            row |= {k: fit[k] for k in ("median", "median_low", "median_high")}
            # Drawn while 5 or more are at risk; the curve starts at day 0 with everyone.
            row["curve"] = [(0, 1.0)] + [(t, s) for t, s, n in fit["steps"]
                                         if n >= SUPPRESS_BELOW]
            row["followed_to"] = max((t for t in times if at_risk(times, t) >= SUPPRESS_BELOW),
                                     default=0)
            row["at_risk"] = [_shown(at_risk(times, d)) for d in AT_RISK_DAYS]
            row["left"] = _shown(sum(left))
            row["median_at_referral"] = median_days(
                (j.referred_on - j.started_on).days for j in members)
        row["readmission"] = readmissions(members, today)
        groups.append(row)
    return {"groups": groups, "at_risk_days": AT_RISK_DAYS, "today": today,
            "people": len(everyone)}


def readmissions(members: list[Journey], today: date) -> dict:
    """Of those discharged at least 12 months ago, how many came back within 12 months."""
    settled = [j for j in members if j.discharged_on is not None
               and (today - j.discharged_on).days >= 365]
    back = sum(j.readmitted_on is not None and (j.readmitted_on - j.discharged_on).days <= 365
               for j in settled)
    # The share would give away a count of 1 to 4 on either side (came back, or did not).
    enough = len(settled) >= SUPPRESS_BELOW and all(
        n == 0 or n >= SUPPRESS_BELOW for n in (back, len(settled) - back))
    return {"discharged": _shown(len(settled)),
            "percent": round(100 * back / len(settled)) if enough else None,
            "hidden": bool(settled) and not enough}
