"""What every page's form handling shares: a refused change becomes a message on the form."""
from collections.abc import Callable
from datetime import date

from django import forms

from pathways.errors import DomainError


def attach_refusal(form, error: DomainError) -> None:
    """Show a service's refusal next to its field (or above the form)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def apply_form(form, perform: Callable[[dict], object]) -> bool:
    """Validate `form`, then run `perform(cleaned_data)`. True if the change was made."""
    if not form.is_valid():
        return False
    try:
        perform(form.cleaned_data)
    except DomainError as error:
        attach_refusal(form, error)
        return False
    return True


def typed_values(form) -> dict:
    """What was posted for each field, as typed and unvalidated: a form shown again without
    errors (say, after "Add another") keeps it as initial values."""
    return {name: form[name].data for name in form.fields}


class DateParts(forms.MultiWidget):
    """The design system's date input: day, month and year boxes. The NHS macro names them
    <name>[day], <name>[month], <name>[year]; <name>_day etc. (older pages, scripts and tests)
    are read too."""

    nhsuk_kind = "date"
    PARTS = ("day", "month", "year")

    def __init__(self, attrs=None):
        widgets = {part: forms.TextInput(attrs={"inputmode": "numeric"}) for part in self.PARTS}
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, str) and value.count("-") == 2:  # an ISO date as initial data
            year, month, day = value.split("-")
            return [day.lstrip("0"), month.lstrip("0"), year]
        return [None, None, None]

    @staticmethod
    def _posted(data, name, part):
        value = data.get(f"{name}[{part}]")
        return data.get(f"{name}_{part}") if value is None else value

    def value_from_datadict(self, data, files, name):
        parts = tuple((self._posted(data, name, part) or "").strip() for part in self.PARTS)
        if not any(parts) and data.get(name):  # one ISO date (scripts, older pages)
            return data[name]
        return parts

    def value_omitted_from_data(self, data, files, name):
        return name not in data and all(self._posted(data, name, part) is None
                                        for part in self.PARTS)

    def part_values(self, bound_field) -> dict:
        """{"day": …, "month": …, "year": …} as typed, or from the field's date."""
        value = bound_field.value()
        values = value if isinstance(value, (tuple, list)) else self.decompress(value)
        return {part: values[i] or "" for i, part in enumerate(self.PARTS)}


class DateField(forms.DateField):
    """A date typed as day, month and year, with the design system's error messages."""

    widget = DateParts

    def to_python(self, value):
        if isinstance(value, date):
            return value
        if isinstance(value, str):  # the API and old form posts send ISO dates
            return super().to_python(value)
        day, month, year = value if value else ("", "", "")
        if not (day or month or year):
            return None
        missing = [name for name, part in zip(DateParts.PARTS, (day, month, year), strict=True) if not part]
        label = self.label or "Date"
        if missing:
            raise forms.ValidationError(f"{label} must include a {' and a '.join(missing)}",
                                        code="invalid")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise forms.ValidationError(f"{label} must be a real date, like 27 3 2025",
                                        code="invalid")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"{label} must be a real date, like 27 3 2025",
                                        code="invalid") from None
