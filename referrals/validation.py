"""Field rules shared by forms, services and the API."""
import re

from nhs_number import is_valid

from pathways.errors import DomainError

NHS_NUMBER_SHAPE = re.compile(r"[0-9]{10}")


def validate_nhs_number(value: str) -> str:
    """Return the NHS number as ten ASCII digits, or refuse it with a message a person can act on.

    Only the digits 0-9 count, and only spaces and tabs may separate them: `str.isdigit()` would
    let Arabic-Indic or full-width digits through, making a second person with the same number
    (issue 10). Every way a number enters (forms, API, services) comes through here.
    """
    digits = "".join(ch for ch in str(value) if ch not in " \t")
    if not NHS_NUMBER_SHAPE.fullmatch(digits):
        raise DomainError("Enter the NHS number as 10 digits, like 943 476 5919.",
                          field="nhs_number")
    if not is_valid(digits):
        raise DomainError("This NHS number is not valid: its check digit does not match. "
                          "Check it against the person's records.", field="nhs_number")
    return digits
