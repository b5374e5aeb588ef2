"""The triage queue's rows, drawn in Python (the waiting list's are drawn the same way, in
`intervenors/templatetags/waiting.py`, from the parts here).

Each list draws fifty rows of eight cells with a score explained in each. As a template, a row
cost about 0.2 ms (some 850 variable lookups a page), about a third of each page's time at
national scale. Here a row is one `format_html`, every value escaped; the cells are the same
design-system markup the templates wrote (tests/pathways/test_row_tags.py reads them back).
"""
from django import template
from django.utils.html import format_html

from pathways.templatetags.links import link
from pathways.templatetags.nhsuk import details, secondary

from .scores import score_breakdown

register = template.Library()


def score_cell(row):
    """A ranked row's score, and its explanation behind "Why"."""
    priority, reference = row.priority, row.person.reference
    return format_html('<strong>{}</strong> {}', priority.score, details(
        "Why", score_breakdown(priority), hidden=f"{reference} scores {priority.score}"))


def whose(text, reference):
    """A link's words, with whose row it is for a screen reader."""
    return format_html('{}<span class="nhsuk-u-visually-hidden"> {}</span>', text, reference)


@register.simple_tag
def queue_row(row, can_triage):
    person, unit = row.person, row.person.current_unit
    step = (("referrals:triage", "Triage") if can_triage else ("referrals:detail", "View"))
    return format_html(
        '<tr><td class="num">{}</td>'
        '<td><a class="nhsuk-u-nowrap" href="{}">{}</a><br>{}</td>'
        '<td class="num app-score">{}</td>'
        '<td class="num">{}</td>'
        '<td>{}<br>{}</td>'
        '<td class="num">{}</td>'
        '<td>{}</td>'
        '<td><a href="{}">{}</a></td></tr>',
        row.rank, link("referrals:person", person.pk), person.reference,
        secondary(f"Age {row.priority.age}"), score_cell(row),
        f"{row.priority.days_in_lts:,}",
        (unit.name if unit is not None else "") or "–",
        secondary(unit.get_cqc_rating_display() if unit is not None else ""),
        row.open_concerns, row.referral.get_requested_route_display(),
        link(step[0], row.referral.pk), whose(step[1], person.reference))
