"""What a list's download button sends with its request."""
from .services import filters_kept


def export_fields(kind: str, filters=None) -> list[tuple[str, str]]:
    """(name, value) pairs for the hidden fields of the button: a valid filter form's values,
    those the export kind takes, a ticked box as "on"."""
    given = filters.cleaned_data if filters is not None and filters.is_valid() else {}
    return [(name, "on" if value is True else value)
            for name, value in filters_kept(kind, given).items()]
