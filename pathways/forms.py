"""What every page's form handling shares: a refused change becomes a message on the form."""
from collections.abc import Callable

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
