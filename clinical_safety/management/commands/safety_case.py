"""`manage.py safety_case`: check the hazard log and the data inventory (`--check`, as
`make test` runs it), or write the clinical safety case report and docs/data-inventory.md."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinical_safety import evidence, hazards, inventory, report


class Command(BaseCommand):
    help = "Check the hazard log and data inventory (--check), or write the safety case report."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="Fail on a stale or unsafe hazard log or an unclassified field.")
        parser.add_argument("--log", type=Path, default=hazards.LOG,
                            help="The hazard log to read (default: the repository's).")
        parser.add_argument("--junit", type=Path, default=evidence.JUNIT,
                            help="The test run's JUnit XML (default: .test-results/junit.xml).")

    def handle(self, *args, check=False, log=hazards.LOG, junit=evidence.JUNIT, **options):
        try:
            found = hazards.load(log)
        except (hazards.LogError, OSError, ValueError) as error:
            raise CommandError(f"The hazard log cannot be read: {error}") from None
        if check:
            problems = hazards.check(found) + inventory.problems()
            if log == hazards.LOG:          # the written documents follow the repository's log
                problems += report.stale(found)
                if not inventory.DOCUMENT.is_file() or \
                        inventory.DOCUMENT.read_text(encoding="utf-8") != inventory.markdown():
                    problems.append(f"{inventory.DOCUMENT.relative_to(hazards.ROOT)} is out of "
                                    "date with the data inventories: run make safety-case.")
            if problems:
                raise CommandError("The safety case is out of date:\n  " + "\n  ".join(problems))
            self.stdout.write(self.style.SUCCESS(
                f"Safety case: {len(found)} hazards, every control in place and every evidencing "
                f"test collected; every model field classified."))
            return
        run = evidence.read(junit)
        md, pdf = report.write(found, run)
        inventory.DOCUMENT.write_text(inventory.markdown(), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(
            f"Wrote {md.relative_to(hazards.ROOT)}, {pdf.relative_to(hazards.ROOT)} and "
            f"{inventory.DOCUMENT.relative_to(hazards.ROOT)}"
            + ("" if run else " (no test run found: evidence shows as not run)") + "."))
