"""`manage.py import_caseload KIND FILE [--dry-run] --as USERNAME`: the import page's check
and import from a shell. Exits non-zero on any error, having saved nothing."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from pathways.errors import DomainError

from ...kinds import KINDS
from ...services import import_check, import_run


class Command(BaseCommand):
    help = ("Check (and, without --dry-run, import) a caseload file: people (and referrals), "
            "reviews (past reviews) or cases (intervenor cases).")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and say what would happen; save nothing.")
        parser.add_argument("--as", dest="username", required=True,
                            help="The account the import is made by (recorded on every row).")

    def handle(self, *args, kind, file, dry_run, username, **options):
        by = User.objects.filter(username=username, is_active=True).first()
        if by is None:
            raise CommandError(f"No active account {username}.")
        if not file.is_file():
            raise CommandError(f"No file {file}.")
        try:
            run = import_check(kind=kind, file_name=file.name, content=file.read_bytes(), by=by,
                               here=True)
        except DomainError as error:
            raise CommandError(error.message)
        for error in run.errors:
            where = f"row {error['row']}" + (f", {error['column']}" if error["column"] else "")
            self.stderr.write(f"{where}: {error['message']}")
        if run.errors:
            raise CommandError(f"{len(run.errors)} errors in {run.file_name}: nothing was saved.")
        self.stdout.write(f"{run.rows} rows: {run.to_create} to create, {run.present} already "
                          f"in Pathways.")
        if dry_run:
            self.stdout.write("Dry run: nothing was saved.")
            return
        run = import_run(run=run, by=by)
        if run.errors:
            raise CommandError(f"{len(run.errors)} errors on import: nothing was saved.")
        self.stdout.write(self.style.SUCCESS(
            f"Imported: {run.created} created, {run.present} already in Pathways "
            f"(import {run.pk}, SHA-256 {run.sha256})."))
