"""Load national scale ×10 for benchmarks and load tests: `manage.py seed_scale --people 20000`.

The demo data is loaded first (its users are the ones the benchmark signs in as). Runs once:
a second run sees the scale data and stops. See demo/scale.py for what is written.
"""
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from demo.scale import Seeder, scale_present


class Command(BaseCommand):
    help = "Load about ten times England's numbers in bulk (benchmarks and load tests only)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=12, help="Random seed (repeatable data).")
        parser.add_argument("--force", action="store_true",
                            help="Run even with DEBUG off (never on a live service).")

    def handle(self, *args, people, seed, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_scale writes made-up people: it runs with DEBUG on, or "
                               "with --force on a database kept for benchmarks.")
        if people < 100:
            raise CommandError("--people must be at least 100.")
        if scale_present():
            self.stdout.write("Scale data is already loaded; nothing to do.")
            return
        # As make bench runs it (DEBUG off); the scale data brings its own three years of history.
        call_command("seed_demo", verbosity=0, force=force, history=False)
        started = time.perf_counter()
        counts = Seeder(people, seed=seed, out=self.stdout.write if options["verbosity"] > 1
                        else None).run()
        self.stdout.write(self.style.SUCCESS(
            f"Scale data loaded in {time.perf_counter() - started:.0f} s: "
            + ", ".join(f"{v:,} {k}" for k, v in counts.items())))
