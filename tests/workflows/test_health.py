"""Health endpoints for operators (issue 17): live needs nothing, ready checks what serving
needs, both JSON with no secrets, both rate-limited."""
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from workflows.deadlines import SWEEP_HEARTBEAT

pytestmark = pytest.mark.django_db


def test_live_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_ready_checks_database_cache_and_migrations(client, settings):
    settings.REDIS_URL = ""       # eager tasks: no worker or beat to ask
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    body = response.json()
    names = " ".join(body)
    assert "Database" in names and "Cache" in names and "MigrationsApplied" in names
    text = json.dumps(body).lower()
    for secret in ("password", "postgres://", "redis://", settings.SECRET_KEY.lower()):
        assert secret not in text


def test_ready_fails_when_workers_or_the_sweep_are_missing(client, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    monkeypatch.setattr("celery.app.control.Control.ping", lambda self, **kw: [])
    cache.delete(SWEEP_HEARTBEAT)
    response = client.get("/health/ready")
    assert response.status_code == 500
    body = json.dumps(response.json())
    assert "Celery workers unavailable" in body
    cache.set(SWEEP_HEARTBEAT, timezone.now() - timezone.timedelta(hours=3))
    assert "over two hours" in json.dumps(client.get("/health/ready").json())


def test_a_recent_sweep_is_reported_by_the_task(settings):
    from workflows.tasks import sweep_action_deadlines

    cache.delete(SWEEP_HEARTBEAT)
    sweep_action_deadlines()
    assert timezone.now() - cache.get(SWEEP_HEARTBEAT) < timezone.timedelta(minutes=1)


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
    assert client.get("/health/ready").status_code == 429, "both endpoints share the allowance"
    clock[0] += timezone.timedelta(minutes=1)
    assert client.get("/health/live").status_code == 200
