"""The lists an intervenor's casework starts from (issue 45), kept as data an administrator
revises: the kinds of system barrier and the standard milestones of a discharge plan. The
migrations create them; the demo loader creates them again after a test has flushed the
database."""

BARRIER_KINDS = [
    ("no-provider", "No suitable community provider"),
    ("funding-dispute", "A funding dispute between commissioners"),
    ("housing", "Housing"),
    ("workforce", "Workforce"),
    ("justice-restrictions", "Ministry of Justice or court restrictions"),
    ("clinical-view", "A dispute over a clinical view"),
    ("family-advocacy", "Family or advocacy concerns"),
    ("other", "Other"),
]

MILESTONE_KINDS = [
    ("provider-identified", "A community provider identified"),
    ("funding-agreed", "Funding agreed"),
    ("housing-found", "Housing found"),
    ("care-team-ready", "The care team recruited and trained"),
    ("transition-visits", "Transition visits begun"),
    ("discharge-date-set", "A discharge date set"),
    ("discharged", "Discharged"),
    ("lts-ended", "LTS ended"),
]


def kinds_ensure(model, kinds) -> None:
    """Create the kinds that do not exist yet (never changes one an administrator edited)."""
    for order, (code, name) in enumerate(kinds, start=1):
        model.objects.get_or_create(code=code, defaults={"name": name, "order": order})
