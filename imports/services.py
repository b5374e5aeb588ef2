"""Checking and importing a caseload file (issues 32 and 40).

`import_check` takes the file and checks it: what importing would create, what is already
there, every error by row and column, and nothing saved of the file but the check. A small file
is checked in the request; a larger one by a worker, with progress on the run page. How a kind
checks its rows is its own (`Kind.check_all`): people files, the large ones, are checked in
bulk against the rules the services hold; the others run through the real import in a
transaction that is rolled back.

`import_apply` imports a checked file, all or nothing: one error anywhere and nothing stays.
Each import is a Decision (who, the file's name and SHA-256, the counts), and every record it
creates says in its history which import made it. Running the same file again creates nothing.

A check must not tell anyone who else holds an NHS number (round 4, finding 1): a person
recorded by another organisation is previewed as a new person is. Importing such a row is
refused as the referral form refuses it: the refusal is recorded, the coordinators are told,
and someone refused too often in a day cannot import until the next.
"""
import hashlib
from datetime import timedelta

import structlog
from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from audit.models import Decision
from audit.services import decision_record
from pathways import batch
from pathways.errors import DomainError, NotAllowedError
from workflows.refusals import (
    ELSEWHERE_LIMIT,
    elsewhere_refusals_exhausted,
    person_elsewhere_refuse,
)

from . import parsing
from .kinds import COLUMNS, KINDS, RowError, may_import
from .models import ImportRun

security_log = structlog.get_logger("pathways.security")

# Files larger than this are checked by a worker, and files with more rows than BACKGROUND_ROWS
# imported by one, with progress on the page: a web request has 30 seconds.
BACKGROUND_BYTES = 64 * 1024
BACKGROUND_ROWS = 500
PROGRESS_EVERY = 100
# The most rows one file may hold (said on the upload page): the national caseload is a few
# hundred people, and a file ten times larger is checked in under a minute.
MAX_ROWS = 10_000
# Uploads a person may make in an hour: enough to correct a file many times over, too few
# to probe Pathways with file after file.
UPLOADS_PER_HOUR = 20
# A run asked of a worker and not taken up in this long was lost on its way to the broker.
LOST_AFTER = timedelta(seconds=30)


def progress_key(run) -> str:
    return f"imports:progress:{run.pk}"


def _rows(run: ImportRun) -> tuple[list, list]:
    """The file's rows, and errors that stop the file as a whole being taken (none: [])."""
    try:
        headers, rows = parsing.rows_read(run.file_name, bytes(run.content))
    except parsing.FileError as error:
        return [], [{"row": 0, "column": "", "message": str(error)}]
    if len(rows) > MAX_ROWS:
        return rows, [{"row": 0, "column": "", "message": (
            f"The file has {len(rows):,} rows; Pathways imports at most {MAX_ROWS:,} at a "
            "time. Split it into smaller files.")}]
    missing = [c.name for c in COLUMNS[run.kind] if c.required and c.name not in headers]
    if missing:
        return rows, [{"row": 1, "column": name, "message": "This column is missing from the "
                     "header row: download the template to see them all."} for name in missing]
    return rows, []


def _through(run: ImportRun, *, by, dry_run: bool) -> tuple[int, int, int, list]:
    """Check (dry_run) or import every row: (rows, created, present, errors). An import saves
    nothing when any row has an error. What a row brings in that someone should look at again
    is put in `run.notices`."""
    rows, errors = _rows(run)
    if errors:
        return len(rows), 0, 0, errors
    importer = KINDS[run.kind](by=by, source=f"imported from {run.file_name}, import {run.pk}")
    created = present = 0

    def tally(outcomes):
        nonlocal created, present
        for done, (number, outcome) in enumerate(outcomes, start=1):
            if isinstance(outcome, RowError):
                errors.extend({"row": number, "column": column, "message": message}
                              for column, message in outcome.problems)
            created += outcome == "created"
            present += outcome == "present"
            if done % PROGRESS_EVERY == 0:
                cache.set(progress_key(run), done, 3600)

    if dry_run:
        tally(importer.check_all(rows))
    else:
        # One batch: the file's grants are written together at its end (pathways.batch).
        with transaction.atomic():
            with batch.batch():
                tally(importer.bring_in_all(rows))
            if errors:                                  # all or nothing
                transaction.set_rollback(True)
        # Outside what was rolled back: each person held elsewhere that the file named.
        for person in importer.elsewhere:
            person_elsewhere_refuse(person, asked_by=by, via=f"import {run.pk}")
    errors.sort(key=lambda error: error["row"])
    run.notices = sorted(importer.notices, key=lambda notice: notice["row"])
    return len(rows), created, present, errors


def _uploads_left(by) -> bool:
    """Counted from the runs themselves, so the allowance holds whatever the cache does."""
    since = timezone.now() - timedelta(hours=1)
    return ImportRun.objects.filter(created_by=by, created_at__gte=since).count() < \
        UPLOADS_PER_HOUR


@transaction.atomic
def import_check(*, kind: str, file_name: str, content: bytes, by,
                 here: bool = False) -> ImportRun:
    """Take a file and check it, saving nothing of it but the check: here for a small file
    (or for any file when `here`, as the shell command asks), by a worker for a larger one."""
    if not may_import(by):
        raise NotAllowedError("Only administrators, review coordinators and commissioners can "
                              "import a caseload.")
    if kind not in KINDS:
        raise DomainError("Choose what the file holds.", field="kind")
    if not may_import(by, kind):
        raise NotAllowedError(f"Only administrators and review coordinators can import "
                              f"{KINDS[kind].title.lower()}.")
    if not _uploads_left(by):
        raise DomainError(f"You have uploaded {UPLOADS_PER_HOUR} files in the last hour, the "
                          "most Pathways takes. Try again later.", field="file")
    run = ImportRun.objects.create(
        kind=kind, file_name=file_name[-200:], sha256=hashlib.sha256(content).hexdigest(),
        content=content, created_by=by)
    if len(content) > BACKGROUND_BYTES and not here:
        run.status, run.queued_at = ImportRun.Status.CHECKING, timezone.now()
        run.save(update_fields=["status", "queued_at"])
        # robust: with the broker away the file waits; the next sweep queues it again.
        transaction.on_commit(lambda: check_in_background.delay(str(run.pk)), robust=True)
        return run
    return _check(run, by=by)


def _check(run: ImportRun, *, by) -> ImportRun:
    run.rows, run.to_create, run.present, run.errors = _through(run, by=by, dry_run=True)
    run.status = ImportRun.Status.CHECKED
    run.save()
    security_log.info("caseload_checked", import_id=str(run.pk), rows=run.rows,
                      errors=len(run.errors), by_user_id=by.pk)
    return run


def import_apply(*, run: ImportRun, by) -> ImportRun:
    """Import a checked file, all or nothing; large files go to a worker (`import_run`)."""
    if run.created_by_id != by.pk:
        raise NotAllowedError("Only the person who uploaded a file can import it.")
    if not may_import(by, run.kind):
        raise NotAllowedError("You can no longer import this kind of file.")
    if run.status != ImportRun.Status.CHECKED:
        raise DomainError("This file has already been imported, or is being imported.")
    if run.errors:
        raise DomainError("Correct the errors in the file and upload it again.")
    if elsewhere_refusals_exhausted(by):
        raise DomainError(ELSEWHERE_LIMIT)
    if run.rows > BACKGROUND_ROWS:
        run.status, run.queued_at = ImportRun.Status.QUEUED, timezone.now()
        run.save(update_fields=["status", "queued_at"])
        # robust: with the broker away the file stays queued; the next sweep queues it.
        transaction.on_commit(lambda: import_in_background.delay(str(run.pk)), robust=True)
        return run
    with transaction.atomic():
        return import_run(run=run, by=by)


def import_run(*, run: ImportRun, by) -> ImportRun:
    rows, created, present, errors = _through(run, by=by, dry_run=False)
    run.rows, run.created, run.present, run.errors = rows, created, present, errors
    run.finished_at = timezone.now()
    run.status = ImportRun.Status.FAILED if errors else ImportRun.Status.IMPORTED
    run.save()
    if not errors:
        decision_record(
            actor=by, kind=Decision.Kind.CASELOAD_IMPORTED, subject=run,
            reason=f"Caseload brought in from {run.file_name}",
            summary=f"{run.get_kind_display()} imported from {run.file_name}: {created} new, "
                    f"{present} already in Pathways",
            facts={"file_name": run.file_name, "sha256": run.sha256, "rows": rows,
                   "created": created, "present": present, "import": str(run.pk)})
    security_log.info("caseload_imported" if not errors else "caseload_import_failed",
                      import_id=str(run.pk), created=created, present=present,
                      errors=len(errors), by_user_id=by.pk)
    return run


def _taken(run_id: str, status: str) -> ImportRun | None:
    """The run, locked for the caller's transaction, if it is still waiting for this step.
    A second message for a run being worked on passes over it at once (skip_locked), and one
    for a finished run finds it done. A worker killed midway rolls everything back, and the
    run waits to be queued again."""
    return ImportRun.objects.select_for_update(skip_locked=True).filter(
        pk=run_id, status=status).first()


@shared_task(name="imports.check_in_background")
def check_in_background(run_id: str) -> str:
    """The worker's check of a large file."""
    with transaction.atomic():
        run = _taken(run_id, ImportRun.Status.CHECKING)
        if run is None:
            return "done"
        return _check(run, by=run.created_by).status


@shared_task(name="imports.import_in_background")
def import_in_background(run_id: str) -> str:
    """The worker's half of a large import: the file was checked; bring it in."""
    with transaction.atomic():
        run = _taken(run_id, ImportRun.Status.QUEUED)
        if run is None:
            return "done"
        return import_run(run=run, by=run.created_by).status


def imports_requeue(now=None) -> int:
    """Queue again every check or import waiting 30 seconds for a worker (round 4, finding 7):
    it goes out within a minute of the broker's return."""
    now = now or timezone.now()
    lost = ImportRun.objects.filter(queued_at__lte=now - LOST_AFTER, status__in=(
        ImportRun.Status.CHECKING, ImportRun.Status.QUEUED)).values_list("pk", "status")[:20]
    for pk, status in lost:
        task = check_in_background if status == ImportRun.Status.CHECKING else \
            import_in_background
        task.delay(str(pk))
    return len(lost)


@shared_task(name="imports.requeue_imports")
def requeue_lost_imports() -> int:
    """Every 30 seconds (beat)."""
    return imports_requeue()


def runs_of(user):
    """The imports a person may see: their own."""
    return ImportRun.objects.filter(created_by=user).defer("content")
