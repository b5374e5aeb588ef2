"""A timeline event, drawn in Python: a page of the timeline draws fifty, each with two dates, a
tag and up to three texts, which as a template cost about a quarter of the page's time at
national scale. The markup is what the template wrote (tests/pathways/test_row_tags.py)."""
from django import template
from django.utils.html import format_html
from django.utils.timezone import is_aware, localtime

from pathways.templatetags.nhsuk import day_month_year, secondary, tag

register = template.Library()


@register.simple_tag
def timeline_event(event):
    at = localtime(event.at) if is_aware(event.at) else event.at
    return format_html(
        '<li><time datetime="{}">{}</time> · {}<br>\n    <strong>{}</strong> – by {}{}</li>',
        at.isoformat(), day_month_year(at, with_time=True), tag(event.kind_label, "grey"),
        event.title, event.actor,
        format_html("<br>{}", secondary(format_html("Why: {}", event.reason)))
        if event.reason else "")
