"""Checking and importing a caseload file (issue 32).

`import_check` reads the file and runs every row through the real import inside a transaction
that is then rolled back: the preview (rows to create, rows already present, every error by
row and column) is exactly what importing would do, and nothing is saved. `import_apply` does
it again for real, all or nothing: one error anywhere and nothing stays. Each import is a
Decision (who, the file's name and SHA-256, the counts), and every record it creates says in
its history which import made it. Running the same file again creates nothing.
"""
import hashlib

import structlog
from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from audit.models import Decision
from audit.services import decision_record
from pathways.errors import DomainError, NotAllowedError

from . import parsing
from .kinds import COLUMNS, KINDS, RowError, may_import
from .models import ImportRun

security_log = structlog.get_logger("pathways.security")

# Files with more rows than this are imported by a worker, with progress on the page.
BACKGROUND_ROWS = 500
PROGRESS_EVERY = 100


class _Rollback(Exception):
    pass


def progress_key(run) -> str:
    return f"imports:progress:{run.pk}"


def _through(run: ImportRun, *, by, dry_run: bool) -> tuple[int, int, int, list]:
    """Run every row; (rows, created, present, errors). Saves nothing when dry_run or when
    any row has an error. What a row brings in that someone should look at again is put in
    `run.notices`."""
    try:
        headers, rows = parsing.rows_read(run.file_name, bytes(run.content))
    except parsing.FileError as error:
        return 0, 0, 0, [{"row": 0, "column": "", "message": str(error)}]
    missing = [c.name for c in COLUMNS[run.kind] if c.required and c.name not in headers]
    if missing:
        return len(rows), 0, 0, [{"row": 1, "column": name, "message": "This column is missing "
                                  "from the header row: download the template to see them all."}
                                 for name in missing]
    importer = KINDS[run.kind](by=by, source=f"imported from {run.file_name}, import {run.pk}")
    created = present = 0
    errors: list[dict] = []
    try:
        with transaction.atomic():
            for done, (number, outcome) in enumerate(importer.bring_in_all(rows), start=1):
                if isinstance(outcome, RowError):
                    errors += [{"row": number, "column": column, "message": message}
                               for column, message in outcome.problems]
                created += outcome == "created"
                present += outcome == "present"
                if done % PROGRESS_EVERY == 0:
                    cache.set(progress_key(run), done, 3600)
            if dry_run or errors:
                raise _Rollback
    except _Rollback:
        pass
    errors.sort(key=lambda error: error["row"])
    run.notices = sorted(importer.notices, key=lambda notice: notice["row"])
    return len(rows), created, present, errors


@transaction.atomic
def import_check(*, kind: str, file_name: str, content: bytes, by) -> ImportRun:
    """Read and check a file without saving anything of it but the check itself."""
    if not may_import(by):
        raise NotAllowedError("Only administrators, review coordinators and commissioners can "
                              "import a caseload.")
    if kind not in KINDS:
        raise DomainError("Choose what the file holds.", field="kind")
    if not may_import(by, kind):
        raise NotAllowedError(f"Only administrators and review coordinators can import "
                              f"{KINDS[kind].title.lower()}.")
    run = ImportRun.objects.create(
        kind=kind, file_name=file_name[-200:], sha256=hashlib.sha256(content).hexdigest(),
        content=content, created_by=by)
    run.rows, run.to_create, run.present, run.errors = _through(run, by=by, dry_run=True)
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
    if run.rows > BACKGROUND_ROWS:
        run.status = ImportRun.Status.QUEUED
        run.save(update_fields=["status"])
        transaction.on_commit(lambda: import_in_background.delay(str(run.pk)))
        return run
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


@shared_task(name="imports.import_in_background")
def import_in_background(run_id: str) -> str:
    """The worker's half of a large import: the file was checked; bring it in."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().filter(
            pk=run_id, status=ImportRun.Status.QUEUED).first()
        if run is None:          # already done (a redelivered message)
            return "done"
    return import_run(run=run, by=run.created_by).status


def runs_of(user):
    """The imports a person may see: their own."""
    return ImportRun.objects.filter(created_by=user).defer("content")
