"""Health endpoints for operators (issues 17 and 40): live needs nothing; ready asks only what
this instance needs to serve (the database and its migrations), so an empty or absent cache
and a stopped sweep never take it out of service; background work is watched on its own
endpoint. Each answers 200 or 503, never 500, in JSON with no secrets, rate-limited."""
import json

import pytest
from django.db import connections
from django.utils import timezone

from workflows.deadlines import SWEEP_HEARTBEAT
from workflows.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_live_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_ready_asks_the_database_and_its_migrations_and_nothing_else(client, settings):
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    text = json.dumps(response.json()).lower()
    for secret in ("password", "postgres://", "redis://", settings.SECRET_KEY.lower()):
        assert secret not in text


def test_ready_on_a_fresh_deployment_with_a_broker_and_an_empty_cache(client, settings,
                                                                      monkeypatch):
    """The probe's finding: ready answered 500 whenever the cache held no sweep heartbeat,
    which is every fresh deployment and every Redis restart."""
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "empty-for-this-test"}}
    monkeypatch.setattr("celery.app.control.Control.ping", lambda self, **kw: [])
    Heartbeat.objects.all().delete()
    assert client.get("/health/ready").status_code == 200


def test_ready_is_503_not_500_when_the_database_is_away(client, monkeypatch):
    def refuse(self, *args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("connection refused (host and port withheld)")

    monkeypatch.setattr(type(connections["default"]), "cursor", refuse)
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "unavailable (OperationalError)"
    assert "host" not in json.dumps(body)


def test_ready_is_503_while_migrations_wait(client, monkeypatch):
    monkeypatch.setattr("django.db.migrations.executor.MigrationExecutor.migration_plan",
                        lambda self, targets: [("app", "0002")])
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "migrations are waiting to be applied"


def test_background_reports_workers_and_a_stale_sweep_for_monitoring(client, settings,
                                                                      monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    monkeypatch.setattr("config.health.broker_answers", lambda: "ok")
    monkeypatch.setattr("celery.app.control.Control.ping", lambda self, **kw: [])
    Heartbeat.objects.all().delete()
    response = client.get("/health/background")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "broker": "ok", "workers": "no worker answered a ping",
        "sweep": "the deadline sweep has never finished"}
    Heartbeat.objects.create(name=SWEEP_HEARTBEAT, at=timezone.now() - timezone.timedelta(hours=3))
    assert "over two hours" in client.get("/health/background").json()["checks"]["sweep"]
    monkeypatch.setattr("celery.app.control.Control.ping", lambda self, **kw: [{"w": "pong"}])
    Heartbeat.objects.filter(name=SWEEP_HEARTBEAT).update(at=timezone.now())
    fine = client.get("/health/background")
    assert fine.status_code == 200 and fine.json()["status"] == "ok"
    assert client.get("/health/ready").status_code == 200


def test_background_with_no_broker_asks_only_for_the_sweep(client, settings):
    settings.REDIS_URL = ""
    Heartbeat.objects.all().delete()
    assert client.get("/health/background").json()["checks"] == {
        "sweep": "the deadline sweep has never finished"}


def test_a_finished_sweep_is_kept_in_the_database_not_the_cache(settings):
    from django.core.cache import cache

    from workflows.tasks import sweep_action_deadlines

    Heartbeat.objects.all().delete()
    sweep_action_deadlines()
    cache.clear()
    beat = Heartbeat.objects.get(name=SWEEP_HEARTBEAT)
    assert timezone.now() - beat.at < timezone.timedelta(minutes=1)


@pytest.fixture
def clock(monkeypatch):
    """The limit counts per calendar minute: hold the clock so a run cannot straddle two."""
    now = [timezone.now().replace(second=10, microsecond=0)]
    monkeypatch.setattr("config.health.timezone.now", lambda: now[0])
    return now


def test_health_is_rate_limited_per_address(client, clock):
    codes = [client.get("/health/live").status_code for _ in range(65)]
    assert codes[:60] == [200] * 60 and codes[60:] == [429] * 5
    other = client.get("/health/live", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200, "another address has its own allowance"


def test_the_allowance_returns_the_next_minute(client, clock):
    for _ in range(60):
        client.get("/health/live")
    assert client.get("/health/ready").status_code == 429, "the endpoints share the allowance"
    assert client.get("/health/background").status_code == 429
    clock[0] += timezone.timedelta(minutes=1)
    assert client.get("/health/live").status_code == 200
