"""Health endpoints for whoever runs Pathways (docs/operations.md).

- `/health/live`: the process answers. Nothing else is touched, so a database outage never
  makes an orchestrator restart healthy web processes.
- `/health/ready`: this instance can serve: the database answers and every migration is
  applied. Nothing else: the cache may be away (Pathways serves without it, as designed), and
  background work is not this instance's to vouch for. An orchestrator that took instances
  out of service for a missing sweep would take the whole service down for a Redis blip.
- `/health/background`: for monitoring and alerts, never for a load balancer: the broker
  answers, a worker answers a ping, and the hourly sweep finished within two hours.

Each answers 200 or 503 (never 500) in JSON that names checks but never hosts, passwords or
URLs, sends no-store, and is rate-limited per client address so it cannot load the database.
"""
import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts.access import public
from accounts.network import client_address
from workflows.deadlines import SWEEP_HEARTBEAT

SWEEP_STALE_AFTER = datetime.timedelta(hours=2)
HEALTH_REQUESTS_PER_MINUTE = 60
PING_SECONDS = 2


def database_answers() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def migrations_applied() -> str:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("migrations are waiting to be applied")
    return "ok"


def broker_answers() -> str:
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=PING_SECONDS)
    return "ok"


def worker_answers() -> str:
    from config.celery import app

    if not app.control.ping(timeout=PING_SECONDS):
        raise RuntimeError("no worker answered a ping")
    return "ok"


def sweep_recent() -> str:
    from workflows.models import Heartbeat

    last = Heartbeat.objects.filter(name=SWEEP_HEARTBEAT).values_list("at", flat=True).first()
    if last is None:
        raise RuntimeError("the deadline sweep has never finished")
    if timezone.now() - last > SWEEP_STALE_AFTER:
        raise RuntimeError("the deadline sweep has not finished for over two hours")
    return f"ok, last finished {last:%Y-%m-%dT%H:%M}Z"


READY = {"database": database_answers, "migrations": migrations_applied}


def background_checks() -> dict:
    if not settings.REDIS_URL:      # tasks run in-process: there is no broker or worker
        return {"sweep": sweep_recent}
    return {"broker": broker_answers, "workers": worker_answers, "sweep": sweep_recent}


def _answer(checks: dict) -> JsonResponse:
    """Run each check; any failure, of any kind, is a 503 naming the check (never a 500)."""
    results, healthy = {}, True
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as error:  # noqa: BLE001 - whatever broke, the answer is "not ready"
            healthy = False
            results[name] = (str(error) if isinstance(error, RuntimeError)
                             else f"unavailable ({type(error).__name__})")
    return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": results},
                        status=200 if healthy else 503)


def _throttled(request) -> bool:
    from django.core.cache import cache

    key = f"pathways:health:{client_address(request)}:{timezone.now():%Y%m%d%H%M}"
    try:
        count = cache.get_or_set(key, 0, timeout=70)
        cache.incr(key)
    except Exception:   # noqa: BLE001 - a cache outage must not hide health
        return False
    return count >= HEALTH_REQUESTS_PER_MINUTE


def _health(view):
    @public
    @never_cache
    def wrapped(request):
        if _throttled(request):
            return JsonResponse({"status": "throttled"}, status=429)
        return view(request)

    wrapped.__name__ = view.__name__
    return wrapped


@_health
def live(request):
    return JsonResponse({"status": "ok"})


@_health
def ready(request):
    return _answer(READY)


@_health
def background(request):
    return _answer(background_checks())
