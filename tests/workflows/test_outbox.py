"""Nothing waits for a sweep after a fault (round 4, finding 7).

Work a person asked for is committed in the database before its message goes to the broker;
when the broker is away the message is lost and the work waits. Each kind of background work
(an export, a notice, a meeting pack, an import's check or import) is queued again by a sweep
that beat runs every 30 seconds, counting as lost what has waited 30 seconds, so it goes out
within a minute of the broker's return, not at the
next ten-minute or hourly sweep. The real drill (Redis stopped under load) is in
tests/workflows/test_faults.py."""
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from exports.models import Export
from exports.services import export_request, exports_sweep
from notifications.models import Notification
from notifications.services import notification_owe, notifications_requeue
from oversight.models import MeetingPack
from oversight.packs import pack_request, packs_requeue

pytestmark = pytest.mark.django_db
LOST = timedelta(seconds=31)      # past LOST_AFTER: counted as lost


def broker_away():
    """Every .delay() fails as it does with Redis stopped."""
    return patch("celery.app.task.Task.apply_async",
                 side_effect=OperationalError("Error 111 connecting to the broker"))


def test_each_lost_work_sweep_runs_every_30_seconds():
    schedule = {entry["task"]: entry["schedule"] for entry in
                settings.CELERY_BEAT_SCHEDULE.values()}
    for task in ("workflows.exports.sweep_exports", "notifications.requeue_owed",
                 "oversight.requeue_packs", "imports.requeue_imports"):
        assert schedule[task] <= 30, task


def test_an_export_asked_for_while_the_broker_is_away_goes_out_a_minute_later(
        users, django_capture_on_commit_callbacks):
    with broker_away(), django_capture_on_commit_callbacks(execute=True):
        export = export_request(by=users["oversight"], kind="actions", filters={})
    assert Export.objects.get(pk=export.pk).status == "queued"      # the request stood
    with patch("exports.services.build_export.delay") as delay:
        assert exports_sweep()[1] == 0                               # not yet: in flight
        assert exports_sweep(now=timezone.now() + LOST)[1] == 1
    delay.assert_called_once_with(str(export.pk))


def test_a_notice_whose_queueing_was_lost_goes_out_a_minute_later(
        users, django_capture_on_commit_callbacks):
    with broker_away(), django_capture_on_commit_callbacks(execute=True):
        owed = notification_owe(key="drill:1", kind=Notification.Kind.TRIAGED,
                                users=[users["commissioner"]], subject="Drill",
                                body="A drill.", link="/work/")
    assert Notification.objects.get(pk=owed.pk).sent_at is None
    # (With a broker, the demo loaded for the session owes messages too: look at this one.)
    with patch("notifications.services.send_notification.delay") as delay:
        notifications_requeue()
        assert not [c for c in delay.call_args_list if c.args == (owed.pk,)]   # in flight
        notifications_requeue(now=timezone.now() + LOST)
        assert [c.args for c in delay.call_args_list].count((owed.pk,)) == 1


def test_a_notice_being_retried_is_left_to_its_backoff_for_ten_minutes(users):
    owed = notification_owe(key="drill:2", kind=Notification.Kind.TRIAGED,
                            users=[users["commissioner"]], subject="Drill", body="A drill.",
                            link="/work/")
    Notification.objects.filter(pk=owed.pk).update(sent_at=None, attempts=1)
    with patch("notifications.services.send_notification.delay") as delay:
        notifications_requeue(now=timezone.now() + LOST)
        assert not [c for c in delay.call_args_list if c.args == (owed.pk,)]
        notifications_requeue(now=timezone.now() + timedelta(minutes=11))
        assert [c.args for c in delay.call_args_list].count((owed.pk,)) == 1


def test_a_meeting_pack_asked_for_while_the_broker_is_away_goes_out_a_minute_later(
        users, django_capture_on_commit_callbacks):
    with broker_away(), django_capture_on_commit_callbacks(execute=True):
        pack = pack_request(by=users["oversight"], period_key="12m")
    assert MeetingPack.objects.get(pk=pack.pk).status == "queued"
    with patch("oversight.packs.build_meeting_pack.delay") as delay:
        assert packs_requeue() == 0
        assert packs_requeue(now=timezone.now() + LOST) == 1
    delay.assert_called_once_with(str(pack.pk))


def test_asking_for_a_pack_while_the_broker_is_away_is_not_an_error(
        client_for, django_capture_on_commit_callbacks):
    with broker_away(), django_capture_on_commit_callbacks(execute=True):
        response = client_for("oversight").post("/oversight/packs/", {"period": "12m"})
    assert response.status_code == 302
