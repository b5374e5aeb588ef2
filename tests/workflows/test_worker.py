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

from notifications.models import Notification
from notifications.services import send_notification
from tests.conftest import database_url_is_postgres, require
from tests.demo_state import demo_loaded

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def start_worker(email_url="consolemail://", **more_env):
    """`celery worker` in its own process, on this test database and the local Redis."""
    db = connection.settings_dict
    env = {**os.environ,
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "EMAIL_URL": email_url, **more_env}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)


def wait_for(row, done) -> None:
    """Read `row` again until `done(row)` (a minute at most), then give a duplicate delivery
    two seconds to run too, and read it once more."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row.refresh_from_db()
        if done(row):
            break
        time.sleep(0.5)
    time.sleep(2)
    row.refresh_from_db()


def test_a_real_worker_sends_a_queued_notification_once(postgres):
    require(bool(os.environ.get("REDIS_URL")), "needs REDIS_URL and a Redis server",
            needed_in_ci=database_url_is_postgres())
    from config.celery import app

    app.control.purge()
    worker = start_worker()
    notification = Notification.objects.create(
        key="worker-smoke", kind="overdue", recipients=["oversight@example.nhs.uk"],
        subject="Worker smoke test", body="Sent by a real worker.")
    app.conf.task_always_eager = False
    try:
        send_notification.delay(notification.pk)
        send_notification.delay(notification.pk)      # a duplicate delivery
        wait_for(notification, lambda n: n.sent_at is not None)
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert notification.sent_at is not None, output[-3000:]
    assert notification.attempts == 1, output[-3000:]
    assert output.count("Subject: Worker smoke test") == 1


def test_a_real_worker_writes_an_asked_for_export_once(postgres):
    """Asked for in a committed transaction, the export is queued through Redis and written by
    the worker; a duplicate delivery writes nothing more and owes no second notice (S33)."""

    from accounts.models import User
    from exports.models import Export
    from exports.services import build_export, export_request
    from notifications.models import Notice

    require(bool(os.environ.get("REDIS_URL")), "needs REDIS_URL and a Redis server",
            needed_in_ci=database_url_is_postgres())
    from config.celery import app

    demo_loaded()   # earlier transactional tests flush
    oversight = User.objects.get(username="oversight")
    app.control.purge()
    worker = start_worker()
    app.conf.task_always_eager = False
    try:
        export = export_request(by=oversight, kind="actions", filters={"overdue": True})
        build_export.delay(str(export.pk))            # a duplicate delivery
        wait_for(export, lambda e: e.status == "ready")
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert export.status == "ready" and export.rows > 0, output[-3000:]
    assert export.csv.startswith("person,action,") and len(export.csv.splitlines()) == 1 + export.rows
    assert Notice.objects.filter(user=oversight, notification__kind="export_ready").count() == 1
    assert Export.objects.count() == 1
    assert output.count("Subject: Pathways: your export is ready") == 1


def test_a_worker_killed_mid_send_loses_nothing_and_duplicates_nothing(postgres):
    """A worker is SIGKILLed while it is sending (its SMTP server never answers). Nothing is
    marked sent; a new worker, given the message again by the sweep's re-queue, sends it
    exactly once (issue 17; SECURITY.md S33, S34)."""
    import signal
    import socket
    import threading
    from datetime import timedelta

    from django.utils import timezone

    from notifications.services import notifications_requeue

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


def test_a_worker_killed_while_notify_answers_sends_the_email_once(postgres):
    """GOV.UK Notify takes the email, and the worker is SIGKILLed before its answer comes. A
    new worker, given the message again by the re-queue, finds it at Notify by its reference
    and marks it sent: one email, never two (issue 43). Real workers, the official client and
    our local Notify server."""
    import signal
    from datetime import timedelta

    from django.utils import timezone

    from notifications.models import Delivery
    from notifications.services import notifications_requeue
    from tests.notify_server import FakeNotify

    require(bool(os.environ.get("REDIS_URL")), "needs REDIS_URL and a Redis server",
            needed_in_ci=database_url_is_postgres())
    from config.celery import app

    server = FakeNotify().start()
    notify_env = {"NOTIFY_API_KEY": server.service.api_key("live"),
                  "NOTIFY_BASE_URL": server.url, "NOTIFY_TEMPLATE_ID": server.template(),
                  "NOTIFY_CALLBACK_BEARER_TOKEN": "a-callback-token-of-ours"}
    server.take_then_stall(120)
    app.control.purge()
    notification = Notification.objects.create(
        key="notify-kill", kind="overdue", recipients=["oversight@example.nhs.uk"],
        subject="Notify kill drill", body="Sent once, whatever happens to the worker.")
    app.conf.task_always_eager = False
    doomed = start_worker(**notify_env)
    survivor = None
    taken: list = []
    try:
        send_notification.delay(notification.pk)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not server.notifications:
            time.sleep(0.2)
        taken = list(server.notifications.values())
        assert len(taken) == 1, "Notify never received the email"
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(30)
        delivery = Delivery.objects.get(notification=notification)
        assert delivery.sent_at is None and delivery.attempts == 1

        survivor = start_worker(**notify_env)
        assert notifications_requeue(now=timezone.now() + timedelta(minutes=11)) >= 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and notification.sent_at is None:
            time.sleep(0.5)
            notification.refresh_from_db()
        time.sleep(2)
    finally:
        app.conf.task_always_eager = True
        output = ""
        if survivor is not None:
            survivor.terminate()
            output = survivor.communicate(timeout=30)[0]
        app.control.purge()
        server.stop()
    delivery.refresh_from_db()
    assert notification.sent_at is not None, output[-3000:]
    # One message with this copy's reference (the re-queue also sent what else was owed).
    mine = [n for n in server.notifications.values() if n["reference"] == delivery.reference]
    assert [n["id"] for n in mine] == [taken[0]["id"]] == [str(delivery.notify_id)]
    assert delivery.status == "created"
    assert ("GET", "/v2/notifications") in server.requests


def test_a_worker_killed_mid_sweep_escalates_each_action_once_and_sends_each_notice_once(
        postgres, tmp_path):
    """A worker is SIGKILLed in the middle of the deadline sweep. The next sweep, on a new
    worker, finishes the job: every overdue action is escalated exactly once and every notice
    owed is sent exactly once (issue 17: each escalation is its own transaction keyed by the
    due date; sends are owed in the database and queued only on commit). Half the actions come
    from a review, half were agreed by the senior intervenor on a case (issue 45): one action
    system, swept alike. Slow (35-70 s): 300 actions and their notices go through real
    workers, one of them killed, on PostgreSQL."""
    import signal
    from datetime import date, timedelta

    from django.utils import timezone

    from accounts.models import User
    from audit.models import Decision
    from intervenors.models import IntervenorCase
    from notifications.services import notifications_requeue
    from reviews.models import Action, Review, Theme
    from workflows.tasks import sweep_action_deadlines

    require(bool(os.environ.get("REDIS_URL")), "needs REDIS_URL and a Redis server",
            needed_in_ci=database_url_is_postgres())

    from config.celery import app

    demo_loaded()   # earlier transactional tests flush
    owner = User.objects.get(username="commissioner")
    review = Review.objects.filter(status="report_issued").first()
    case = IntervenorCase.objects.filter(status="active").first()
    due = date.today() - timedelta(days=20)
    sources = [{"review": review, "recommendation": review.recommendations.first(),
                "person": review.person},
               {"case": case, "person": case.person, "theme": Theme.objects.first()}]
    Action.objects.bulk_create([Action(
        **sources[n % 2], text=f"Drill {n}",
        owner=owner, owner_organisation=owner.organisation, owner_name="Drill owner",
        due_date=due) for n in range(300)])
    drill = Action.objects.filter(text__startswith="Drill ")
    db = connection.settings_dict
    env = {**os.environ, "EMAIL_URL": "consolemail://",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}

    def start_worker(name):
        # Output to a file: a full pipe would stall the worker. Popen keeps its own handle.
        with open(tmp_path / f"{name}.log", "w") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
                 "--without-heartbeat", "--without-mingle", "--without-gossip",
                 "--loglevel=INFO", "-n", f"{name}@%h"],
                cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)

    def escalated():
        return Decision.objects.filter(kind="action_escalated",
                                       subject_id__in=[str(pk) for pk in
                                                       drill.values_list("pk", flat=True)])

    app.control.purge()
    app.conf.task_always_eager = False
    survivor = None
    drill_began = timezone.now()
    try:
        doomed = start_worker("doomed")
        sweep_action_deadlines.delay()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and escalated().count() < 10:
            time.sleep(0.05)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(30)
        at_kill = escalated().count()
        assert 10 <= at_kill < drill.count(), "the sweep was not caught in the middle"

        survivor = start_worker("survivor")
        sweep_action_deadlines.delay()          # the next hourly run
        deadline = time.monotonic() + 180
        owed = Notification.objects.filter(key__startswith="action:")
        while time.monotonic() < deadline and (
                escalated().count() < drill.count() or owed.filter(sent_at=None).exists()):
            time.sleep(0.5)
            notifications_requeue(now=timezone.now() + timedelta(minutes=11))
        time.sleep(2)
    finally:
        app.conf.task_always_eager = True
        if survivor is not None:
            survivor.terminate()
            survivor.wait(60)
        app.control.purge()
    output = (tmp_path / "doomed.log").read_text() + (tmp_path / "survivor.log").read_text()
    # Each drill action escalated once, with one escalation notice and one overdue notice...
    assert escalated().count() == drill.count() == 300
    assert len(set(escalated().values_list("subject_id", flat=True))) == 300
    for kind in ("escalated", "overdue"):
        notes = Notification.objects.filter(
            key__in=[f"action:{pk}:{kind}:{due.isoformat()}"
                     for pk in drill.values_list("pk", flat=True)])
        assert notes.count() == 300
        # ...each sent exactly once.
        assert not notes.filter(sent_at=None).exists(), output[-3000:]
        assert set(notes.values_list("attempts", flat=True)) == {1}
    # Every copy of an escalation the workers sent was printed once (whatever the demo's own
    # escalations sent before, in the test's process).
    from notifications.models import Delivery

    assert output.count("Subject: Pathways: action escalated for") == Delivery.objects.filter(
        notification__kind="escalated", sent_at__gte=drill_began).count()
