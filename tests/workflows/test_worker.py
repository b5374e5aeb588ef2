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
