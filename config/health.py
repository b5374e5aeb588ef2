"""Health endpoints for whoever runs Pathways (docs/operations.md).

- `/health/live`: the process answers. No dependency is touched, so a database outage never
  makes an orchestrator restart healthy web processes.
- `/health/ready`: the database answers, the cache (Redis in production) stores and reads,
  every migration is applied, and, when a broker is configured, a Celery worker answers a ping
  and the hourly sweep ran within the last two hours.

Both answer JSON, name checks but never hosts, passwords or URLs, send no-store, and are
rate-limited per client address so they cannot be used to load the database.
"""
import dataclasses
import datetime

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning
from health_check.views import HealthCheckView

from accounts.access import public
from accounts.network import client_address
from workflows.deadlines import SWEEP_HEARTBEAT

SWEEP_STALE_AFTER = datetime.timedelta(hours=2)
HEALTH_REQUESTS_PER_MINUTE = 60


@dataclasses.dataclass
class MigrationsApplied(HealthCheck):
    """Every migration in the code is applied to the database."""

    def run(self):
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise ServiceUnavailable("Migrations are waiting to be applied")


@dataclasses.dataclass
class SweepRecent(HealthCheck):
    """The deadline sweep (Celery beat, hourly) ran recently."""

    def run(self):
        last = cache.get(SWEEP_HEARTBEAT)
        if last is None:
            raise ServiceWarning("The deadline sweep has not run since the cache was cleared")
        if timezone.now() - last > SWEEP_STALE_AFTER:
            raise ServiceUnavailable("The deadline sweep has not run for over two hours")


def readiness_checks() -> list:
    checks = ["health_check.checks.Database", "health_check.checks.Cache",
              MigrationsApplied]
    if settings.REDIS_URL:      # a real broker: workers and beat must be there
        checks += [("health_check.contrib.celery.Ping",
                    {"timeout": datetime.timedelta(seconds=2)}), SweepRecent]
    return checks


def _throttled(request) -> bool:
    key = f"pathways:health:{client_address(request)}:{timezone.now():%Y%m%d%H%M}"
    try:
        count = cache.get_or_set(key, 0, timeout=70)
        cache.incr(key)
    except Exception:   # noqa: BLE001 - a cache outage must not hide readiness
        return False
    return count >= HEALTH_REQUESTS_PER_MINUTE


class ReadyView(HealthCheckView):
    def get_checks(self):
        self.checks = readiness_checks()
        yield from super().get_checks()


_ready = ReadyView.as_view()


@public
@never_cache
def live(request):
    if _throttled(request):
        return JsonResponse({"status": "throttled"}, status=429)
    return JsonResponse({"status": "ok"})


@public
@never_cache
def ready(request):
    if _throttled(request):
        return JsonResponse({"status": "throttled"}, status=429)
    request.GET = request.GET.copy()
    request.GET["format"] = "json"
    return async_to_sync(_ready)(request)
