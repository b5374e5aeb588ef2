"""Each senior intervenor's current cases, a row each: the person (already in Pathways),
the intervenor and the day the work began. Through the real flow and the same assignment
service as the waiting list, so the three-case limit holds: a fourth case for anyone is an
error on its row, never skipped."""
from datetime import date

from intervenors.models import Intervenor, IntervenorCase
from pathways.errors import DomainError
from referrals.models import Person

from .. import parsing
from .base import NOT_IN_PATHWAYS, Column, Kind, RowError, cells_read, refused

COLUMNS = [
    Column("nhs_number", True, "943 476 5919",
           "The person's NHS number. They must be in Pathways already: import the people file "
           "first."),
    Column("intervenor", True, "intervenor3@example.nhs.uk",
           "The senior intervenor's email address, as on their Pathways account."),
    Column("start_date", True, "01/09/2026", "The day the intervenor began work with the person."),
]
FIELD_COLUMNS = {"intervenor": "intervenor", "since": "start_date", "reason": "intervenor"}


class CasesImport(Kind):
    key, title, sheet, columns = "cases", "Intervenor cases", "Cases", COLUMNS

    def __init__(self, *, by, source: str):
        super().__init__(by=by, source=source)
        self.intervenors = {i.user.email.lower(): i for i in
                            Intervenor.objects.select_related("user").exclude(user__email="")}
        self.seen: dict[str, int] = {}

    def bring_in(self, number: int, cells: dict) -> str:
        from workflows.services import case_record_existing

        values = cells_read(cells, {
            "nhs_number": parsing.nhs_number,
            "intervenor": lambda v: parsing.required(v, "intervenor's email address").lower(),
            "start_date": lambda v: parsing.day(v, "start date"),
        })
        if values["start_date"] > date.today():
            raise RowError([("start_date", "The start date is in the future: a case imported "
                                           "is one already under way.")])
        if values["nhs_number"] in self.seen:
            raise RowError([("nhs_number", f"The same person is on row "
                                           f"{self.seen[values['nhs_number']]}: a person has "
                                           "one intervenor at a time.")])
        intervenor = self.intervenors.get(values["intervenor"])
        if intervenor is None:
            raise RowError([("intervenor", f"No senior intervenor in Pathways has the email "
                                           f"address {values['intervenor']}.")])
        person = Person.objects.filter(nhs_number=values["nhs_number"]).first()
        if person is None:
            raise RowError([("nhs_number", NOT_IN_PATHWAYS)])
        active = (IntervenorCase.objects.select_related("intervenor__user")
                  .filter(person=person, status=IntervenorCase.Status.ACTIVE).first())
        if active is not None:
            if active.intervenor_id == intervenor.pk:
                self.seen[values["nhs_number"]] = number
                return "present"
            raise RowError([("intervenor", f"{person.reference} already has an active case "
                                           f"with {active.intervenor}: reassign it in Pathways "
                                           "if that has changed.")])
        try:
            case_record_existing(person=person, intervenor=intervenor,
                                 since=values["start_date"], by=self.by, source=self.source)
        except DomainError as error:
            raise refused(error, FIELD_COLUMNS)
        self.seen[values["nhs_number"]] = number
        return "created"
