"""Deadline sweeps, escalation and notifications (SECURITY.md S31–S36)."""
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from audit.models import Decision
from notifications.models import Notification
from notifications.services import notification_send, send_notification
from reviews.models import Action
from reviews.services import action_update
from tests.factories import covering_every_region
from workflows.deadlines import action_escalate, sweep_action_deadlines

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(users):
    return Action.objects.filter(status="open", owner=users["commissioner"],
                                 escalated_at__isnull=True).order_by("due_date", "pk").first()


def test_fifteen_days_overdue_is_escalated_once_even_when_the_sweep_runs_again(
        action, django_capture_on_commit_callbacks):
    today = action.due_date + timedelta(days=15)
    Action.objects.exclude(pk=action.pk).filter(status__in=["open", "in_progress"]).update(
        status="cancelled", cancel_reason="out of scope for this test")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = sweep_action_deadlines(today=today)
    assert first == {"due_soon": 0, "overdue": 1, "escalated": 1}
    assert len(callbacks) == 2                       # overdue notice + escalation
    assert len(mail.outbox) == 2
    assert "oversight@example.nhs.uk" in mail.outbox[1].to
    with django_capture_on_commit_callbacks(execute=True) as again:
        second = sweep_action_deadlines(today=today)
    assert second == {"due_soon": 0, "overdue": 0, "escalated": 0} and not again
    assert len(mail.outbox) == 2
    escalations = Decision.objects.filter(subject_id=str(action.pk), kind="action_escalated")
    assert escalations.count() == 1
    assert escalations.get().actor.username == settings.SYSTEM_USERNAME
    action.refresh_from_db()
    assert action.escalated_at is not None
    assert action.history.latest().history_user.username == settings.SYSTEM_USERNAME


def test_fourteen_days_overdue_is_not_escalated_yet(action):
    assert not action_escalate(action_id=action.pk, today=action.due_date + timedelta(days=13))
    assert action_escalate(action_id=action.pk, today=action.due_date + timedelta(days=14))


def test_an_action_completed_before_the_task_runs_is_left_alone(action, users):
    action_update(action=action, by=users["commissioner"], text="Done", transition="complete",
                  evidence="Signed plan")
    assert not action_escalate(action_id=action.pk, today=action.due_date + timedelta(days=30))
    assert not Notification.objects.filter(key__startswith=f"action:{action.pk}:").exists()


def test_due_soon_reminder_goes_to_the_named_owner_only(action, users,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep_action_deadlines(today=action.due_date - timedelta(days=3))
    assert counts["due_soon"] >= 1
    reminder = Notification.objects.get(key=f"action:{action.pk}:due_soon:{action.due_date}")
    assert reminder.recipients == [action.owner.email] and reminder.sent_at is not None
    # Nobody else in the owner's organisation hears of it, and the email names no details.
    colleagues = {u.email for u in users.values() if u.organisation_id ==
                  action.owner_organisation_id and u.pk != action.owner_id}
    assert not colleagues & set(reminder.recipients)
    assert action.text not in reminder.body and action.person.reference in reminder.body


def test_a_rolled_back_change_sends_nothing(action, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                sweep_action_deadlines(today=action.due_date + timedelta(days=20))
                raise RuntimeError("crash before commit")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.filter(key__startswith=f"action:{action.pk}:").exists()


def test_sending_the_same_notification_twice_sends_one_email():
    notification = Notification.objects.create(key="test:1", kind="overdue",
                                               recipients=["a@example.nhs.uk"], subject="s",
                                               body="b")
    assert send_notification(notification.pk) is True
    assert send_notification(notification.pk) is False
    assert notification_send(notification.pk) is False
    assert len(mail.outbox) == 1


def test_each_recipient_gets_their_own_email_and_nobody_sees_another_address():
    notification = Notification.objects.create(
        key="test:2", kind="overdue", subject="s", body="b",
        recipients=["owner@provider.example", "lead@icb.example", "chair@cqc.example"])
    assert notification_send(notification.pk) is True
    assert sorted(m.to[0] for m in mail.outbox) == sorted(notification.recipients)
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)


def test_a_worker_that_dies_part_way_sends_only_the_rest_next_time(monkeypatch):
    from django.core.mail import EmailMessage

    notification = Notification.objects.create(
        key="test:3", kind="overdue", subject="s", body="b",
        recipients=["a@example.nhs.uk", "b@example.nhs.uk", "c@example.nhs.uk"])
    real_send, sent = EmailMessage.send, []

    def dies_on_the_second(self, *args, **kwargs):
        if len(sent) == 1:
            raise ConnectionError("the worker's connection dropped")
        sent.append(self.to[0])
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", dies_on_the_second)
    with pytest.raises(ConnectionError):
        notification_send(notification.pk)
    notification.refresh_from_db()
    assert notification.sent_at is None and len(mail.outbox) == 1
    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert notification_send(notification.pk) is True
    assert sorted(m.to[0] for m in mail.outbox) == sorted(notification.recipients)
    assert notification_send(notification.pk) is False and len(mail.outbox) == 3


def test_case_assignment_notifies_the_intervenor(users, django_capture_on_commit_callbacks):
    from intervenors.selectors import waiting_list
    from workflows import services as flow

    case = waiting_list(users["coordinator"])[0].case
    with django_capture_on_commit_callbacks(execute=True):
        flow.case_assign(case=case, by=users["coordinator"], reason="",
                         intervenor=covering_every_region(
                             users["intervenor3"].intervenor_profile))
    assert mail.outbox[-1].to == ["intervenor3@example.nhs.uk"]
    assert case.person.reference in mail.outbox[-1].subject


def test_no_retry_waits_longer_than_the_redis_visibility_timeout():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert send_notification.retry_backoff_max < visibility
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


def test_the_beat_schedule_names_real_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_the_sweep_command_runs(capsys):
    from django.core.management import call_command

    call_command("sweep_deadlines")
    assert "escalated:" in capsys.readouterr().out


def test_a_sweep_recovers_a_notice_whose_message_was_lost(action):
    """The enqueue happens after commit and can be lost; the row stays owed and unsent,
    and sending it later (a retry, or a resend sweep) delivers it exactly once."""
    today = action.due_date + timedelta(days=1)
    sweep_action_deadlines(today=today)              # on_commit never runs in this test
    owed = Notification.objects.get(key=f"action:{action.pk}:overdue:{action.due_date}")
    assert owed.sent_at is None and mail.outbox == []
    assert sweep_action_deadlines(today=today)["overdue"] == 0   # not owed twice
    assert notification_send(owed.pk) is True and len(mail.outbox) == 1


def test_a_send_whose_queueing_was_lost_is_queued_again_by_the_sweep_and_sent_once(
        users, client_for, django_capture_on_commit_callbacks, monkeypatch):
    """The broker is down when a case is assigned: the assignment stands, the message is
    owed in the database, and the next sweep queues it again (issue 17)."""
    from datetime import timedelta as td

    import time_machine
    from kombu.exceptions import OperationalError

    from intervenors.models import IntervenorCase
    from notifications import services as notifications
    from workflows.tasks import sweep_action_deadlines as sweep_task

    case = IntervenorCase.objects.filter(status="waiting").first()
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notifications.send_notification, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("coordinator").post(
            f"/cases/{case.pk}/assign/",
            {"intervenor": users["intervenor3"].intervenor_profile.pk,
             "reason": "Broker outage drill"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "active"
    owed = Notification.objects.get(key__startswith=f"case:{case.pk}:assigned")
    assert owed.sent_at is None
    monkeypatch.undo()
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + td(minutes=11)):
        assert sweep_task()["requeued"] >= 1
        sweep_task()
    owed.refresh_from_db()
    assert owed.sent_at is not None and owed.attempts == 1
    assert [m.subject for m in mail.outbox].count(owed.subject) == 1
