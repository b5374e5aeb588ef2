"""A field's choice label, as `get_FOO_display()` gives it, from a table built once per field.

Django's `get_FOO_display()` builds the field's choices into a new dict on every call (about
3.5 µs here). A ranked list shows two or three labels on each of its 50 rows, so the presenters
read them from this table instead (a dictionary look-up, under 0.1 µs).
tests/pathways/test_frontend.py holds the two equal, for every value and for one outside the
choices (shown as stored, as Django shows it).
"""
from functools import cache


@cache
def _labels(model, field: str) -> dict:
    # The labels are fixed English text (no choice of ours is translated), made text once.
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


def label(instance, field: str) -> str:
    """The label of `instance`'s choice in `field`; the stored value when it is not a choice;
    nothing when there is no instance (a person with no current unit, say)."""
    if instance is None:
        return ""
    value = getattr(instance, field)
    return _labels(type(instance), field).get(value, value)
