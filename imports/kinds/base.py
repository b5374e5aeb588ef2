"""What every kind of import shares: a row's errors, a column's description, and bringing
rows in one at a time, each in its own savepoint so that one bad row is reported and the rest
are still checked."""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from accounts.roles import Role
from pathways.errors import DomainError

from .. import parsing


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


# Past reviews and cases are matched to people already in Pathways.
NOT_IN_PATHWAYS = "This person is not in Pathways: import them in a people file first."
# As the referral form says it (workflows.services.PERSON_ELSEWHERE), for a row: nothing of
# the file was imported.
PERSON_ELSEWHERE = ("This NHS number belongs to a person recorded by another commissioning "
                    "organisation, so nothing in the file was imported. The review "
                    "coordinators have been told and will contact you. Take the row out to "
                    "import the rest.")


def refused(error: DomainError, columns: dict[str, str]) -> RowError:
    """A service's refusal as a row error, on the file's column for the field it names."""
    column = columns.get(error.field, error.field) or "row"
    return RowError([(column, error.message)])


def cells_read(cells: dict, readers: dict) -> dict:
    """Each column through its reader; every problem in the row at once."""
    values, problems = {}, []
    for column, reader in readers.items():
        try:
            values[column] = reader(cells.get(column))
        except parsing.CellError as error:
            problems.append((column, str(error)))
    if problems:
        raise RowError(problems)
    return values


class Kind:
    """One kind of file. Subclasses say who may import it, its columns, and how a row comes in
    (`bring_in`), or a whole file when rows belong together (`bring_in_all`)."""

    key: str
    title: str
    sheet: str
    columns: list[Column]
    roles: tuple[str, ...] = (Role.ADMINISTRATOR, Role.COORDINATOR)

    def __init__(self, *, by, source: str):
        self.by, self.source = by, source
        # [{"row": 5, "message": "..."}]: imported, but someone should look again.
        self.notices: list[dict] = []
        # People the importer may not see whom the file named (the people kind fills it).
        self.elsewhere: list = []

    def check_all(self, rows: Iterable[tuple[int, dict]]) -> Iterator[tuple[int, str | RowError]]:
        """What importing each row would do, without keeping anything. By default the rows
        go through the real import in a transaction that is then rolled back, so the preview
        is exact; a kind whose files are large checks them in bulk instead."""
        from django.db import transaction

        with transaction.atomic():
            outcomes = list(self.bring_in_all(rows))
            transaction.set_rollback(True)
        yield from outcomes

    @classmethod
    def may_import(cls, user) -> bool:
        return user.is_active and (user.is_superuser or any(user.has_role(r) for r in cls.roles))

    def bring_in(self, number: int, cells: dict) -> str:
        raise NotImplementedError

    def bring_in_all(self, rows: Iterable[tuple[int, dict]]) -> Iterator[tuple[int, str | RowError]]:
        """(row number, "created" or "present", or the row's RowError), row by row."""
        from pathways import batch

        for number, cells in rows:
            try:
                with batch.row():               # each row stands or falls alone
                    outcome = self.bring_in(number, cells)
            except RowError as error:
                yield number, error
            else:
                yield number, outcome
