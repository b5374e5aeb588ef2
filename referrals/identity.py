"""Who a page about one person says they are (issue 44; decision 0022).

Acting on the wrong person is a hazard, so a page about one person carries a banner saying who
it is about, as NHS systems do. How much the banner says depends on the reader's relationship
with the person, not on their role alone:

- **Identified** (name, date of birth, NHS number, unit and reference): someone with a direct
  care or commissioning relationship. That is a review coordinator (the programme team, who
  triage and arrange each review and speak to the commissioner and the provider about the
  person), and anyone granted the person by relationship: the commissioners of the
  organisation that commissions or referred them, the chair and members of a panel about them,
  and the senior intervenor holding their case.
- **Initials** (initials, unit and reference): the named owner of an action about the person,
  on that action's page, so a ward manager with ten patients can tell them apart without
  seeing more than the action needs.
- **Reference only**: everyone else, the oversight group and administrators included. They
  read the programme as a whole and keep the pseudonymous reference.

A banner that identifies someone (either of the first two) is recorded in the access log
(`AccessLogEntry.identified`).
"""
from dataclasses import dataclass
from datetime import date

from accounts.roles import Role
from audit.services import access_record

from .models import Person, PersonGroupObjectPermission, PersonUserObjectPermission

IDENTIFIED, INITIALS, REFERENCE = "identified", "initials", "reference"


@dataclass(frozen=True)
class Identity:
    shown: str                     # IDENTIFIED, INITIALS or REFERENCE
    reference: str
    name: str = ""                 # the full name, or the initials
    date_of_birth: date | None = None
    age: int | None = None
    nhs_number: str = ""           # as 943 476 5919
    unit: str = ""

    @property
    def identifies(self) -> bool:
        return self.shown != REFERENCE


def related_by_grant(user, person: Person) -> bool:
    """The user holds the person by relationship: a grant to them (panel, intervenor) or to a
    group they are in (their organisation's commissioners)."""
    granted = {"content_object": person, "permission__codename": "view_person"}
    return (PersonUserObjectPermission.objects.filter(user=user, **granted).exists()
            or PersonGroupObjectPermission.objects.filter(group__user=user, **granted).exists())


def identity_for(user, person: Person, *, owns_action: bool = False) -> Identity:
    """What the banner on a page about `person` shows `user`. `owns_action`: the page is an
    action the user is the named owner of."""
    unit = person.current_unit.name if person.current_unit_id else ""
    if user.is_active and (user.has_role(Role.COORDINATOR) or related_by_grant(user, person)):
        name = " ".join(part for part in (person.given_name, person.family_name) if part)
        number = person.nhs_number
        return Identity(IDENTIFIED, person.reference, name=name or "Name not recorded",
                        date_of_birth=person.date_of_birth, age=person.age,
                        nhs_number=f"{number[:3]} {number[3:6]} {number[6:]}", unit=unit)
    if user.is_active and owns_action:
        initials = " ".join(f"{part.strip()[0].upper()}." for part in
                            (person.given_name, person.family_name) if part.strip())
        return Identity(INITIALS, person.reference, name=initials or "Initials not recorded",
                        unit=unit)
    return Identity(REFERENCE, person.reference)


def identity_shown(request, person: Person, *, obj=None, object_type: str = "",
                   object_id="", owns_action: bool = False) -> Identity:
    """The banner for a page about `person`, with the page's view recorded in the access log,
    saying whether it showed who they are."""
    identity = identity_for(request.user, person, owns_action=owns_action)
    access_record(request=request, obj=obj, person=person, object_type=object_type,
                  object_id=object_id, identified=identity.identifies)
    return identity
