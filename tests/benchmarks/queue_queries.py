"""Benchmark: queries and time for the ranked queue and waiting list as the cohort grows.

Run with `make bench`. It builds a throwaway test database (SQLite, or PostgreSQL when
DATABASE_URL is set), adds people in steps and prints, for each size, the number of SQL
queries and the median time of the coordinator's queue page, the waiting list and the API
queue. Query counts must stay flat; times are for comparing runs on the same machine.
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

SIZES = [10, 100, 300]
PAGES = ["/referrals/queue/", "/intervenors/waiting/", "/api/v1/queue/?page_size=200"]


def measure(client, url, repeats=5):
    connection.queries_log.clear()   # a full log (9,000 entries) would hide new queries
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    queries = len(ctx.captured_queries)   # read now: the next request resets the log
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append(time.perf_counter() - start)
    return queries, statistics.median(times) * 1000


def main():
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    setup_test_environment()
    # As in Django's test runner: keep one connection for the whole run.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        call_command("seed_demo", force=True, verbosity=0)
        from accounts.models import User
        from tests.factories import UnitFactory, make_referral
        from workflows import services as flow

        commissioner = User.objects.get(username="commissioner")
        coordinator = User.objects.get(username="coordinator")
        client = Client()
        client.force_login(coordinator)
        unit = UnitFactory(cqc_rating="inadequate")
        added = 0
        print(f"{'people':>7} | " + " | ".join(f"{p[:28]:>28}" for p in PAGES))
        for size in SIZES:
            while added < size:
                referral = make_referral(by=commissioner, unit=unit, lts_months=added % 60)
                if added % 2:
                    flow.referral_triage(referral=referral, by=coordinator, route="intervenor",
                                         reason="benchmark")
                added += 1
            cells = []
            for url in PAGES:
                queries, ms = measure(client, url)
                cells.append(f"{queries:>4} queries {ms:>8.1f} ms")
            print(f"{size:>7} | " + " | ".join(f"{c:>28}" for c in cells))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
