"""People in long-term segregation with their open referral, a row each: brought in through
the same services (and the same referral flow) a commissioner's form uses, so an imported
person, referral and LTS episode carry the same rules, object permissions and decisions."""
from collections.abc import Iterator
from contextlib import suppress

from accounts.models import Organisation
from accounts.roles import Role
from pathways.errors import DomainError
from referrals.models import (
    Concern,
    Condition,
    LtsAgeLimits,
    Person,
    ProtectedCharacteristics,
    Route,
    Unit,
)
from referrals.validation import (
    age_on,
    validate_date_of_birth,
    validate_lts_dates,
    validate_nhs_number,
    validate_referral,
)

from .. import parsing
from .base import PERSON_ELSEWHERE, Column, Kind, RowError, cells_read, refused

COLUMNS = [
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
    Column("admission_date", False, "2023-11-02",
           "The day the person was admitted to hospital, if known: LTS cannot begin before "
           "it."),
    Column("ethnicity", False, "A",
           "The NHS Data Dictionary ethnic category: its letter (A to S, Z for not stated) or "
           "its name. Blank is recorded as not stated."),
    Column("sex", False, "female", "female, male or not_stated. Blank is not stated."),
    Column("religion", False, "", "As the person describes it, if they have said."),
    Column("disability", False, "", "Any disability the person has told us of."),
    Column("concern", False, "Family have not been able to visit since March.",
           "One concern raised about the person's care, if any (up to 4,000 characters). "
           "Open concerns count towards the priority score."),
    Column("concern_source", False, "family",
           "Who raised the concern: person, family, advocate, system, cqc or commissioner."),
    Column("concern_category", False, "family_contact",
           "physical_health, restraint, family_contact, environment, quality_of_care, "
           "safeguarding or other."),
    Column("concern_severity", False, "high", "low, medium or high."),
]

# The errors the services raise name their field; these are the file's columns for them.
FIELD_COLUMNS = {"requested_route": "route", "current_unit": "unit", "description": "concern",
                 "admitted_on": "admission_date",
                 "source": "concern_source", "category": "concern_category",
                 "severity": "concern_severity", "raised_on": "concern"}


class PeopleImport(Kind):
    key, title, sheet, columns = "people", "People and referrals", "People", COLUMNS
    roles = (Role.ADMINISTRATOR, Role.COORDINATOR, Role.COMMISSIONER)

    def __init__(self, *, by, source: str):
        from workflows.flows import ReferralFlow

        super().__init__(by=by, source=source)
        self.start = ReferralFlow.start
        self.any_organisation = by.is_superuser or by.has_role(Role.ADMINISTRATOR) or \
            by.has_role(Role.COORDINATOR)
        self.organisations = {o.ods_code: o for o in Organisation.objects.exclude(ods_code=None)}
        self.units_by_code = {u.site_code: u for u in Unit.objects.exclude(site_code=None)}
        self.units_by_name: dict[str, list[Unit]] = {}
        for unit in Unit.objects.select_related("provider"):
            self.units_by_name.setdefault(unit.name.strip().lower(), []).append(unit)
        self.seen: dict[str, int] = {}
        self.holders: dict[str, object] = {}        # NHS number -> commissioner, of those known
        self.confirm_under = LtsAgeLimits.current().confirm_under
        # People held by another organisation whom this import tried to bring in: each
        # refusal is recorded and the coordinators told, once the import is rolled back.
        self.elsewhere: list[Person] = []

    def read(self, cells: dict) -> dict:
        values = cells_read(cells, {
            "nhs_number": parsing.nhs_number,
            "given_name": lambda v: parsing.text(v, 100),
            "family_name": lambda v: parsing.text(v, 100),
            "date_of_birth": lambda v: parsing.day(v, "date of birth"),
            "condition": lambda v: parsing.choice(v, Condition, "condition"),
            "unit": lambda v: parsing.required(v, "unit's ODS site code or name"),
            "lts_start_date": lambda v: parsing.day(v, "date LTS started"),
            "admission_date": parsing.optional(lambda v: parsing.day(v, "date admitted")),
            "commissioner_ods": lambda v: parsing.required(v, "commissioner's ODS code").upper(),
            "route": lambda v: parsing.choice(v, Route, "route"),
            "reason": lambda v: parsing.required(v, "reason for the referral"),
            "ethnicity": parsing.optional(lambda v: parsing.choice(
                v, ProtectedCharacteristics.Ethnicity, "ethnic category")),
            "sex": parsing.optional(lambda v: parsing.choice(v, ProtectedCharacteristics.Sex, "sex")),
            "religion": lambda v: parsing.text(v, 100),
            "disability": lambda v: parsing.text(v, 200),
            "concern": lambda v: parsing.text(v, 4000),
            "concern_source": parsing.optional(lambda v: parsing.choice(v, Concern.Source,
                                                                 "concern's source")),
            "concern_category": parsing.optional(lambda v: parsing.choice(v, Concern.Category,
                                                                   "concern's category")),
            "concern_severity": parsing.optional(lambda v: parsing.choice(v, Concern.Severity,
                                                                   "concern's severity")),
        })
        if values["concern"]:
            missing = [(c, f"Say the {c.removeprefix('concern_')} of the concern.")
                       for c in ("concern_source", "concern_category", "concern_severity")
                       if not values[c]]
            if missing:
                raise RowError(missing)
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

    def _placed(self, number: int, values: dict):
        """The row's organisation and unit, once the row may name them (shared by the check
        and the import)."""
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
        return organisation, self.unit(values["unit"])

    def _held_elsewhere(self, holder_id) -> bool:
        """A person this importer may not see: recorded by another commissioning organisation,
        for an importer who is not a coordinator or an administrator."""
        return not self.any_organisation and holder_id != self.by.organisation_id

    def _notice(self, number: int, values: dict) -> None:
        age = age_on(values["date_of_birth"], values["lts_start_date"])
        if age < self.confirm_under:
            self.notices.append({"row": number, "message": (
                f"The person was {age} when long-term segregation began: the coordinator who "
                "triages the referral will be asked to confirm the dates.")})

    def check_all(self, rows) -> Iterator[tuple[int, str | RowError]]:
        """What importing each row would do, found without writing anything: one query for
        every NHS number in the file, then the rules the services hold (referrals.validation),
        row by row in memory. A person recorded by another organisation is previewed exactly
        as a new person is (round 4, finding 1): whether someone else holds a number is not
        the importer's to learn from a check. Importing such a row is refused, as the referral
        form refuses it, and the refusal is recorded (`elsewhere`)."""
        read = []
        for number, cells in rows:
            try:
                read.append((number, self.read(cells)))
            except RowError as error:
                read.append((number, error))
        numbers = [values["nhs_number"] for _, values in read if isinstance(values, dict)]
        holders = dict(Person.objects.filter(nhs_number__in=numbers)
                       .values_list("nhs_number", "commissioner_id"))
        for number, values in read:
            if isinstance(values, RowError):
                yield number, values
                continue
            try:
                _, unit = self._placed(number, values)
                known = values["nhs_number"] in holders
                if known and not self._held_elsewhere(holders[values["nhs_number"]]):
                    yield number, "present"
                    continue
                validate_nhs_number(values["nhs_number"])        # its check digit
                validate_date_of_birth(values["date_of_birth"])
                validate_lts_dates(start_date=values["lts_start_date"],
                                   date_of_birth=values["date_of_birth"], unit=unit,
                                   admitted_on=values["admission_date"])
                validate_referral(reason=values["reason"], requested_route=values["route"])
            except DomainError as error:
                yield number, refused(error, FIELD_COLUMNS)
                continue
            except RowError as error:
                yield number, error
                continue
            self._notice(number, values)
            yield number, "created"

    def bring_in_all(self, rows):
        """As every kind does, knowing first (in one query) which of the file's NHS numbers
        are already in Pathways, and who holds them."""
        rows = list(rows)
        numbers = []
        for _, cells in rows:
            with suppress(parsing.CellError):   # such a row says what is wrong itself
                numbers.append(parsing.nhs_number(cells.get("nhs_number")))
        self.holders = dict(Person.objects.filter(nhs_number__in=numbers)
                            .values_list("nhs_number", "commissioner_id"))
        yield from super().bring_in_all(rows)

    def bring_in(self, number: int, cells: dict) -> str:
        """Import one row: "created", or "present" for someone already in Pathways."""
        values = self.read(cells)
        organisation, unit = self._placed(number, values)
        if values["nhs_number"] in self.holders:
            if self._held_elsewhere(self.holders[values["nhs_number"]]):
                self.elsewhere.append(Person.objects.get(nhs_number=values["nhs_number"]))
                raise RowError([("nhs_number", PERSON_ELSEWHERE)])
            return "present"
        characteristics = {name: values[name] for name in ("ethnicity", "sex", "religion",
                                                            "disability") if values[name]}
        concerns = [{"source": values["concern_source"], "category": values["concern_category"],
                     "severity": values["concern_severity"], "description": values["concern"]}
                    ] if values["concern"] else []
        try:
            self.start.run(
                raised_by=self.by, new_person={
                    "nhs_number": values["nhs_number"], "date_of_birth": values["date_of_birth"],
                    "condition": values["condition"], "commissioner": organisation,
                    "current_unit": unit, "given_name": values["given_name"],
                    "family_name": values["family_name"], "characteristics": characteristics},
                reason=values["reason"], requested_route=values["route"], unit=unit,
                lts_start_date=values["lts_start_date"], concerns=concerns,
                organisation=organisation, source=self.source,
                admitted_on=values["admission_date"])
        except DomainError as error:
            raise refused(error, FIELD_COLUMNS)
        self._notice(number, values)
        return "created"
