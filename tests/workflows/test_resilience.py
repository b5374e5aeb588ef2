"""When Redis or PostgreSQL goes away (issue 17).

- Redis (the cache) unreachable: pages and the API keep working, throttles fail open, and
  the instance stays ready (it can serve).
- PostgreSQL drops every connection (as a restart does): a running server reconnects on the
  next request, without a restart of the app (CONN_HEALTH_CHECKS).
"""
import contextlib
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

from tests.demo_state import demo_loaded

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
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok",
                                                                   "migrations": "ok"}


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


def _gunicorn(database_url: str) -> tuple[subprocess.Popen, str]:
    """A production-like server (DEBUG off, kept connections, no Redis) on a free port, once
    it answers; returns the process and its base URL."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "PASSWORD_SIGN_IN": "true",
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "false", "CONN_MAX_AGE": "600"}
    env.pop("REDIS_URL", None)
    env.pop("CACHE_REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--log-level", "warning"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    base = f"http://127.0.0.1:{port}"
    _wait_live(base, time.monotonic() + 30)
    return server, base


def _wait_live(base: str, deadline: float) -> None:
    """Until the process at `base` answers /health/live, or the deadline (monotonic) passes."""
    while time.monotonic() < deadline:
        try:
            if _get(f"{base}/health/live") == 200:
                return
        except OSError:
            time.sleep(0.3)


@pytest.mark.django_db(transaction=True)
def test_a_running_server_recovers_when_postgresql_drops_its_connections(postgres):

    demo_loaded()   # earlier transactional tests flush
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    server, base = _gunicorn(url)
    ready = f"{base}/health/ready"
    try:
        assert _get(ready) == 200
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
            f"{base}/health/live", timeout=10).read()) == {"status": "ok"}
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output, output[-3000:]


class _Proxy:
    """A TCP forwarder to PostgreSQL that the test can take away and bring back: the database
    "goes down" for the app under test only, not for the test's own connection."""

    def __init__(self, target: tuple[str, int]):
        import threading

        self.target, self.port = target, _free_port()
        self.links: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener = None
        self.start()

    def start(self):
        import threading

        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)   # wakes the accept() and stops listening
        self.listener.close()
        with self.lock:
            for link in self.links:
                with contextlib.suppress(OSError):
                    link.shutdown(socket.SHUT_RDWR)
                link.close()
            self.links.clear()

    def _accept(self, listener):
        import threading

        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.links += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


@pytest.mark.django_db(transaction=True)
def test_while_postgresql_is_down_requests_fail_cleanly_and_then_recover(postgres):
    """The database goes away under a running gunicorn: the API answers 503 with a message and
    Retry-After (never a traceback), the liveness check still answers, and once the database
    is back the same server serves again without a restart."""

    demo_loaded()   # earlier transactional tests flush
    db = connection.settings_dict
    proxy = _Proxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    server, base = _gunicorn(f"postgres://{db['USER']}@127.0.0.1:{proxy.port}/{db['NAME']}")
    try:
        token = _token(base)
        assert _get(f"{base}/api/v1/queue/", token) == 200
        proxy.stop()                                   # the database goes away
        request = urllib.request.Request(f"{base}/api/v1/queue/",
                                         headers={"Authorization": f"Token {token}"})
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(request, timeout=20)
        assert failed.value.code == 503
        assert failed.value.headers["Retry-After"] == "30"
        body = json.loads(failed.value.read())
        assert body["code"] == "unavailable" and "Nothing was saved" in body["message"]
        page = urllib.request.Request(f"{base}/accounts/login/", method="POST",
                                      data=b"username=coordinator&password=x")
        with pytest.raises(urllib.error.HTTPError) as failed_page:
            urllib.request.urlopen(page, timeout=20)
        assert failed_page.value.code in (403, 503)    # CSRF may answer first, never a 500
        assert _get(f"{base}/health/live") == 200      # the process itself is fine
        proxy.start()                                  # and it is back
        assert _get(f"{base}/api/v1/queue/", token) == 200
    finally:
        proxy.stop()
        server.terminate()
        server.communicate(timeout=30)


@pytest.mark.django_db
def test_a_database_error_is_a_503_page_or_error_body_and_any_other_error_a_500(
        client_for, monkeypatch):
    from django.db import OperationalError

    import exports.api
    import referrals.views

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    coordinator = client_for("coordinator")
    coordinator.raise_request_exception = False
    monkeypatch.setattr(referrals.views.selectors, "triage_queue", down)
    page = coordinator.get("/referrals/queue/")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "not available just now" in page.content.decode()
    monkeypatch.setattr(exports.api, "export_request", down)
    api = coordinator.post("/api/v1/exports/", {"kind": "queue"},
                           content_type="application/json")
    assert api.status_code == 503 and api.json()["code"] == "unavailable"

    def broken(*args, **kwargs):
        raise ValueError("a bug, not an outage")
    monkeypatch.setattr(referrals.views.selectors, "triage_queue", broken)
    assert coordinator.get("/referrals/queue/").status_code == 500
