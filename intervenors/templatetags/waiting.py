"""The intervenor waiting list's rows, drawn in Python as the queue's are
(`referrals/templatetags/rows.py` says why)."""
from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from pathways.templatetags.links import link
from pathways.templatetags.nhsuk import day_month_year, secondary, tag
from referrals.templatetags.rows import score_cell, whose

register = template.Library()

# A constant, written as the template's literal was (not escaped).
CHILD = mark_safe("Child: children's intervenor first")  # noqa: S308


@register.simple_tag
def waiting_row(row, can_assign):
    person, unit = row.person, row.person.current_unit
    return format_html(
        '<tr><td class="num">{}</td>'
        '<td><span class="nhsuk-u-nowrap">{}</span>{}<br>{}</td>'
        '<td class="num">{}</td>'
        '<td class="num">{}</td>'
        '<td>{}<br>{}</td>'
        '<td>{}</td>'
        '<td><a href="{}">{}</a></td></tr>',
        row.rank, person.reference,
        format_html(" {}", tag(CHILD, "orange")) if row.priority.age < 18 else "",
        secondary(f"Age {row.priority.age}"), score_cell(row),
        f"{row.priority.days_in_lts:,}",
        (unit.name if unit is not None else "") or "–",
        secondary(unit.get_region_display() if unit is not None else ""),
        day_month_year(row.case.waiting_since),
        link("intervenors:case", row.case.pk),
        whose("Assign" if can_assign else "View", person.reference))
