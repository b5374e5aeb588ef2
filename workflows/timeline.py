"""One timeline per person: history rows and decisions merged in time order, with who and why.

Each source is one query, so the page costs the same however long the person's history is.
Events about reviews and intervenor cases appear only to people who may see those records.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from audit.models import Decision
from intervenors.models import CaseActivity, IntervenorCase
from intervenors.selectors import cases_visible
from referrals.models import Concern, CqcRating, LtsEpisode, Person, Referral
from reviews.models import Action, ActionUpdate, Review
from reviews.selectors import reviews_visible

KINDS = {
    "decision": "Decisions",
    "referral": "Referrals",
    "concern": "Concerns",
    "lts": "Segregation and placement",
    "rating": "Unit ratings",
    "review": "Reviews",
    "action": "Actions",
    "case": "Intervenor casework",
}
VERBS = {"+": "recorded", "~": "updated", "-": "removed"}


@dataclass
class Event:
    at: datetime
    kind: str
    title: str
    actor: str
    reason: str = ""

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def _history(model, kind, label, describe, **filters):
    rows = model.history.filter(**filters).select_related("history_user").order_by("history_date")
    return [
        Event(row.history_date, kind, f"{label} {VERBS[row.history_type]}{describe(row)}",
              str(row.history_user) if row.history_user else "Pathways system",
              row.history_change_reason or "")
        for row in rows
    ]


def _status(row):
    display = getattr(row, "get_status_display", None)
    return f": {display().lower()}" if display else ""


def person_timeline(user, person: Person, kinds: set[str] | None = None) -> list[Event]:
    kinds = kinds or set(KINDS)
    events: list[Event] = []
    review_ids = list(reviews_visible(user).filter(person=person).values_list("pk", flat=True))
    case_ids = list(cases_visible(user).filter(person=person).values_list("pk", flat=True))
    if "decision" in kinds:
        visible = {
            "reviews.Review": {str(pk) for pk in review_ids},
            "intervenors.IntervenorCase": {str(pk) for pk in case_ids},
            "reviews.Action": {str(pk) for pk in Action.objects.filter(
                review_id__in=review_ids).values_list("pk", flat=True)},
        }
        decisions = Decision.objects.filter(person=person).select_related("actor")
        events += [Event(d.made_at, "decision", d.summary, str(d.actor), d.reason)
                   for d in decisions
                   if d.subject_type not in visible or d.subject_id in visible[d.subject_type]]
    if "referral" in kinds:
        events += _history(Person, "referral", "Person record", lambda r: "", id=person.pk)
        events += _history(Referral, "referral", "Referral", _status, person_id=person.pk)
    if "concern" in kinds:
        events += _history(Concern, "concern", "Concern",
                           lambda r: f" ({r.get_source_display().lower()}, "
                                     f"{r.get_severity_display().lower()}): "
                                     f"{r.get_status_display().lower()}",
                           person_id=person.pk)
    if "lts" in kinds:
        events += _history(LtsEpisode, "lts", "LTS episode",
                           lambda r: f" from {r.start_date:%d %b %Y}"
                                     + (f" to {r.end_date:%d %b %Y}" if r.end_date else ""),
                           person_id=person.pk)
    if "rating" in kinds:
        unit_ids = set(person.lts_episodes.values_list("unit_id", flat=True))
        events += _history(CqcRating, "rating", "CQC rating",
                           lambda r: f" {r.get_rating_display()} (rated {r.rated_on:%d %b %Y})",
                           unit_id__in=unit_ids)
    if "review" in kinds:
        events += _history(Review, "review", "Review", _status, id__in=review_ids)
    if "action" in kinds:
        events += _history(Action, "action", "Action", _status, review_id__in=review_ids)
        updates = ActionUpdate.objects.filter(action__review_id__in=review_ids).select_related(
            "author")
        events += [Event(u.created_at, "action", "Action update posted", str(u.author), u.text)
                   for u in updates]
    if "case" in kinds:
        events += _history(IntervenorCase, "case", "Intervenor case", _status, id__in=case_ids)
        activities = CaseActivity.objects.filter(case_id__in=case_ids).select_related("author")
        events += [Event(a.created_at, "case", f"{a.get_kind_display()} logged", str(a.author),
                         a.text) for a in activities]
    return sorted(events, key=lambda e: e.at)

