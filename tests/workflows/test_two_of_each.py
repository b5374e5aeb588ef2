"""Two web processes and two Celery workers against one database (issue 17): the three-case
rule still lets exactly the free places be taken, and every notification is sent exactly once,
whichever process queued it and whichever worker picked it up."""
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import database_url_is_postgres, require
from tests.demo_state import demo_loaded
from tests.workflows.test_resilience import _free_port, _get, _token, _wait_live

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={
        "Content-Type": "application/json", "Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_two_web_processes_and_two_workers_keep_the_rules(postgres, tmp_path):
    require(bool(os.environ.get("REDIS_URL")), "needs REDIS_URL and a Redis server",
            needed_in_ci=database_url_is_postgres())

    from config.celery import app
    from intervenors.models import MAX_ACTIVE_CASES, Intervenor, IntervenorCase
    from notifications.models import Notification

    demo_loaded()   # earlier transactional tests flush
    intervenor = Intervenor.objects.get(user__username="intervenor2")
    free = MAX_ACTIVE_CASES - intervenor.cases.filter(status="active").count()
    waiting = list(IntervenorCase.objects.filter(status="waiting").order_by("waiting_since"))
    assert free >= 1 and len(waiting) > free + 2
    db = connection.settings_dict
    env = {**os.environ, "EMAIL_URL": "consolemail://", "DEBUG": "false", "PASSWORD_SIGN_IN": "true",
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "false", "CONN_MAX_AGE": "600",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    processes, logs = [], {}

    def start(name, args):
        logs[name] = tmp_path / f"{name}.log"
        with open(logs[name], "w") as log:   # a file: a full pipe would stall the process
            processes.append(subprocess.Popen(args, cwd=settings.BASE_DIR, env=env,
                                              stdout=log, stderr=subprocess.STDOUT))

    ports = [_free_port(), _free_port()]
    app.control.purge()
    try:
        for n, port in enumerate(ports):
            start(f"web{n}", [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind",
                              f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"])
            start(f"worker{n}", [sys.executable, "-m", "celery", "-A", "config", "worker",
                                 "--pool=solo", "--without-heartbeat", "--without-mingle",
                                 "--without-gossip", "--loglevel=INFO", "-n", f"w{n}@%h"])
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        deadline = time.monotonic() + 60
        for base in bases:
            _wait_live(base, deadline)
        tokens = [_token(base) for base in bases]
        jobs = waiting[:free + 3]
        barrier, results, lock = threading.Barrier(len(jobs)), [], threading.Lock()

        def assign(n, case):
            barrier.wait(timeout=30)
            outcome = _post(f"{bases[n % 2]}/api/v1/intervenor-cases/{case.pk}/assign/",
                            tokens[n % 2], {"intervenor": str(intervenor.pk),
                                            "reason": "Drill: two of each."})
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=assign, args=(n, case))
                   for n, case in enumerate(jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        statuses = sorted(status for status, _ in results)
        assert statuses.count(200) == free, results
        refused = [body for status, body in results if status != 200]
        assert all(body.get("code") == "intervenor_capacity" for body in refused), refused
        assert intervenor.cases.filter(status="active").count() == MAX_ACTIVE_CASES

        owed = Notification.objects.filter(kind="case_assigned",
                                           key__in=[f"case:{c.pk}:assigned:{c.assigned_on.isoformat()}"
                                                    for c in IntervenorCase.objects.filter(
                                                        pk__in=[j.pk for j in jobs],
                                                        status="active")])
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and (owed.count() < free
                                               or owed.filter(sent_at=None).exists()):
            time.sleep(0.5)
        time.sleep(2)      # any duplicate delivery would have run by now
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(60)
        app.control.purge()
    output = "".join(path.read_text() for path in logs.values())
    assert owed.count() == free
    assert set(owed.values_list("attempts", flat=True)) == {1}, output[-3000:]
    assert not owed.filter(sent_at=None).exists()
    subjects = re.findall(r"^Subject: Pathways: \S+ assigned to you$", output, re.M)
    assert len(subjects) == free, output[-3000:]
    assert "Traceback" not in output, output[-3000:]


def _redis_up() -> bool:
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"],
                          capture_output=True, text=True).stdout.strip() == "PONG"


def _wait(condition, seconds=30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.exclusive     # it stops the Redis every other test uses
def test_redis_stopped_and_started_under_a_running_app_loses_nothing(postgres, tmp_path):
    """Redis (broker and cache) is shut down while the app serves: pages and the API keep
    working, a change that owes a notification still saves, and once Redis is back the sweep's
    re-queue sends it, once."""
    require(bool(os.environ.get("REDIS_URL")) and _redis_up(),
            "needs REDIS_URL and the local Redis server on 6379",
            needed_in_ci=database_url_is_postgres())
    from datetime import timedelta

    from django.utils import timezone

    from config.celery import app
    from intervenors.models import Intervenor, IntervenorCase
    from notifications.models import Notification
    from notifications.services import notifications_requeue

    demo_loaded()
    intervenor = Intervenor.objects.get(user__username="intervenor3")
    case = IntervenorCase.objects.filter(status="waiting").order_by("waiting_since").first()
    db = connection.settings_dict
    env = {**os.environ, "EMAIL_URL": "consolemail://", "DEBUG": "false", "PASSWORD_SIGN_IN": "true",
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "false", "CONN_MAX_AGE": "600",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    with open(web_log, "w") as log:
        web = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "--bind",
                                f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"],
                               cwd=settings.BASE_DIR, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    worker = None
    try:
        assert _wait(lambda: _live(base))
        token = _token(base)
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"],
                       capture_output=True)
        assert _wait(lambda: not _redis_up())
        # Redis is gone: reading and writing still work.
        assert _get(f"{base}/api/v1/queue/", token) == 200
        status, body = _post(f"{base}/api/v1/intervenor-cases/{case.pk}/assign/", token,
                             {"intervenor": str(intervenor.pk), "reason": "Drill: Redis away."})
        assert status == 200, body
        assert _get(f"{base}/health/live") == 200
        case.refresh_from_db()
        owed = Notification.objects.get(
            key=f"case:{case.pk}:assigned:{case.assigned_on.isoformat()}")
        assert owed.sent_at is None                      # owed in the database, not lost
    finally:
        if not _redis_up():
            subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1",
                            "--port", "6379", "--save", "", "--appendonly", "no"], check=True)
        assert _wait(_redis_up)
    try:
        assert _get(f"{base}/api/v1/queue/", token) == 200
        with open(worker_log, "w") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
                 "--without-heartbeat", "--without-mingle", "--without-gossip",
                 "--loglevel=INFO"], cwd=settings.BASE_DIR, env=env, stdout=log,
                stderr=subprocess.STDOUT)
        app.conf.task_always_eager = False
        assert notifications_requeue(now=timezone.now() + timedelta(minutes=11)) >= 1
        assert _wait(lambda: Notification.objects.get(pk=owed.pk).sent_at is not None, 60)
        notifications_requeue(now=timezone.now() + timedelta(minutes=11))   # a no-op now
        time.sleep(2)
    finally:
        app.conf.task_always_eager = True
        for process in (web, worker):
            if process is not None:
                process.terminate()
                process.wait(60)
        app.control.purge()
    owed.refresh_from_db()
    assert owed.attempts == 1
    assert worker_log.read_text().count(
        f"Subject: Pathways: {case.person.reference} assigned to you\n") == 1


def _live(base: str) -> bool:
    try:
        return _get(f"{base}/health/live") == 200
    except OSError:
        return False
