"""A timeline event as the timeline page shows it."""
from django.utils.timezone import is_aware, localtime

from pathways.frontend.dates import day_month_year


class TimelineEvent:
    """When (machine- and human-readable), what kind, what happened, who, and why."""

    def __init__(self, event):
        at = localtime(event.at) if is_aware(event.at) else event.at
        self.datetime = at.isoformat()
        self.day = day_month_year(at)
        self.when = day_month_year(at, with_time=True)
        self.kind = event.kind_label
        self.title = event.title
        self.actor = event.actor
        self.reason = event.reason


def timeline_events(events) -> list[TimelineEvent]:
    return [TimelineEvent(event) for event in events]


# What was opened, in words, by the kind of record the access log names (audit.AccessLogEntry).
OPENED = {
    "referrals.Person": "Their record",
    "timeline": "Their timeline",
    "search": "Their entry in search results",
    "referrals.Referral": "A referral",
    "reviews.Review": "A review",
    "reviews.EasyReadSummary": "An easy-read summary",
    "reviews.Action": "An action",
    "intervenors.IntervenorCase": "Their intervenor case",
}


class AccessEntry:
    """One line of a person's access log: when, who, what was opened in words, whether it was
    shown or refused, and whether the page said who the person is (name, or initials)."""

    def __init__(self, entry):
        self.when = day_month_year(entry.at, with_time=True)
        self.who = str(entry.user) if entry.user is not None else "Anonymous"
        self.what = OPENED.get(entry.object_type, "Another record about them")
        self.granted = entry.granted
        self.identified = entry.identified


def access_entries(entries) -> list[AccessEntry]:
    return [AccessEntry(entry) for entry in entries]
