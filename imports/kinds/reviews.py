"""Past IC(E)TRs, one row per action: the review's columns repeat on each of its rows, and
rows with the same person and date held are one review, rows with the same recommendation text
one recommendation. A review already in Pathways (same person, same day) is left as it is."""
from collections.abc import Iterable, Iterator
from datetime import date

from accounts.models import User
from pathways import batch
from pathways.errors import DomainError
from referrals.models import Person
from reviews.models import ActionStatus, Review, Theme
from reviews.services import action_owner_check

from .. import parsing
from .base import NOT_IN_PATHWAYS, Column, Kind, RowError, cells_read, refused

COLUMNS = [
    Column("nhs_number", True, "943 476 5919",
           "The person's NHS number. They must be in Pathways already: import the people file "
           "first."),
    Column("held_on", True, "12/05/2026",
           "The day the panel was held. Rows with the same person and day are one review."),
    Column("chair", True, "chair@example.nhs.uk",
           "The chair's email address, as on their Pathways account (with the Review chair "
           "role)."),
    Column("findings", True, "Sam's segregation is not reviewed weekly as required.",
           "What the panel found (up to 16,000 characters), the same on each of the review's "
           "rows."),
    Column("report_summary", False, "Three recommendations to the commissioner.",
           "The report's summary, if there was one."),
    Column("report_issued_on", False, "26/05/2026",
           "The day the report was issued; blank for the day the panel was held."),
    Column("recommendation", True, "Find a community provider within three months.",
           "The recommendation's text. Rows with the same text are one recommendation."),
    Column("theme", False, "environment",
           "The recommendation's theme of learning: its code or name as Pathways has it."),
    Column("action", True, "Hold a provider market event.", "What is to be done."),
    Column("action_owner", True, "wardmanager@example.nhs.uk",
           "The email address of the person who owns the action (a commissioner, an "
           "intervenor or a named action owner with a Pathways account)."),
    Column("due_date", True, "31/08/2026",
           "When the action is due: not before the report was issued."),
    Column("action_status", False, "in_progress",
           "open, in_progress, completed, verified or cancelled; blank for open."),
    Column("action_note", False, "",
           "For a completed action the evidence, for a cancelled one the reason."),
]
FIELD_COLUMNS = {"held_on": "held_on", "chair": "chair", "findings": "findings",
                 "report_issued_on": "report_issued_on", "recommendations": "action_owner",
                 "recommendation": "recommendation", "theme": "theme", "due_date": "due_date",
                 "status": "action_status", "nhs_number": "nhs_number"}
# The columns that belong to the review, not the action: the same on each of its rows.
REVIEW_COLUMNS = ("chair", "findings", "report_summary", "report_issued_on")


class ReviewsImport(Kind):
    key, title, sheet, columns = "reviews", "Past reviews", "Reviews", COLUMNS

    def __init__(self, *, by, source: str):
        super().__init__(by=by, source=source)
        self.users = {}
        for user in User.objects.filter(is_active=True).exclude(email=""):
            self.users.setdefault(user.email.lower(), user)
        self.themes = {}
        for theme in Theme.objects.filter(active=True):
            self.themes[theme.code.lower()] = self.themes[theme.name.lower()] = theme

    def user(self, email: str, column: str, what: str) -> User:
        user = self.users.get(email.lower())
        if user is None:
            raise RowError([(column, f"No one in Pathways has the email address {email}: ask "
                                     f"an administrator to add the {what} first.")])
        return user

    def read(self, cells: dict) -> dict:
        values = cells_read(cells, {
            "nhs_number": parsing.nhs_number,
            "held_on": lambda v: parsing.day(v, "day the panel was held"),
            "chair": lambda v: parsing.required(v, "chair's email address"),
            "findings": lambda v: parsing.required(v, "panel's findings", 16000),
            "report_summary": lambda v: parsing.text(v, 8000),
            "report_issued_on": parsing.optional(
                lambda v: parsing.day(v, "day the report was issued")),
            "recommendation": lambda v: parsing.required(v, "recommendation"),
            "theme": lambda v: parsing.text(v, 200),
            "action": lambda v: parsing.required(v, "action"),
            "action_owner": lambda v: parsing.required(v, "action owner's email address"),
            "due_date": lambda v: parsing.day(v, "due date"),
            "action_status": parsing.optional(
                lambda v: parsing.choice(v, ActionStatus, "action's status"), ActionStatus.OPEN),
            "action_note": lambda v: parsing.text(v, 8000),
        })
        problems = []
        if values["held_on"] > date.today():
            problems.append(("held_on", "The panel cannot have been held on a future date."))
        issued = values["report_issued_on"] or values["held_on"]
        if values["due_date"] < issued:
            problems.append(("due_date", f"This is before the recommendation was made on "
                                         f"{issued:%-d %B %Y}: check the due date."))
        theme = values["theme"]
        if theme and theme.lower() not in self.themes:
            problems.append(("theme", f"Pathways has no theme {theme}: use one of the codes on "
                                      "the themes page, or leave it blank."))
        if problems:
            raise RowError(problems)
        values["theme"] = self.themes.get(theme.lower()) if theme else None
        values["chair"] = self.user(values["chair"], "chair", "chair")
        values["action_owner"] = owner = self.user(values["action_owner"], "action_owner", "owner")
        try:
            action_owner_check(owner, where="on this row")
        except DomainError as error:
            raise RowError([("action_owner", error.message)])
        return values

    def bring_in_all(self, rows: Iterable[tuple[int, dict]]) -> Iterator[tuple[int, str | RowError]]:
        groups: dict[tuple, list[tuple[int, dict]]] = {}
        for number, cells in rows:
            try:
                values = self.read(cells)
            except RowError as error:
                yield number, error
                continue
            group = groups.setdefault((values["nhs_number"], values["held_on"]), [])
            if group:
                first_number, first = group[0]
                differ = [(c, f"This differs from row {first_number}, the same review: a review "
                              "has one value here.") for c in REVIEW_COLUMNS
                          if values[c] != first[c]]
                if differ:
                    yield number, RowError(differ)
                    continue
            group.append((number, values))
        for (nhs_number, held_on), group in groups.items():
            yield from self.review(nhs_number, held_on, group)

    def review(self, nhs_number, held_on, group) -> Iterator[tuple[int, str | RowError]]:
        from workflows.services import review_record_past

        numbers = [number for number, _ in group]
        person = Person.objects.filter(nhs_number=nhs_number).first()
        if person is None:
            error = RowError([("nhs_number", NOT_IN_PATHWAYS)])
            yield from ((number, error) for number in numbers)
            return
        if Review.objects.filter(person=person, held_on=held_on).exists():
            yield from ((number, "present") for number in numbers)
            return
        recommendations: dict[str, dict] = {}
        for _, values in group:
            rec = recommendations.setdefault(values["recommendation"], {
                "text": values["recommendation"], "theme": values["theme"], "actions": []})
            rec["actions"].append({
                "text": values["action"], "owner": values["action_owner"],
                "due_date": values["due_date"], "status": values["action_status"],
                "note": values["action_note"]})
        first = group[0][1]
        referral = person.referrals.order_by("-raised_at").first()
        try:
            with batch.row():                   # the review stands or falls whole
                if referral is None:
                    raise DomainError(f"{person.reference} has no referral in Pathways: import "
                                      "their referral in a people file first.",
                                      field="nhs_number")
                review_record_past(
                    referral=referral, by=self.by, held_on=held_on, chair=first["chair"],
                    findings=first["findings"], summary=first["report_summary"],
                    report_issued_on=first["report_issued_on"],
                    recommendations=list(recommendations.values()), source=self.source)
        except DomainError as error:
            yield numbers[0], refused(error, FIELD_COLUMNS)
            yield from ((number, RowError([("row", f"Part of the review on row {numbers[0]}, "
                                                   "which has an error.")]))
                        for number in numbers[1:])
            return
        yield from ((number, "created") for number in numbers)
