"""A real Celery worker process on the local Redis (SECURITY.md S34, S37).

Eager mode proves nothing about brokers and workers, so this starts `celery worker` against
the same PostgreSQL test database and sends a task through Redis.
"""
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import database_url_is_postgres, require
from workflows.models import Notification
from workflows.tasks import send_notification

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_real_worker_sends_a_queued_notification_once(postgres):
    require(bool(os.environ.get("REDIS_URL")), "needs REDIS_URL and a Redis server",
            needed_in_ci=database_url_is_postgres())
    from config.celery import app

    db = connection.settings_dict
    env = {**os.environ,
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "EMAIL_URL": "consolemail://"}
    app.control.purge()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    notification = Notification.objects.create(
        key="worker-smoke", kind="overdue", recipients=["oversight@example.nhs.uk"],
        subject="Worker smoke test", body="Sent by a real worker.")
    app.conf.task_always_eager = False
    try:
        send_notification.delay(notification.pk)
        send_notification.delay(notification.pk)      # a duplicate delivery
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            notification.refresh_from_db()
            if notification.sent_at is not None:
                break
            time.sleep(0.5)
        time.sleep(2)                                  # let the duplicate run too
        notification.refresh_from_db()
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert notification.sent_at is not None, output[-3000:]
    assert notification.attempts == 1, output[-3000:]
    assert output.count("Subject: Worker smoke test") == 1


def test_a_worker_killed_mid_send_loses_nothing_and_duplicates_nothing(postgres):
    """A worker is SIGKILLed while it is sending (its SMTP server never answers). Nothing is
    marked sent; a new worker, given the message again by the sweep's re-queue, sends it
    exactly once (issue 17; SECURITY.md S33, S34)."""
    import signal
    import socket
    import threading
    from datetime import timedelta

    from django.utils import timezone

    from workflows.notifications import notifications_requeue

    require(bool(os.environ.get("REDIS_URL")), "needs REDIS_URL and a Redis server",
            needed_in_ci=database_url_is_postgres())
    from config.celery import app

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    accepted = threading.Event()
    held = []

    def hold():
        while True:
            try:
                conn, _ = silent.accept()
            except OSError:
                return
            held.append(conn)          # never answers: the sender waits for its greeting
            accepted.set()

    threading.Thread(target=hold, daemon=True).start()
    db = connection.settings_dict
    base_env = {**os.environ, "DATABASE_URL":
                f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}

    def start_worker(email_url):
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
            cwd=settings.BASE_DIR, env={**base_env, "EMAIL_URL": email_url},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    app.control.purge()
    notification = Notification.objects.create(
        key="worker-kill", kind="overdue", recipients=["oversight@example.nhs.uk"],
        subject="Worker kill drill", body="Sent once, whatever happens to the worker.")
    app.conf.task_always_eager = False
    doomed = start_worker(f"smtp://127.0.0.1:{silent.getsockname()[1]}")
    survivor = None
    try:
        send_notification.delay(notification.pk)
        assert accepted.wait(60), "the worker never started sending"
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(30)
        time.sleep(1)
        notification.refresh_from_db()
        assert notification.sent_at is None and notification.attempts == 0

        survivor = start_worker("consolemail://")
        assert notifications_requeue(now=timezone.now() + timedelta(minutes=11)) >= 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and notification.sent_at is None:
            time.sleep(0.5)
            notification.refresh_from_db()
        notifications_requeue(now=timezone.now() + timedelta(minutes=11))   # too late: no-op
        time.sleep(2)
        notification.refresh_from_db()
    finally:
        app.conf.task_always_eager = True
        silent.close()
        for conn in held:
            conn.close()
        output = ""
        if survivor is not None:
            survivor.terminate()
            output = survivor.communicate(timeout=30)[0]
        app.control.purge()
    assert notification.sent_at is not None, output[-3000:]
    assert notification.attempts == 1, output[-3000:]
    assert output.count("Subject: Worker kill drill") == 1
