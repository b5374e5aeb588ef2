"""Field rules shared by forms, services and the API."""
import re
from datetime import date

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


# Facts no record of a living person in LTS can hold (issue 32), held by the services so that
# forms, the API and any import refuse them alike. How young is too young to have begun LTS is
# data (referrals.models.LtsAgeLimits), revised by an administrator with a reason.
OLDEST_AGE = 110          # years: an older date of birth is a typing slip (1880 for 1980)


def age_on(date_of_birth: date, day: date) -> int:
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month,
                                                                     date_of_birth.day))


def validate_date_of_birth(date_of_birth: date, today: date | None = None) -> date:
    today = today or date.today()
    if date_of_birth > today:
        raise DomainError("The date of birth cannot be in the future.", field="date_of_birth")
    if age_on(date_of_birth, today) > OLDEST_AGE:
        raise DomainError(f"Check the date of birth: it would make the person over "
                          f"{OLDEST_AGE}. Is the year right?", field="date_of_birth")
    return date_of_birth


def validate_lts_start(start_date: date, date_of_birth: date) -> date:
    if start_date < date_of_birth:
        raise DomainError("The LTS start date cannot be before the date of birth.",
                          field="lts_start_date")
    from .models import LtsAgeLimits

    age = age_on(date_of_birth, start_date)
    youngest = LtsAgeLimits.current().refuse_under
    if age < youngest:
        raise DomainError(f"Check the dates: the person would have been {age} when long-term "
                          f"segregation began, younger than {youngest}. Is the start "
                          "date or the date of birth mistyped?", field="lts_start_date")
    return start_date


def young_at_lts_start(referral) -> int | None:
    """The person's age when their current LTS began, when it is young enough for a coordinator
    to confirm the dates at triage (below LtsAgeLimits.confirm_under); else None."""
    from .models import LtsAgeLimits

    episode = referral.person.lts_episodes.filter(end_date__isnull=True).first()
    if episode is None:
        return None
    age = age_on(referral.person.date_of_birth, episode.start_date)
    return age if age < LtsAgeLimits.current().confirm_under else None


def validate_lts_dates(*, start_date: date, date_of_birth: date, unit,
                       admitted_on: date | None = None, today: date | None = None) -> None:
    """The rules an LTS episode's dates keep, for the service that records one and for an
    import's check: not in the future, not before birth (nor too young: validate_lts_start),
    not before the admission where it is known, not before the unit opened."""
    today = today or date.today()
    if start_date > today:
        raise DomainError("The LTS start date cannot be in the future.", field="lts_start_date")
    validate_lts_start(start_date, date_of_birth)
    if admitted_on is not None:
        if admitted_on > today:
            raise DomainError("The date admitted cannot be in the future.", field="admitted_on")
        if admitted_on < date_of_birth:
            raise DomainError("The date admitted cannot be before the date of birth.",
                              field="admitted_on")
        if start_date < admitted_on:
            raise DomainError(f"Long-term segregation cannot have begun before the admission on "
                              f"{admitted_on:%-d %B %Y}: check both dates.",
                              field="lts_start_date")
    if unit.opened_on is not None and start_date < unit.opened_on:
        raise DomainError(f"{unit.name} opened on {unit.opened_on:%-d %B %Y}: long-term "
                          "segregation there cannot have begun before it. Check the start date "
                          "and the unit.", field="lts_start_date")


MAX_CONCERNS_PER_REFERRAL = 20


def validate_referral(*, reason: str, requested_route: str, concerns=()) -> None:
    """What a referral itself must say, for the service that raises one and for an import's
    check."""
    from .models import Route

    if len(concerns) > MAX_CONCERNS_PER_REFERRAL:
        raise DomainError(f"A referral can carry at most {MAX_CONCERNS_PER_REFERRAL} concerns; "
                          "add more to the person's record afterwards.", field="concerns")
    if requested_route not in Route.values:
        raise DomainError("Choose a route: IC(E)TR review, senior intervenor or both.",
                          field="requested_route")
    if not reason.strip():
        raise DomainError("Say why you are referring this person.", field="reason")
