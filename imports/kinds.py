"""What each kind of file holds, column by column, and how one row is brought in: through
the same services (and the same referral flow) a commissioner's form uses, so an imported
person, referral and LTS episode carry the same rules, object permissions and decisions."""
from dataclasses import dataclass

from accounts.models import Organisation
from accounts.roles import Role
from pathways.errors import DomainError
from referrals.models import Condition, Person, Route, Unit

from . import parsing


class RowError(Exception):
    """What is wrong with one row: [(column, message), ...]."""

    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    example: str
    notes: str

    @property
    def label(self) -> str:
        return self.name if self.required else f"{self.name} (optional)"


PEOPLE_COLUMNS = [
    Column("nhs_number", True, "943 476 5919",
           "10 digits; spaces or dashes between them are fine. A person already in Pathways "
           "(by NHS number) is left as they are, never recorded twice."),
    Column("given_name", False, "Sam", "As recorded by the commissioner."),
    Column("family_name", False, "Taylor", "As recorded by the commissioner."),
    Column("date_of_birth", True, "04/03/1991",
           "As 1991-03-04, 04/03/1991 (day first) or 4 March 1991."),
    Column("condition", True, "autism",
           "learning_disability, autism or both (or their names in full)."),
    Column("unit", True, "RZR01",
           "The unit's ODS site code, or its name as Pathways has it (Willow Ward)."),
    Column("lts_start_date", True, "2024-01-15",
           "The day long-term segregation started, in any of the date forms above."),
    Column("commissioner_ods", True, "QMJ",
           "The ODS code of the commissioning organisation responsible for the person."),
    Column("route", True, "review", "What the referral asks for: review, intervenor or both."),
    Column("reason", True, "In LTS since January; no community provider found.",
           "Why the person is referred (up to 4,000 characters)."),
]
COLUMNS = {"people": PEOPLE_COLUMNS}

# The errors the services raise name their field; these are the file's columns for them.
FIELD_COLUMNS = {"requested_route": "route", "current_unit": "unit"}


def may_import(user) -> bool:
    return user.is_active and (user.is_superuser or any(user.has_role(role) for role in (
        Role.ADMINISTRATOR, Role.COORDINATOR, Role.COMMISSIONER)))


class PeopleImport:
    """People in long-term segregation with their open referral, a row each."""

    def __init__(self, *, by, source: str):
        from workflows.flows import ReferralFlow

        self.by, self.source, self.start = by, source, ReferralFlow.start
        self.any_organisation = by.is_superuser or by.has_role(Role.ADMINISTRATOR) or \
            by.has_role(Role.COORDINATOR)
        self.organisations = {o.ods_code: o for o in Organisation.objects.exclude(ods_code=None)}
        self.units_by_code = {u.site_code: u for u in Unit.objects.exclude(site_code=None)}
        self.units_by_name: dict[str, list[Unit]] = {}
        for unit in Unit.objects.select_related("provider"):
            self.units_by_name.setdefault(unit.name.strip().lower(), []).append(unit)
        self.seen: dict[str, int] = {}

    def read(self, cells: dict) -> dict:
        readers = {
            "nhs_number": parsing.nhs_number,
            "given_name": lambda v: parsing.text(v, 100),
            "family_name": lambda v: parsing.text(v, 100),
            "date_of_birth": lambda v: parsing.day(v, "date of birth"),
            "condition": lambda v: parsing.choice(v, Condition, "condition"),
            "unit": lambda v: parsing.required(v, "unit's ODS site code or name"),
            "lts_start_date": lambda v: parsing.day(v, "date LTS started"),
            "commissioner_ods": lambda v: parsing.required(v, "commissioner's ODS code").upper(),
            "route": lambda v: parsing.choice(v, Route, "route"),
            "reason": lambda v: parsing.required(v, "reason for the referral"),
        }
        values, problems = {}, []
        for column, reader in readers.items():
            try:
                values[column] = reader(cells.get(column))
            except parsing.CellError as error:
                problems.append((column, str(error)))
        if problems:
            raise RowError(problems)
        return values

    def unit(self, named: str) -> Unit:
        unit = self.units_by_code.get(named.upper())
        if unit is not None:
            return unit
        found = self.units_by_name.get(named.lower(), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise RowError([("unit", f"{len(found)} units are called {named}: use the unit's "
                                     "ODS site code.")])
        raise RowError([("unit", f"No unit in Pathways has the site code or name {named}: "
                                 "ask an administrator to add it first.")])

    def bring_in(self, number: int, cells: dict) -> str:
        """Import one row: "created", or "present" for someone already in Pathways."""
        values = self.read(cells)
        if values["nhs_number"] in self.seen:
            raise RowError([("nhs_number", f"The same NHS number is on row "
                                           f"{self.seen[values['nhs_number']]}.")])
        self.seen[values["nhs_number"]] = number
        organisation = self.organisations.get(values["commissioner_ods"])
        if organisation is None:
            raise RowError([("commissioner_ods", f"No organisation in Pathways has the ODS code "
                                                 f"{values['commissioner_ods']}.")])
        if not self.any_organisation and organisation.pk != self.by.organisation_id:
            raise RowError([("commissioner_ods", "You can import only your own organisation's "
                                                 "people.")])
        unit = self.unit(values["unit"])
        existing = Person.objects.filter(nhs_number=values["nhs_number"]).first()
        if existing is not None:
            if not self.any_organisation and existing.commissioner_id != self.by.organisation_id:
                raise RowError([("nhs_number", "This NHS number is recorded by another "
                                               "organisation: ask the review coordinators.")])
            return "present"
        try:
            from referrals.services import person_create

            person = person_create(
                by=self.by, nhs_number=values["nhs_number"], date_of_birth=values["date_of_birth"],
                condition=values["condition"], commissioner=organisation, current_unit=unit,
                given_name=values["given_name"], family_name=values["family_name"],
                source=self.source)
            self.start.run(raised_by=self.by, person=person, reason=values["reason"],
                           requested_route=values["route"], unit=unit,
                           lts_start_date=values["lts_start_date"], concerns=[],
                           organisation=organisation, source=self.source)
        except DomainError as error:
            column = FIELD_COLUMNS.get(error.field, error.field) or "row"
            raise RowError([(column, error.message)])
        return "created"


KINDS = {"people": PeopleImport}
