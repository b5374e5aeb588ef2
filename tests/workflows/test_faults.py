"""The fault drill (issue 40): the production stack under a mixed load while four faults strike
in turn (SECURITY.md S44, S45).

gunicorn (two workers, as `make serve` runs it), a Celery worker and beat serve a steady load
of reads and acknowledged writes (updates on an action, exports asked for) from several
clients, while, one after another: a gunicorn worker is SIGKILLed; PostgreSQL restarts; Redis
stops for 20 seconds; the Celery worker is SIGKILLed and started again. After each fault the
service must serve and be ready again within 30 seconds. At the end every write the server
acknowledged is in the database, no request was answered with a 500 (a 503 with Retry-After
while the database restarts is the designed answer), and every export asked for, the ones
asked for while the broker was away included, has been written: work whose queueing was lost
during the outage goes out within a minute of the broker's return (70 seconds allowed, for the
build itself), and work a killed worker was doing is taken again by the sweep.

It restarts PostgreSQL and stops Redis, which every other test shares, so it is `exclusive`:
`make test` runs it alone, after the parallel run.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import database_url_is_postgres, require
from tests.demo_state import demo_loaded
from tests.workflows.test_resilience import _free_port, _token, _wait_live
from tests.workflows.test_two_of_each import _redis_up, _wait

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker,
              pytest.mark.exclusive, pytest.mark.faults]

READY_WITHIN = 30          # seconds after a fault (or its end) to serve and be ready again
CLIENTS = 4


def _call(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"} | (
        {"Authorization": f"Token {token}"} if token else {})
    request = urllib.request.Request(url, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}
    except (OSError, ValueError):          # reset by a killed worker, refused while starting
        return 0, {}


class Load:
    """Clients that read the owner's actions and write updates on one until stopped, keeping
    every status and every write the server acknowledged."""

    def __init__(self, base: str, token: str, action_id: str):
        self.base, self.token, self.action_id = base, token, action_id
        self.statuses, self.acknowledged = Counter(), []
        self.lock, self.stopping = threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(CLIENTS)]

    def run(self, client: int) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            text = f"Drill update {client}-{n}"
            status, body = _call("POST", f"{self.base}/api/v1/actions/{self.action_id}/updates/",
                                 self.token, {"text": text})
            read, _ = _call("GET", f"{self.base}/api/v1/actions/", self.token)
            with self.lock:
                self.statuses.update([status, read])
                if status == 201:
                    self.acknowledged.append(text)
            time.sleep(0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(60)


def _token_for(base: str, username: str) -> str:
    status, body = _call("POST", f"{base}/api/v1/auth/token/", "", {
        "username": username, "password": "pathways-demo"})
    assert status == 200, body
    return body["token"]


def _serving_and_ready(base: str, token: str) -> bool:
    return (_call("GET", f"{base}/health/ready", token)[0] == 200
            and _call("GET", f"{base}/api/v1/queue/", token)[0] == 200)


def _recovered(base: str, token: str, fault: str, times: dict) -> None:
    started = time.monotonic()
    assert _wait(lambda: _serving_and_ready(base, token), READY_WITHIN), \
        f"not serving and ready {READY_WITHIN} s after: {fault}"
    times[fault] = round(time.monotonic() - started, 1)


def _postgres_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


def test_the_stack_loses_nothing_and_recovers_from_each_fault(postgres, tmp_path):
    """The drill (see the module): about 90 s, most of it the load running through four faults
    and the 20-second Redis outage."""
    require(bool(os.environ.get("REDIS_URL")) and _redis_up(),
            "needs REDIS_URL and the local Redis server on 6379",
            needed_in_ci=database_url_is_postgres())
    require(Path("/etc/postgresql").is_dir() and os.geteuid() == 0,
            "needs to restart the local PostgreSQL cluster (as root)",
            needed_in_ci=database_url_is_postgres())
    from django.utils import timezone

    from config.celery import app
    from exports.models import Export
    from exports.services import REQUEUE_AFTER, exports_sweep
    from reviews.models import Action, ActionUpdate

    demo_loaded()    # earlier transactional tests flush
    # Updates are written by the action's named owner, as a ward manager would.
    action = Action.objects.filter(status__in=Action.OPEN_STATUSES,
                                   owner__isnull=False).select_related("owner").first()
    db = connection.settings_dict
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "EMAIL_URL": "consolemail://", "DEBUG": "false",
           "PASSWORD_SIGN_IN": "true", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "false",
           "CONN_MAX_AGE": "600", "BIND": f"127.0.0.1:{port}", "WEB_WORKERS": "2",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    logs, processes = {}, {}

    def start(name, args):
        logs[name] = tmp_path / f"{name}.log"
        with open(logs[name], "a") as log:
            processes[name] = subprocess.Popen(args, cwd=settings.BASE_DIR, env=env, stdout=log,
                                               stderr=subprocess.STDOUT)

    def start_worker():
        start("worker", [sys.executable, "-m", "celery", "-A", "config", "worker",
                         "--concurrency=2", "--without-heartbeat", "--without-mingle",
                         "--without-gossip", "--loglevel=INFO"])

    def ask_for_export() -> int:
        # Each asks for a different list, so none is folded into one still being written.
        asks = [{"kind": "actions"}, {"kind": "queue"}, {"kind": "caseloads"},
                {"kind": "actions", "overdue": True}, {"kind": "actions", "status": "open"}]
        status, body = _call("POST", f"{base}/api/v1/exports/", token, asks[len(exports) % 5])
        if status in (200, 201, 202):
            exports.append(body["id"])
        return status

    times, exports = {}, []
    start("web", [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"])
    start_worker()
    start("beat", [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO",
                   "-s", str(tmp_path / "beat-schedule")])
    try:
        _wait_live(base, time.monotonic() + 60)
        token = _token(base)
        assert _serving_and_ready(base, token)
        owner = _token_for(base, action.owner.username)
        with Load(base, owner, str(action.pk)) as load:
            time.sleep(3)
            # 1. A gunicorn worker is killed: the master starts another.
            children = subprocess.run(["pgrep", "-P", str(processes["web"].pid)],
                                      capture_output=True, text=True).stdout.split()
            assert children, "gunicorn has no workers"
            os.kill(int(children[0]), signal.SIGKILL)
            _recovered(base, token, "a web worker killed", times)
            ask_for_export()
            # 2. PostgreSQL restarts.
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", _postgres_version(),
                            "main", "restart"], check=True, capture_output=True)
            connection.close()             # the test's own connection went with it
            _recovered(base, token, "PostgreSQL restarted", times)
            # 3. Redis stops for 20 seconds: work asked for meanwhile is acknowledged.
            subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown",
                            "nosave"], capture_output=True)
            assert _wait(lambda: not _redis_up(), 10)
            assert _serving_and_ready(base, token), "ready depends on Redis"
            assert ask_for_export() in (200, 201, 202)
            time.sleep(20)
            subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1",
                            "--port", "6379", "--save", "", "--appendonly", "no"], check=True)
            assert _wait(_redis_up, 10)
            _recovered(base, token, "Redis back after 20 s", times)
            broker_back = time.monotonic()
            during_outage = exports[-1]
            # 4. The Celery worker is killed mid-work and started again.
            ask_for_export()
            processes["worker"].send_signal(signal.SIGKILL)
            processes["worker"].wait(30)
            start_worker()
            _recovered(base, token, "the Celery worker killed and restarted", times)
            ask_for_export()
            time.sleep(3)
        # The export asked for while Redis was away is written within a minute of its return
        # (the sweep every 30 seconds, then the build: a few seconds more).
        def written(pks) -> bool:
            connection.close()
            return Export.objects.filter(pk__in=pks, status="ready").count() == len(set(pks))

        assert _wait(lambda: written([during_outage]),
                     max(5, 70 - (time.monotonic() - broker_back)))
        # One being written when the worker was killed is taken again by the sweep once it
        # has run too long (REQUEUE_AFTER, five minutes: the drill moves the clock, not waits).
        app.conf.task_always_eager = False
        exports_sweep(now=timezone.now() + REQUEUE_AFTER)
        assert _wait(lambda: written(exports), 60), (
            list(Export.objects.filter(pk__in=exports).values_list("kind", "status")))
    finally:
        app.conf.task_always_eager = True
        for name in ("web", "worker", "beat"):
            if name in processes and processes[name].poll() is None:
                processes[name].terminate()
        for process in processes.values():
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        if not _redis_up():
            subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1",
                            "--port", "6379", "--save", "", "--appendonly", "no"], check=True)
    connection.close()
    written = set(ActionUpdate.objects.filter(action=action, text__startswith="Drill update ")
                  .values_list("text", flat=True))
    output = "".join(path.read_text() for path in logs.values())
    print(f"\nFault drill: {sum(load.statuses.values())} requests, "
          f"{len(load.acknowledged)} writes acknowledged, statuses {dict(load.statuses)}, "
          f"serving and ready again after (s): {times}, exports {len(exports)}")
    assert len(load.acknowledged) > 50 and load.statuses[403] == 0
    assert set(load.acknowledged) <= written, "an acknowledged write was lost"
    assert load.statuses[500] == 0, output[-3000:]
    assert not [s for s in load.statuses if s >= 500 and s != 503], dict(load.statuses)
    assert len(times) == 4 and max(times.values()) <= READY_WITHIN
    assert len(exports) >= 4
