"""Many records written in one transaction (an import of the caseload): what cannot change
while the batch runs is read once, and rows no one reads before the end are inserted together.

Outside a batch nothing here changes what a call does: `once` reads every time and `later`
inserts at once. Inside `batch()`:

- `once(key, read)` reads the first time and gives the same answer after, so 10,000 rows read
  the LTS age limits, the priority policy, the system user and each permission once, not
  10,000 times. Only use it for what the batch itself does not change.
- `later(row)` keeps the row and inserts it, with every other row of its table, when the block
  ends without an error: one statement a thousand rows. A duplicate of a row already stored
  is passed over (the table must have the unique constraint that says what a duplicate is).
  Only use it for rows nothing in the batch reads: object permissions, which are checked in
  the pages and the API, never by the services an import runs, and history rows
  (`pathways.history`), which only the pages, the API and the audit read.
- `row()` is one row of the file, and the unit of undo: one savepoint for the row, and none
  for the services and flow steps it runs (each would make its own with
  `transaction.atomic`; they were 16 of a people row's 39 statements). When the row raises,
  everything it wrote is rolled back and what it kept for `later` is dropped with it, so a
  batch that goes on past a refused row writes only what the rows that stood asked for. A row
  must raise to be undone: code inside it that catches a database error and carries on would
  lose its work silently without savepoints, so the row refuses to end that way. Rows do not
  nest. Outside a batch, `row()` is `transaction.atomic()`.

A batch must run inside a transaction, so that a failure part way leaves nothing behind;
`batch()` refuses to start outside one, and writes nothing when its block raised or marked the
transaction to be rolled back. Nothing is shared between threads or requests: the
batch lives in a context variable.
"""
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.db import connection, models, transaction

T = TypeVar("T")
INSERT_AT_ONCE = 1000


class _Batch:
    def __init__(self):
        self.known: dict = {}
        self.rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.in_row = False


_current: ContextVar[_Batch | None] = ContextVar("pathways_batch", default=None)


@contextmanager
def batch() -> Iterator[None]:
    if not connection.in_atomic_block:
        raise RuntimeError("A batch runs inside a transaction (transaction.atomic).")
    if _current.get() is not None:          # already in one: the outer batch writes
        yield
        return
    current = _Batch()
    token = _current.set(current)
    try:
        yield
    finally:
        _current.reset(token)
    if connection.needs_rollback:           # the block asked for its work to be undone
        return
    for model, rows in current.rows.items():
        model.objects.bulk_create(rows, batch_size=INSERT_AT_ONCE, ignore_conflicts=True)


@contextmanager
def row() -> Iterator[None]:
    current = _current.get()
    if current is None:                     # outside a batch: a savepoint, as ever
        with transaction.atomic():
            yield
        return
    if current.in_row:
        raise RuntimeError("A batch's rows do not nest.")
    kept = {model: len(rows) for model, rows in current.rows.items()}
    current.in_row = True
    try:
        with transaction.atomic(), _no_savepoints_inside():
            yield
            if connection.needs_rollback:
                raise RuntimeError(
                    "An error inside this row was caught and the row carried on; inside a "
                    "batch the row is what is undone, so it must raise.")
    except BaseException:
        for model in list(current.rows):
            del current.rows[model][kept.get(model, 0):]
        raise
    finally:
        current.in_row = False


@contextmanager
def _no_savepoints_inside() -> Iterator[None]:
    """The blocks a row runs (the services' and viewflow's `transaction.atomic`) make no
    savepoints of their own, as on a database without them: Django asks the connection's
    `_savepoint_allowed()` before each (PostgreSQL and SQLite alike), and inside a row this
    connection, this thread's, answers no. An error in one of those blocks marks the
    transaction for rollback, and the row's own savepoint, made before, undoes it all."""
    connection._savepoint_allowed = lambda: False
    try:
        yield
    finally:
        del connection._savepoint_allowed       # back to the backend's own answer


def active() -> bool:
    return _current.get() is not None


def once(key, read: Callable[[], T]) -> T:
    current = _current.get()
    if current is None:
        return read()
    if key not in current.known:
        current.known[key] = read()
    return current.known[key]


def later(row: models.Model) -> None:
    current = _current.get()
    if current is None:
        type(row).objects.bulk_create([row], ignore_conflicts=True)
    else:
        current.rows[type(row)].append(row)
