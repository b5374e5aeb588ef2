"""The priority score: a pure function of a person's facts, a policy and a date.

Nothing here touches the database. The score advises; a coordinator confirms every triage
decision (UK GDPR Article 22), and each stored snapshot names the policy version it used.

score = LTS length points + CQC rating points + concern points + review requested + child
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

RATING_LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
    "not_yet_rated": "Not yet rated",
}
SOURCE_LABELS = {
    "person": "the person",
    "family": "family or carer",
    "advocate": "advocate",
    "system": "provider or system",
    "cqc": "CQC",
    "commissioner": "commissioner",
}


@dataclass(frozen=True)
class ConcernFact:
    source: str
    severity: str
    kind: str = "concern"           # or "review_request"
    raised_on: date | None = None


@dataclass(frozen=True)
class PersonFacts:
    date_of_birth: date
    lts_start: date | None
    unit_rating: str | None
    unit_name: str = ""
    open_concerns: tuple[ConcernFact, ...] = ()
    referred_at: datetime | None = None


@dataclass(frozen=True)
class Weights:
    """The numbers of a PriorityPolicy, detached from the database."""

    version: int
    points_per_month_in_lts: int = 1
    lts_months_cap: int = 60
    rating_points: dict = field(
        default_factory=lambda: {
            "inadequate": 20,
            "requires_improvement": 10,
            "not_yet_rated": 8,
            "good": 0,
            "outstanding": 0,
        }
    )
    points_per_concern_source: int = 5
    points_per_high_severity_concern: int = 5
    concern_points_cap: int = 30
    points_review_requested: int = 10
    points_child: int = 30
    adult_lts_limit_days: int = 15

    @classmethod
    def from_policy(cls, policy) -> Weights:
        return cls(
            version=policy.version,
            points_per_month_in_lts=policy.points_per_month_in_lts,
            lts_months_cap=policy.lts_months_cap,
            rating_points={str(k): v for k, v in policy.rating_points().items()},
            points_per_concern_source=policy.points_per_concern_source,
            points_per_high_severity_concern=policy.points_per_high_severity_concern,
            concern_points_cap=policy.concern_points_cap,
            points_review_requested=policy.points_review_requested,
            points_child=policy.points_child,
            adult_lts_limit_days=policy.adult_lts_limit_days,
        )


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    points: int
    fact: str


@dataclass(frozen=True)
class Priority:
    score: int
    components: tuple[Component, ...]
    flags: tuple[str, ...]
    days_in_lts: int
    age: int
    policy_version: int

    def as_dict(self) -> dict:
        return {
            "score": self.score,
            "policy_version": self.policy_version,
            "days_in_lts": self.days_in_lts,
            "age": self.age,
            "components": [asdict(c) for c in self.components],
            "flags": list(self.flags),
        }


def full_months_between(start: date, end: date) -> int:
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def age_on(date_of_birth: date, day: date) -> int:
    return day.year - date_of_birth.year - (
        (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n:,} {word}s"


def describe_duration(days: int, months: int) -> str:
    years, rest = divmod(months, 12)
    if months == 0:
        return _plural(days, "day")
    if years and rest:
        return f"{_plural(years, 'year')} {_plural(rest, 'month')}"
    if years:
        return _plural(years, "year")
    return _plural(rest, "month")


def score(facts: PersonFacts, weights: Weights, today: date) -> Priority:
    """Score one person and say why, component by component."""
    components: list[Component] = []
    flags: list[str] = []
    age = age_on(facts.date_of_birth, today)

    if facts.lts_start is not None:
        days = max((today - facts.lts_start).days, 0)
        months = full_months_between(facts.lts_start, today)
        counted = min(months, weights.lts_months_cap)
        points = counted * weights.points_per_month_in_lts
        capped = " (capped)" if months > weights.lts_months_cap else ""
        components.append(
            Component(
                "lts_length",
                "Time in long-term segregation",
                points,
                f"{describe_duration(days, months)} in LTS since {facts.lts_start:%d %b %Y}: "
                f"{weights.points_per_month_in_lts} per full month, {counted} months counted{capped}",
            )
        )
        if age >= 18 and days > weights.adult_lts_limit_days:
            flags.append(
                f"Beyond the recommended limit: {days:,} days in LTS "
                f"(limit {weights.adult_lts_limit_days:,} days for adults)"
            )
    else:
        days = 0
        components.append(
            Component("lts_length", "Time in long-term segregation", 0, "No current LTS episode")
        )

    rating = facts.unit_rating or "not_yet_rated"
    rating_points = weights.rating_points.get(rating, 0)
    unit = f"{facts.unit_name} is rated " if facts.unit_name else "Unit rated "
    components.append(
        Component("cqc_rating", "CQC rating of the unit", rating_points,
                  f"{unit}{RATING_LABELS.get(rating, rating)}")
    )

    concerns = [c for c in facts.open_concerns if c.kind != "review_request"]
    requests = [c for c in facts.open_concerns if c.kind == "review_request"]
    sources = sorted({c.source for c in concerns})
    high = sum(1 for c in concerns if c.severity == "high")
    raw = len(sources) * weights.points_per_concern_source + high * (
        weights.points_per_high_severity_concern
    )
    concern_points = min(raw, weights.concern_points_cap)
    if concerns:
        who = ", ".join(SOURCE_LABELS.get(s, s) for s in sources)
        fact = (
            f"{_plural(len(concerns), 'open concern')} from {who}; "
            f"{_plural(high, 'high-severity concern')}"
        )
        if raw > weights.concern_points_cap:
            fact += f" (capped at {weights.concern_points_cap})"
    else:
        fact = "No open concerns"
    components.append(Component("concerns", "Concerns raised", concern_points, fact))

    if requests:
        asked = "; ".join(
            SOURCE_LABELS.get(r.source, r.source)
            + (f" on {r.raised_on:%d %b %Y}" if r.raised_on else "")
            for r in sorted(requests, key=lambda r: (r.raised_on or date.min, r.source)))
        components.append(
            Component("review_requested", "Review requested", weights.points_review_requested,
                      f"Asked for by {asked}: counted once while a request is open")
        )

    if age < 18:
        components.append(
            Component("child", "Child or young person", weights.points_child,
                      f"Aged {age}: segregation of under-18s should end at once")
        )
        flags.append("Under 18: IC(E)TR with education")

    total = sum(c.points for c in components)
    return Priority(total, tuple(components), tuple(flags), days, age, weights.version)


def rank_key(priority: Priority, referred_at: datetime | None):
    """Sort key: higher score first, then longer in LTS, then the earlier referral."""
    when = referred_at.timestamp() if referred_at else float("inf")
    return (-priority.score, -priority.days_in_lts, when)
