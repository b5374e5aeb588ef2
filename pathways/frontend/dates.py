"""Dates as the pages write them, without a template filter's cost: the ranked lists, the
timeline and My work write one or two on every row. The same text as Django's
`date:"j M Y"` (and `"j M Y H:i"`), in local time for an aware datetime (tests/pathways/
test_frontend.py holds the two equal)."""
from datetime import datetime

from django.utils.timezone import is_aware, localtime

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_month_year(value, with_time: bool = False) -> str:
    if isinstance(value, datetime) and is_aware(value):   # as the filter: naive is shown as is
        value = localtime(value)
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{text} {value.hour:02d}:{value.minute:02d}" if with_time else text
