"""What the intervenor pages show, shaped for their templates (see referrals/presenters.py)."""
from pathways.frontend.choices import label
from pathways.frontend.dates import day_month_year
from pathways.links import link
from referrals.presenters import RankedRow


class WaitingRow(RankedRow):
    """A person waiting for a senior intervenor: the ranked facts, the unit's region, since when,
    and the next step for the reader (assign someone, or view the case)."""

    def __init__(self, row, can_assign: bool):
        super().__init__(row)
        self.region = label(row.person.current_unit, "region")
        self.waiting_since = day_month_year(row.case.waiting_since)
        self.action = "Assign" if can_assign else "View"
        self.action_url = link("intervenors:case", row.case.pk)


def waiting_rows(rows, can_assign: bool) -> list[WaitingRow]:
    return [WaitingRow(row, can_assign) for row in rows]
