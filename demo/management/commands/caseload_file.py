"""`manage.py caseload_file N PATH`: write a synthetic *people and referrals* file of N rows,
every row valid against the demo data (its units and organisations), for measuring the
import at scale (docs/performance.md). Numbers come from a block no demo person uses."""
import csv
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand

from imports.kinds import PEOPLE_COLUMNS

FIRST = 800_000_000      # nine digits of the first NHS number; the check digit is worked out


def nhs_numbers():
    base = FIRST
    while True:
        digits = f"{base:09d}"
        check = (11 - sum(int(d) * (10 - i) for i, d in enumerate(digits)) % 11) % 11
        if check != 10:
            yield digits + str(check)
        base += 1


class Command(BaseCommand):
    help = "Write a synthetic people-and-referrals caseload file of N valid rows."

    def add_arguments(self, parser):
        parser.add_argument("rows", type=int)
        parser.add_argument("path", type=Path)

    def handle(self, *args, rows, path, **options):
        numbers = nhs_numbers()
        units = ("RZR01", "Willow Ward")
        commissioners = ("QMJ", "QOP")
        today = date.today()
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=[c.name for c in PEOPLE_COLUMNS])
            writer.writeheader()
            for n in range(rows):
                born = date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
                writer.writerow({
                    "nhs_number": next(numbers), "given_name": "Scale", "family_name": f"{n:05d}",
                    "date_of_birth": f"{born:%d/%m/%Y}", "condition": ("autism", "both",
                                                                      "learning_disability")[n % 3],
                    "unit": units[n % 2], "lts_start_date": f"{today - timedelta(30 + n % 2000):%Y-%m-%d}",
                    "commissioner_ods": commissioners[n % 2],
                    "route": ("review", "intervenor", "both")[n % 3],
                    "reason": "Synthetic row for measuring the import."})
        self.stdout.write(f"Wrote {rows} rows to {path}.")
