"""What the referral pages show, shaped for their templates.

Presenters are plain classes: they take models (or the ranking's rows) and give a template the
words and numbers it draws, so no view or template works them out. The templates draw them
with macros (templates/referrals/_macros.jinja).
"""
from typing import NamedTuple

from pathways.frontend.choices import label
from pathways.links import link

from .priority import Priority


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


class ScorePart(NamedTuple):
    """One part of a score: its label ("CQC rating of the unit"), its points ("20 points") and
    the fact behind them."""
    label: str
    points: str
    fact: str


class ScoreExplanation:
    """A priority score explained: each part's points and the fact behind it, the flags, the
    policy version. Shown on the queue, the waiting list, triage and the person's page."""

    def __init__(self, priority: Priority):
        self.score = priority.score
        # Records, not dicts: Jinja reads `part.label` as an attribute first, and a dict's
        # miss raises an exception, some 600 of them on a page of 50 explained scores.
        self.parts = [ScorePart(c.label, plural(c.points, "point"), c.fact)
                      for c in priority.components]
        self.flags = list(priority.flags)
        self.policy_version = priority.policy_version
        self.points = plural(priority.score, "point")

    @classmethod
    def kept(cls, breakdown: dict) -> "ScoreExplanation":
        """The explanation stored with a score when it was taken (a referral's snapshot), as
        `Priority.as_dict` wrote it."""
        explained = cls.__new__(cls)
        explained.score = breakdown["score"]
        explained.parts = [ScorePart(c["label"], plural(c["points"], "point"), c["fact"])
                           for c in breakdown.get("components", ())]
        explained.flags = list(breakdown.get("flags", ()))
        explained.policy_version = breakdown.get("policy_version")
        explained.points = plural(explained.score, "point")
        return explained


class RankedRow:
    """What a ranked list (the triage queue, the intervenor waiting list) shows of one person:
    rank, reference, age, score with its explanation, days in segregation, unit. A subclass
    adds the labels its page shows, read with pathways.frontend.choices.label (Django's
    get_FOO_display() costs 40 times as much, on every row)."""

    def __init__(self, row):
        person, unit, priority = row.person, row.person.current_unit, row.priority
        self.rank = row.rank
        self.reference = person.reference
        self.person_url = link("referrals:person", person.pk)
        self.age = priority.age
        self.is_child = priority.age < 18
        self.score = ScoreExplanation(priority)
        self.days_in_lts = f"{priority.days_in_lts:,}"
        self.unit = (unit.name if unit is not None else "") or "–"


class QueueRow(RankedRow):
    """A referral awaiting triage: the ranked facts, the unit's CQC rating, its open concerns,
    what was asked for, and the next step for the reader (triage it, or view it)."""

    def __init__(self, row, can_triage: bool):
        super().__init__(row)
        self.cqc_rating = label(row.person.current_unit, "cqc_rating")
        self.open_concerns = row.open_concerns
        self.asked_for = label(row.referral, "requested_route")
        self.action = "Triage" if can_triage else "View"
        self.action_url = link("referrals:triage" if can_triage else "referrals:detail",
                               row.referral.pk)


def queue_rows(rows, can_triage: bool) -> list[QueueRow]:
    return [QueueRow(row, can_triage) for row in rows]
