"""Finding a person (issue 32): by their Pathways reference or NHS number, exactly, for anyone
who may see people; by name and date of birth for those who may see names (issue 44). Only ever
among the people the searcher may see: someone else's person is simply not found, with the
same answer as nobody at all."""
import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from accounts.roles import Role
from accounts.selectors import reads_everything

from .models import Person
from .selectors import people_visible

REFERENCE = re.compile(r"^PW-?[A-Z0-9]{3,10}$")
NHS_NUMBER_SEPARATORS = re.compile(r"[\s\-]+")
# Name searches list at most this many people (the date of birth narrows them anyway).
MOST = 25


@dataclass(frozen=True)
class Search:
    """What was asked: `kind` is "reference", "nhs_number", "name" or "" (nothing usable)."""

    kind: str
    value: str = ""
    born: date | None = None


def search_read(text: str = "", name: str = "", born: date | None = None) -> Search:
    """Read a search box: a reference (any case, with or without its dash), or an NHS number
    with any spaces or dashes; failing those, a name with a date of birth."""
    text = (text or "").strip()
    upper = text.upper().replace(" ", "")
    if REFERENCE.match(upper):
        reference = upper if "-" in upper else f"PW-{upper[2:]}"
        return Search("reference", reference)
    digits = NHS_NUMBER_SEPARATORS.sub("", text)
    if re.fullmatch(r"[0-9]{10}", digits):
        return Search("nhs_number", digits)
    name = (name or "").strip()
    if name and born is not None:
        return Search("name", name[:100], born)
    return Search("")


# Roles whose people are theirs by relationship: they see those people's names (decision 0022).
RELATED_ROLES = (Role.COMMISSIONER, Role.CHAIR, Role.PANEL_MEMBER, Role.INTERVENOR)


def may_search_by_name(user) -> bool:
    """Those who may see people's names may find them by name (issue 44, the banner's rule,
    decision 0022): coordinators, among everyone; commissioners, panel members and intervenors,
    among the people they hold by relationship. The oversight group reads every record by
    reference only, so a name search would tell it what the banner does not: it has none."""
    if not user.is_active:
        return False
    if user.has_role(Role.COORDINATOR):
        return True
    if reads_everything(user, "referrals.view_person"):
        return False
    return any(user.has_role(role) for role in RELATED_ROLES)


def people_found(user, search: Search) -> QuerySet[Person]:
    """The people the search finds among those `user` may see, exact matches only."""
    people = people_visible(user)
    if search.kind == "reference":
        return people.filter(reference=search.value)
    if search.kind == "nhs_number":
        return people.filter(nhs_number=search.value)
    if search.kind == "name" and may_search_by_name(user):
        words = search.value.split()
        named = Q()
        for word in words:
            named &= Q(given_name__iexact=word) | Q(family_name__iexact=word)
        full = Q(family_name__iexact=search.value) | Q(given_name__iexact=search.value)
        return people.filter(date_of_birth=search.born).filter(named | full).order_by(
            "family_name", "given_name", "reference")[:MOST]
    return people.none()
