"""A priority score explained, as the queue, the waiting list, triage and the person's page
show it: each component's points and the fact behind it, the flags, the policy version.

Written in Python rather than as an included template: the queue and the waiting list draw it
on every one of their fifty rows, where a template costs about 0.2 ms a row (half of the
queue's rendering). Flags are drawn by the design system's tag component (`{% tag %}`).
"""
from html import escape

from django import template
from django.utils.safestring import mark_safe

from pathways.templatetags.nhsuk import tag
from referrals.priority import Priority

register = template.Library()


@register.simple_tag
def score_breakdown(priority: Priority) -> str:
    items = "".join(
        f"<li><strong>{escape(c.label)}: {c.points} point{'' if c.points == 1 else 's'}"
        f"</strong> – {escape(c.fact)}</li>" for c in priority.components)
    flags = "".join(f"<p>{tag(flag, 'orange')}</p>" for flag in priority.flags)
    return mark_safe(  # noqa: S308 (every value is escaped or a number)
        f'<ul class="nhsuk-list nhsuk-list--bullet">{items}</ul>{flags}'
        f'<p class="nhsuk-body-s nhsuk-u-secondary-text-colour">Score {priority.score} under '
        f"priority policy v{priority.policy_version}. The score advises; the programme team "
        "decides.</p>")
