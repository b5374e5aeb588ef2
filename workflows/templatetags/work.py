"""A row of My work, drawn in Python as the ranked lists' rows are
(`referrals/templatetags/rows.py` says why): every role's first page draws fifty."""
from django import template
from django.utils.html import format_html

from pathways.templatetags.nhsuk import day_month_year, secondary, tag
from referrals.templatetags.rows import whose

register = template.Library()


@register.simple_tag
def work_row(item, my_name, today):
    """`my_name` is the signed-in person's full name: a step they took on says "you"."""
    taken = format_html("<br>{}", secondary(format_html(
        "Taken on by {}", "you" if item.taken_by == my_name else item.taken_by))) \
        if item.taken_by else ""
    due = format_html("{}{}", day_month_year(item.due), format_html(" {}", tag(
        "Overdue", "red")) if item.overdue_on(today) else "") if item.due else "–"
    return format_html(
        '<tr><td><a href="{}">{}</a></td><td>{}{}</td><td>{}</td><td>{}</td></tr>',
        item.url, whose(item.step, f"for {item.reference}"), item.reference, taken,
        day_month_year(item.since) if item.since else "–", due)
