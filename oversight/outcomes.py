"""Programme outcomes: do people accepted by the programme leave long-term segregation?

The figures an evaluation needs, computed from what Pathways records:

- **Who counts.** Each person once, from their first accepted referral (the referral date is
  day 0), if they were in LTS on that day.
- **A spell of LTS**, not an episode: a move to another unit ends one episode and starts the
  next on the same day, so episodes joined by a transfer are one spell. The spell ends when an
  episode ends any other way (discharged, a less restrictive setting, LTS ended on the ward).
- **Days in LTS at referral**: day 0 less the spell's start.
- **At 6 and 12 months** (183 and 365 days): only people referred at least that long ago
  count. "Left" is the share whose spell had ended by then; "still in LTS" gives the median
  days in LTS of those whose spell had not.
- **Discharge**: the share discharged from hospital by 6 and 12 months (the first discharge on
  or after day 0), and, of those discharged at least 12 months ago, the share readmitted within
  12 months of discharge.
- **Small numbers**: a group of fewer than 5 people shows no figures, and the people counts are
  suppressed as equality monitoring does (SECURITY.md S29), so nobody can be picked out.

Each breakdown (route, region of the unit at referral, age band at referral) is one pass over
three plain-value queries, whatever the size of the cohort.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import Region
from pathways.csvfile import csv_text
from referrals.models import Discharge, LtsEpisode, Referral, Route

from .equality import age_band, suppress
from .numbers import median_days
from .suppression import SUPPRESS_BELOW, SUPPRESSED, suppress_counts

HORIZONS = {"6 months": 183, "12 months": 365}


@dataclass
class Journey:
    """One person's spell of LTS around their first accepted referral."""

    referred_on: date
    started_on: date
    ended_on: date | None
    route: str
    region: str
    age_band: str
    discharged_on: date | None = None
    readmitted_on: date | None = None

    def in_lts_at(self, day: date) -> bool:
        return self.ended_on is None or self.ended_on > day


@dataclass
class Group:
    label: str
    journeys: list[Journey] = field(default_factory=list)

    def figures(self, today: date) -> dict:
        people = len(self.journeys)
        row = {"label": self.label, "people": people, "shown": people >= SUPPRESS_BELOW,
               "median_at_referral": None, "horizons": {}, "readmitted_percent": None,
               # Never published: the true counts, for suppressing the published ones.
               "_eligible": {name: sum(j.referred_on + timedelta(days) <= today
                                       for j in self.journeys)
                             for name, days in HORIZONS.items()}}
        if not row["shown"]:
            return row
        row["median_at_referral"] = median_days(
            (j.referred_on - j.started_on).days for j in self.journeys)
        for name, days in HORIZONS.items():
            eligible = [j for j in self.journeys if j.referred_on + timedelta(days) <= today]
            still = [j for j in eligible if j.in_lts_at(j.referred_on + timedelta(days))]
            shown = len(eligible) >= SUPPRESS_BELOW
            row["horizons"][name] = {
                "eligible": len(eligible),      # published as outcome_tables suppresses it
                "left_percent": round(100 * (len(eligible) - len(still)) / len(eligible))
                if shown else None,
                "median_still": median_days((j.referred_on + timedelta(days) - j.started_on).days
                                            for j in still)
                if shown and len(still) >= SUPPRESS_BELOW else None,
                "discharged_percent": round(100 * sum(
                    j.discharged_on is not None
                    and j.discharged_on <= j.referred_on + timedelta(days)
                    for j in eligible) / len(eligible)) if shown else None,
            }
        settled = [j for j in self.journeys
                   if j.discharged_on is not None and j.discharged_on + timedelta(365) <= today]
        if len(settled) >= SUPPRESS_BELOW:
            row["readmitted_percent"] = round(100 * sum(
                j.readmitted_on is not None and (j.readmitted_on - j.discharged_on).days <= 365
                for j in settled) / len(settled))
        return row


def _spell(episodes: list[tuple], day: date) -> tuple[date, date | None, str] | None:
    """(start, end, region) of the spell of LTS the person was in on `day`, or None."""
    episodes = sorted(episodes)  # (start, end, reason, region), oldest first
    for i, (start, end, _reason, region) in enumerate(episodes):
        if start <= day and (end is None or end >= day):
            spell_start = start
            for earlier_start, earlier_end, reason, _ in reversed(episodes[:i]):
                if reason == LtsEpisode.EndReason.TRANSFERRED and earlier_end == spell_start:
                    spell_start = earlier_start
            spell_end, last_reason = end, _reason
            for later_start, later_end, reason, _ in episodes[i + 1:]:
                if last_reason == LtsEpisode.EndReason.TRANSFERRED and later_start == spell_end:
                    spell_end, last_reason = later_end, reason
            return spell_start, spell_end, region
    return None


@dataclass(frozen=True)
class Moment:
    label: str
    day: date
    days_in_lts: int | None     # None: not in long-term segregation that day


def days_in_lts_on(episodes: list[tuple], day: date) -> int | None:
    spell = _spell(episodes, day)
    return None if spell is None else (day - spell[0]).days


def person_outcome(person, related: dict) -> dict:
    """One person's outcomes, as their record shows them: days in LTS at referral, at each
    panel and at each intervenor case's closure (among the reviews and cases the viewer may
    see), how LTS ended, discharges and readmissions."""
    episodes = [(start, end, reason, region) for start, end, reason, region in
                person.lts_episodes.values_list("start_date", "end_date", "end_reason",
                                                "unit__region")]
    moments = []
    first = person.referrals.order_by("raised_at").values_list("raised_at", flat=True).first()
    if first is not None:
        day = timezone.localdate(first)
        moments.append(Moment("First referral", day, days_in_lts_on(episodes, day)))
    for review in related["reviews"]:
        if review.held_on:
            moments.append(Moment(f"{'Follow-up ' if review.follows_id else ''}"
                                  f"{review.short_kind} panel", review.held_on,
                                  days_in_lts_on(episodes, review.held_on)))
    for case in related["cases"]:
        if case.closed_on:
            day = timezone.localdate(case.closed_on)
            moments.append(Moment("Intervenor case closed", day, days_in_lts_on(episodes, day)))
    today = date.today()
    if any(end is None for _, end, _, _ in episodes):
        moments.append(Moment("Today", today, days_in_lts_on(episodes, today)))
    ended = [e for e in sorted(episodes) if e[1] is not None
             and e[2] != LtsEpisode.EndReason.TRANSFERRED]
    return {
        "moments": sorted(moments, key=lambda m: m.day),
        "ended": [(end, dict(LtsEpisode.EndReason.choices).get(reason, reason),
                   (end - start).days) for start, end, reason, _ in ended],
        "discharges": list(person.discharges.order_by("discharged_on")),
    }


def journeys() -> list[Journey]:
    """Everyone the programme accepted who was in LTS when referred, as plain values."""
    first: dict = {}
    for person, raised_at, route, dob in (
            Referral.objects.filter(route__isnull=False).exclude(route="")
            .order_by("raised_at").values_list("person_id", "raised_at", "route",
                                               "person__date_of_birth")):
        first.setdefault(person, (timezone.localdate(raised_at), route, dob))
    episodes = defaultdict(list)
    for person, start, end, reason, region in LtsEpisode.objects.filter(
            person__in=list(first)).values_list("person_id", "start_date", "end_date",
                                                "end_reason", "unit__region"):
        episodes[person].append((start, end, reason, region))
    discharges: dict = {}
    for person, discharged_on, readmitted_on in Discharge.objects.filter(
            person__in=list(first)).order_by("discharged_on").values_list(
            "person_id", "discharged_on", "readmitted_on"):
        if discharged_on >= first[person][0]:
            discharges.setdefault(person, (discharged_on, readmitted_on))
    found = []
    for person, (referred_on, route, dob) in first.items():
        spell = _spell(episodes[person], referred_on)
        if spell is not None:
            found.append(Journey(referred_on, spell[0], spell[1], route, spell[2],
                                 age_band(dob, referred_on), *discharges.get(person, ())))
    return found


def outcome_tables(today: date | None = None) -> dict:
    today = today or date.today()
    everyone = journeys()
    labels = {"Route": dict(Route.choices), "Region": dict(Region.choices),
              "Age band at referral": {}}  # bands are their own labels
    keys = {"Route": lambda j: j.route, "Region": lambda j: j.region,
            "Age band at referral": lambda j: j.age_band}
    tables = {}
    for name, key in keys.items():
        groups: dict[str, Group] = {}
        for j in everyone:
            label = labels[name].get(key(j), key(j))
            groups.setdefault(label, Group(label)).journeys.append(j)
        rows = []
        for label, shown in suppress({label: len(g.journeys) for label, g in groups.items()}):
            row = groups[label].figures(today)
            if not isinstance(shown, int):  # a hidden count shows no figures either
                row = {**row, "shown": False, "median_at_referral": None, "horizons": {},
                       "readmitted_percent": None}
            rows.append({**row, "people_shown": shown})
        tables[name] = rows
    overall = Group("Everyone", everyone).figures(today)
    overall["people_shown"] = overall["people"] if overall["shown"] else \
        (SUPPRESSED if everyone else 0)
    for name in HORIZONS:
        _suppress_eligible(overall, tables, name)
    return {"overall": overall, "tables": tables, "horizons": list(HORIZONS),
            "today": today}


def _suppress_eligible(overall: dict, tables: dict, horizon: str) -> None:
    """The people referred long enough ago to count at a horizon form a column of counts in
    each breakdown, with the overall count as its total: suppressed as the people counts are,
    so that no hidden one can be worked out from the others (security round 3, finding 4). A
    group hidden whole counts as hidden here; a hidden count hides its group's percentages."""
    def eligible(row) -> int | None:
        figure = row["horizons"].get(horizon)
        return None if figure is None else figure["eligible"]

    whole = eligible(overall)
    total_hidden = whole is None or whole < SUPPRESS_BELOW
    if whole is not None and total_hidden:
        overall["horizons"][horizon] = _hidden_figures(whole)
    for rows in tables.values():
        counts = {row["label"]: eligible(row) for row in rows}
        unknown = {label for label, n in counts.items() if n is None}
        # A group hidden whole has no figures: its true count is still part of the total.
        true = {row["label"]: row["_eligible"][horizon] for row in rows}
        hidden, _ = suppress_counts(true, total_hidden=total_hidden, unknown=unknown)
        for row in rows:
            if row["label"] in hidden - unknown:
                row["horizons"][horizon] = _hidden_figures(eligible(row))


def _hidden_figures(count: int) -> dict:
    return {"eligible": SUPPRESSED if count else 0, "left_percent": None, "median_still": None,
            "discharged_percent": None}


def outcomes_csv(today: date | None = None) -> str:
    """The same figures, one row a group, for an evaluation's spreadsheet."""
    data = outcome_tables(today)
    header = ["breakdown", "group", "people", "median days in LTS at referral"]
    for h in data["horizons"]:
        header += [f"referred {h} ago or more", f"left LTS within {h} (%)",
                   f"median days in LTS at {h}, if still in LTS",
                   f"discharged within {h} (%)"]
    header.append("readmitted within 12 months of discharge (%)")
    groups = [("All", data["overall"])] + [(name, row) for name, table in data["tables"].items()
                                         for row in table]
    lines = []
    for name, row in groups:
        line = [name, row["label"], row["people_shown"], _blank(row["median_at_referral"])]
        for h in data["horizons"]:
            fig = row["horizons"].get(h, {})
            line += [fig.get("eligible", ""), _blank(fig.get("left_percent")),
                     _blank(fig.get("median_still")), _blank(fig.get("discharged_percent"))]
        line.append(_blank(row["readmitted_percent"]))
        lines.append(line)
    return csv_text(header, lines)[0]


def _blank(value):
    return "" if value is None else value
