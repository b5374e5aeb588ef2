"""`make bench`: each main page and API list at national scale ×10, as the role that uses it.

Seeds ×10 (`seed_scale`) into the configured database when it is not there — a database kept
for benchmarks: DATABASE_URL, or bench.sqlite3 when none is set — then, in one process, asks
each URL BENCH_REPEATS times (30 by default) after a warm-up and reports the median and p95
time, SQL queries per request, response bytes and the ratio to a bare one-query view: the
smaller of its median at the start and its median asked alternately with the page (a shared
machine's speed drifts over a run; the ratio is never flattered by a slow moment). Prints a
table and writes JSON (BENCH_OUT, default bench-results.json). Each page's fastest request's
CPU time in this process ("cpu min") is printed too: the figure to compare two commits by, run
alternately on the same database, when the machine is shared (docs/performance.md), and so
are its function calls per request ("calls"), counted by the profiler, which no other load
moves.

This is a benchmark, not a test: it never fails on time. The targets it marks (issue 12):
within 5× the bare view at the median, p95 under 150 ms, a list page under 300 KB.
"""
import gc
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench.sqlite3'}")
os.environ.setdefault("DEBUG", "false")      # measured as production runs
# Production keeps ranked orders in Redis (decision 0013); the bench is one process, whose own
# cache every request shares as Redis is shared, so it keeps them in whichever cache it has.
os.environ.setdefault("KEEP_RANKED_ORDERS", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "30"))
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "20000"))
MEDIAN_RATIO, P95_MS, MAX_BYTES = 5.0, 150.0, 300_000
BARE = "/bench/bare/"


def pages(long_person, export_file):
    from oversight.themes import periods

    timeline = f"/people/{long_person}/timeline/"
    quarter = periods()[2].key          # the current calendar quarter
    return [
        # (label, role, url, is a list page held to the size target)
        ("Triage queue", "coordinator", "/referrals/queue/", True),
        ("Triage queue, children only", "coordinator", "/referrals/queue/?age_band=child", True),
        ("Triage queue, page 2", "coordinator", "/referrals/queue/?page=2", True),
        ("Waiting list", "coordinator", "/intervenors/waiting/", True),
        ("Intervenor capacity", "coordinator", "/intervenors/capacity/", True),
        ("Reviews", "coordinator", "/reviews/", True),
        ("Actions, all", "oversight", "/actions/", True),
        ("Actions, overdue", "oversight", "/actions/?overdue=on", True),
        ("Actions, page 100", "oversight", "/actions/?page=100", True),
        ("My organisation's referrals", "commissioner", "/referrals/", True),
        ("Our actions", "commissioner", "/actions/", True),
        ("My reviews (chair)", "chair", "/reviews/", True),
        ("Timeline, 300+ events", "coordinator", timeline, True),
        ("Timeline, page 7", "coordinator", timeline + "?page=7", True),
        ("Equality monitoring", "oversight", "/oversight/equality/", True),
        ("Oversight dashboard", "oversight", "/oversight/", True),
        ("Dashboard, London, a quarter", "oversight", "/oversight/?region=london&period="
                                                      + quarter, True),
        ("Themes of learning", "oversight", "/oversight/themes/", True),
        ("A theme's recommendations", "oversight", "/oversight/themes/environment/", True),
        ("Meeting packs", "oversight", "/oversight/packs/", True),
        ("Programme outcomes", "oversight", "/oversight/outcomes/", True),
        ("Trends", "oversight", "/oversight/trends/", False),
        ("A trend by region, ethnic group and sex", "oversight", "/oversight/trends/in_lts/",
         False),
        ("Trends CSV", "oversight", "/oversight/trends.csv", False),
        ("API: trends", "oversight", "/api/v1/trends/?measure=in_lts", True),
        ("Time to leaving LTS by route", "oversight", "/oversight/evaluation/", True),
        ("My work (coordinator)", "coordinator", "/work/", True),
        ("My work (chair)", "chair", "/work/", True),
        ("API queue", "coordinator", "/api/v1/queue/", True),
        ("API queue, page 5", "coordinator", "/api/v1/queue/?page=5", True),
        ("API actions, overdue", "oversight", "/api/v1/actions/?overdue=true", True),
        ("API reviews", "coordinator", "/api/v1/reviews/", True),
        ("API intervenor cases", "coordinator", "/api/v1/intervenor-cases/", True),
        # A CSV export is asked for, written by a worker (timed apart, below) and downloaded.
        ("Ask for the actions export", "oversight", Post("/exports/", {"kind": "actions"}),
         False),
        ("API: ask for the queue export", "coordinator",
         Post("/api/v1/exports/", {"kind": "queue"}), False),
        ("Your exports", "oversight", "/exports/", True),
        ("API: your exports", "oversight", "/api/v1/exports/", True),
        ("Download the actions export", "oversight", export_file, False),
    ]


class Post(str):
    """A URL the bench POSTs to (asking for an export), with the form it sends."""

    def __new__(cls, url, data):
        made = super().__new__(cls, url)
        made.data = data
        return made


def ask(client, url):
    """One request: a GET, or the POST a Post names (the export's worker is not run: it is
    timed on its own, as a worker would run it)."""
    if isinstance(url, Post):
        from unittest.mock import patch

        with patch("exports.services.build_export.delay"):
            if url.startswith("/api/"):
                response = client.post(url, json.dumps(url.data),
                                       content_type="application/json")
            else:
                response = client.post(url, url.data)
        assert response.status_code in (202, 302), (url, response.status_code)
        return response
    return client.get(url)


def written_exports(users: dict) -> tuple[str, list[dict]]:
    """Time a worker writing each kind of export as the role that lists it (the median of
    five), and leave one written actions export to download."""
    from unittest.mock import patch

    from exports.services import export_build, export_request

    rows, last = [], None
    for kind, role in (("queue", "coordinator"), ("actions", "oversight"),
                       ("caseloads", "coordinator")):
        times = []
        for _ in range(5):
            with patch("exports.services.build_export.delay"):
                export = export_request(by=users[role], kind=kind)
            started = time.perf_counter()
            export_build(str(export.pk))
            times.append((time.perf_counter() - started) * 1000)
            export.refresh_from_db()
        rows.append({"export": kind, "role": role, "rows": export.rows, "bytes": export.size,
                     **summary(times)})
        if kind == "actions":
            last = export
    return f"/exports/{last.pk}/file/", rows


LARGE_TABLE_ROWS = 5_000


def explain_checks() -> list[dict]:
    """Sequential scans of large tables in the plans of the three hot lists (PostgreSQL)."""
    import re

    from accounts.models import User
    from intervenors.selectors import waiting_list
    from referrals.selectors import triage_queue
    from reviews.selectors import actions_filtered

    if connection.vendor != "postgresql":
        return []
    coordinator = User.objects.get(username="coordinator")
    oversight = User.objects.get(username="oversight")
    queue, waiting = triage_queue(coordinator), waiting_list(coordinator)
    # A ranked list reads on each request which rows are in view, and works out the order of
    # every candidate once a change to the facts (decision 0013): both are checked.
    plans = {
        "triage queue, in view": queue.queryset.order_by().values("pk"),
        "triage queue, ranking": queue.order().values("pk"),
        "waiting list, in view": waiting.queryset.order_by().values("pk"),
        "waiting list, ranking": waiting.order().values("pk"),
        "overdue actions, page 1": actions_filtered(oversight, overdue=True)[:50],
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables")
        sizes = dict(cursor.fetchall())
    checks = []
    for label, queryset in plans.items():
        plan = queryset.explain(analyze=True)
        scans = sorted({t for t in re.findall(r"Seq Scan on (\w+)", plan)
                        if sizes.get(t, 0) >= LARGE_TABLE_ROWS})
        took = re.search(r"Execution Time: ([\d.]+) ms", plan)
        checks.append({"query": label, "large_seq_scans": scans,
                       "execution_ms": float(took.group(1)) if took else None})
    return checks


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def timed(client, url) -> tuple[float, float]:
    """One request's wall-clock time and this process's CPU time, in ms."""
    started, cpu = time.perf_counter(), time.process_time()
    body(ask(client, url))
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def summary(times: list[float]) -> dict:
    times = sorted(times)
    return {"median_ms": statistics.median(times),
            "p95_ms": times[max(0, round(0.95 * len(times)) - 1)]}


def calls_per_request(client, url, requests: int = 5) -> int:
    """The Python function calls one request makes, counted by the profiler. Not time (calls
    differ in cost), but the same whatever else the machine is doing: two commits compare on
    it exactly where their times differ by less than the noise."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        body(ask(client, url))
    profile.disable()
    return round(sum(stat[1] for stat in pstats.Stats(profile).stats.values()) / requests)


def measure(client, url, bare_client=None):
    """The page's median and p95 over REPEATS requests; with `bare_client`, each request
    alternates with one to the bare view, and the ratio is to the bare view's median over the
    same moments (a shared machine's speed drifts over a run)."""
    for _ in range(3):
        response = ask(client, url)
        assert response.status_code in (200, 202, 302), (url, response.status_code)
        body(response)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        size = len(body(ask(client, url)))
    queries = len(ctx.captured_queries)
    times, cpu, bare = [], [], []
    for _ in range(REPEATS):
        if bare_client is not None:
            bare.append(timed(bare_client, BARE)[0])
        wall, used = timed(client, url)
        times.append(wall)
        cpu.append(used)
    # The fastest request's CPU time in this process (Python: the view, the templates, the
    # driver; not the database's own work). Other load on a shared machine moves it far less
    # than the wall clock, so two runs, or two commits, compare on it to within a few percent.
    row = {**summary(times), "cpu_min_ms": min(cpu), "calls": calls_per_request(client, url),
           "queries": queries, "bytes": size}
    if bare:
        row["bare_median_ms"] = summary(bare)["median_ms"]
    return row


def main():
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from accounts.models import User
    from demo.scale import scale_present
    from referrals.models import Person

    if not os.environ.get("MIGRATION_DATABASE_URL"):   # else `make bench` migrated as owner
        call_command("migrate", verbosity=0)
    if not scale_present():
        print(f"Loading national scale x10 ({PEOPLE:,} people) into "
              f"{settings.DATABASES['default']['NAME']} ...", flush=True)
        # The demo's own notifications are kept in memory, not printed over the table.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            call_command("seed_scale", people=PEOPLE, force=True, verbosity=1)
        if connection.vendor == "postgresql":
            # What autovacuum would do soon after a bulk load, done now rather than mid-run.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    # Request and export log lines would drown the table (they cost the bare view the same).
    for name in ("pathways.request", "pathways.security"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # As under gunicorn: one connection kept, the loaded objects frozen out of the collector.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    long_person = (Person.objects.annotate(n=Count("reviews__actions__updates"))
                   .order_by("-n").values_list("pk", flat=True).first())
    clients = {}
    for role in ("coordinator", "oversight", "commissioner", "chair"):
        clients[role] = Client()
        clients[role].force_login(User.objects.get(username=role))
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        export_file, builds = ("", []) if os.environ.get("BENCH_ONLY") else written_exports(
            {role: User.objects.get(username=role) for role in ("coordinator", "oversight")})
    gc.collect()
    gc.freeze()
    results = []
    with override_settings(ROOT_URLCONF="tests.benchmarks.urls"):
        bare = measure(clients["coordinator"], BARE)
        print(f"Bare one-query view: median {bare['median_ms']:.1f} ms, p95 "
              f"{bare['p95_ms']:.1f} ms ({connection.vendor}, {REPEATS} requests each; asked "
              "again beside each page; a ratio is to the smaller of the two bare medians)\n")
        header = (f"{'page':34} {'role':12} {'median':>8} {'p95':>8} {'bare':>6} {'ratio':>6} "
                  f"{'cpu min':>8} {'calls':>8} {'queries':>7} {'bytes':>10}  target")
        print(header + "\n" + "-" * len(header))
        only = os.environ.get("BENCH_ONLY", "").lower()   # e.g. BENCH_ONLY=queue: those pages
        for label, role, url, is_list in pages(long_person, export_file):
            if only and only not in label.lower():
                continue
            row = measure(clients[role], url, clients["coordinator"])
            # The smaller of the opening bare median and the one beside the page: a ratio is
            # never flattered by a slow moment of the bare view.
            row.update(page=label, role=role, url=url, list=is_list,
                       ratio=row["median_ms"] / min(bare["median_ms"], row["bare_median_ms"]))
            misses = []
            if row["ratio"] > MEDIAN_RATIO:
                misses.append(f">{MEDIAN_RATIO:g}x")
            if row["p95_ms"] > P95_MS:
                misses.append(f"p95>{P95_MS:g}ms")
            if is_list and row["bytes"] > MAX_BYTES:
                misses.append(">300KB")
            row["within_target"] = not misses
            results.append(row)
            print(f"{label:34} {role:12} {row['median_ms']:7.1f}ms {row['p95_ms']:7.1f}ms "
                  f"{row['bare_median_ms']:6.1f} {row['ratio']:5.1f}x {row['cpu_min_ms']:6.1f}ms "
                  f"{row['calls']:>8,} {row['queries']:>7} "
                  f"{row['bytes']:>10,}  {'ok' if not misses else ' '.join(misses)}"
                  + ("" if is_list or not url.endswith("/file/") else " (a file)"))
    print("\nExports written by a worker (not a request; the median of five):")
    for build in builds:
        print(f"  {build['export']:10} as {build['role']:12} {build['median_ms']:7.1f} ms "
              f"(p95 {build['p95_ms']:.1f}), {build['rows']:,} rows, {build['bytes']:,} bytes")
    plans = explain_checks()
    if plans:
        print(f"\nQuery plans (sequential scans of tables over {LARGE_TABLE_ROWS:,} rows):")
    for check in plans:
        scans = ", ".join(check["large_seq_scans"]) or "none"
        print(f"  {check['query']:26} {check['execution_ms']:6.1f} ms in the database; {scans}")
    out = Path(os.environ.get("BENCH_OUT", ROOT / "bench-results.json"))
    out.write_text(json.dumps({"database": connection.vendor, "repeats": REPEATS,
                               "people": Person.objects.count(), "bare": bare,
                               "pages": results, "exports_written": builds,
                               "plans": plans}, indent=2))
    print(f"\nWritten to {out}")


if __name__ == "__main__":
    main()
