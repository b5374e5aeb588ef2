"""Field rules shared by forms, services and the API."""
from nhs_number import is_valid

from pathways.errors import DomainError


def validate_nhs_number(value: str) -> str:
    """Return the NHS number as ten digits, or refuse it with a message a person can act on."""
    digits = "".join(ch for ch in str(value) if not ch.isspace())
    if not digits.isdigit() or len(digits) != 10:
        raise DomainError("Enter the NHS number as 10 digits, like 943 476 5919.",
                          field="nhs_number")
    if not is_valid(digits):
        raise DomainError("This NHS number is not valid: its check digit does not match. "
                          "Check it against the person's records.", field="nhs_number")
    return digits
