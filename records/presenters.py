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
