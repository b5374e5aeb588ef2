"""A row of My work as the page shows it."""
from pathways.frontend.dates import day_month_year


class WorkRow:
    """What to do and for whom, who has taken it on (you, or someone else), since when, and
    by when, overdue or not."""

    def __init__(self, item, my_name: str, today):
        self.step, self.url, self.reference = item.step, item.url, item.reference
        self.about = item.about
        self.taken_by = ("you" if item.taken_by == my_name else item.taken_by) \
            if item.taken_by else ""
        self.since = day_month_year(item.since) if item.since else "–"
        self.due = day_month_year(item.due) if item.due else "–"
        self.overdue = bool(item.due) and item.overdue_on(today)


def work_rows(items, my_name: str, today) -> list[WorkRow]:
    return [WorkRow(item, my_name, today) for item in items]
