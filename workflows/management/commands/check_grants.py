"""Re-derive object permissions from relationships and report (or mend) any drift."""
from django.core.management.base import BaseCommand, CommandError

from workflows.grants import drift, mend


class Command(BaseCommand):
    help = "Compare object permissions with the relationships behind them; --fix mends drift."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Grant what is missing and "
                                                               "revoke what should not be there.")

    def handle(self, *args, fix=False, **options):
        missing, extra = drift()
        for grant in sorted(missing):
            self.stdout.write(f"missing: {grant.holder} {grant.holder_id} {grant.perm} "
                              f"{grant.model} {grant.object_pk}")
        for grant in sorted(extra):
            self.stdout.write(f"extra:   {grant.holder} {grant.holder_id} {grant.perm} "
                              f"{grant.model} {grant.object_pk}")
        self.stdout.write(f"{len(missing)} missing, {len(extra)} extra")
        if fix and (missing or extra):
            mend(missing, extra)
            self.stdout.write("Mended.")
        elif missing or extra:
            raise CommandError("Object permissions have drifted from the relationships.")
