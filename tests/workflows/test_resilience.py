"""When Redis or PostgreSQL goes away (issue 17).

- Redis (the cache) unreachable: pages and the API keep working, throttles fail open, and
  /health/ready says what is wrong.
- PostgreSQL drops every connection (as a restart does): a running server reconnects on the
  next request, without a restart of the app (CONN_HEALTH_CHECKS).
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.conf import settings
from django.db import connection

CLOSED_REDIS = "redis://127.0.0.1:1/0"     # nothing listens on port 1


@pytest.fixture
def redis_gone(settings):
    settings.CACHES = {"default": {"BACKEND": "pathways.cache.ForgivingRedisCache",
                                   "LOCATION": CLOSED_REDIS,
                                   "OPTIONS": {"socket_connect_timeout": 0.2,
                                               "socket_timeout": 0.2}}}
    yield


@pytest.mark.django_db
def test_without_redis_pages_and_the_api_keep_working(redis_gone, client_for, client):
    assert client_for("coordinator").get("/referrals/queue/").status_code == 200
    token = client.post("/api/v1/auth/token/", {"username": "coordinator",
                                                 "password": "pathways-demo"},
                        content_type="application/json")
    assert token.status_code == 200 and token.json()["token"]
    assert client.get("/health/live").status_code == 200
    ready = client.get("/health/ready")
    assert ready.status_code == 500
    failing = [name for name, state in ready.json().items() if state != "OK"]
    assert any("Cache" in name for name in failing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str = "") -> int:
    headers = {"Authorization": f"Token {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _token(base: str) -> str:
    body = json.dumps({"username": "coordinator", "password": "pathways-demo"}).encode()
    request = urllib.request.Request(f"{base}/api/v1/auth/token/", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["token"]


@pytest.mark.django_db(transaction=True)
def test_a_running_server_recovers_when_postgresql_drops_its_connections(postgres):
    from django.core.management import call_command

    call_command("seed_demo", force=True, verbosity=0)   # earlier transactional tests flush
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
           "SECURE_COOKIES": "false", "CONN_MAX_AGE": "600"}
    env.pop("REDIS_URL", None)
    env.pop("CACHE_REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--log-level", "warning"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    ready = f"http://127.0.0.1:{port}/health/ready"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if _get(ready) == 200:
                    break
            except OSError:
                time.sleep(0.3)
        assert _get(ready) == 200
        base = f"http://127.0.0.1:{port}"
        token = _token(base)
        assert _get(f"{base}/api/v1/queue/", token) == 200   # the kept connection is used
        with connection.cursor() as cursor:         # the test's own connection survives
            cursor.execute("SELECT pg_backend_pid()")
            mine = cursor.fetchone()[0]
        with psycopg.connect(url, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid NOT IN (pg_backend_pid(), %s) "
                "AND backend_type = 'client backend'", [db["NAME"], mine]).fetchone()[0]
        assert killed >= 1        # the server's kept connection, as after a restart
        assert _get(f"{base}/api/v1/queue/", token) == 200   # reconnected, not a 500
        assert _get(ready) == 200
        assert json.loads(urllib.request.urlopen(
            f"http://127.0.0.1:{port}/health/live", timeout=10).read()) == {"status": "ok"}
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output, output[-3000:]
