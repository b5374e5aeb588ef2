"""A success message that leads to the next step (issue 44: "a coordinator is always one click
from the next step"): the sentence, then a link to where the next piece of work is done. The
layout draws it in the success banner (templates/base.jinja)."""
from django.contrib import messages
from django.utils.html import format_html


def done_then(request, text: str, *, next_step: str, href: str) -> None:
    messages.success(request, format_html('{} <a href="{}">{}</a>', text, href, next_step))
