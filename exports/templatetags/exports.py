"""The download button on a list: it asks for a CSV export of what the list shows."""
from django import template

from ..services import filters_kept

register = template.Library()


@register.inclusion_tag("exports/_export_button.html")
def export_button(kind, text, filters=None):
    """`filters` is the list's filter form: a valid one's values go with the request, so the
    file holds the rows the page lists (every page of them)."""
    given = filters.cleaned_data if filters is not None and filters.is_valid() else {}
    return {"kind": kind, "text": text, "fields": filters_kept(kind, given).items()}
