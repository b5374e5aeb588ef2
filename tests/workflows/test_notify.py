"""GOV.UK Notify (issue 43), driven through the official client against our local server that
speaks Notify's v2 API (tests/notify_server.py): the JWT, one message per recipient, receipts,
an owner's bounced email followed up, and each fault sending a message exactly once."""
import json
import time
from datetime import timedelta

import jwt
import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import Decision
from notifications import notify
from notifications.models import Delivery, Notification
from notifications.services import (
    delivery_statuses_fetch,
    notification_owe,
    notification_send,
    send_notification,
)
from oversight.services import thresholds
from reviews.models import Action
from tests.conftest import NOTIFY_CALLBACK_TOKEN
from tests.demo_state import demo_loaded
from workflows.deadlines import notify_action_verified
from workflows.inbox import Inbox

pytestmark = pytest.mark.django_db
CALLBACK_TOKEN = NOTIFY_CALLBACK_TOKEN


@pytest.fixture
def receipts(notify_service, live_server):
    """The server posts its receipts to Pathways over HTTP, as Notify does (a live server: the
    test commits, so the demo is put back first)."""
    demo_loaded()
    notify_service.callback_url = live_server.url + reverse(
        "notifications:delivery_receipts")
    return notify_service


def owed(users, key="test:notify", kind="overdue", action=None):
    return notification_owe(key=key, kind=kind, users=users, subject="Pathways: a test",
                            body="A message for PW-TEST.\nSign in: http://x/", action=action)


def emails(server):
    return [n for n in server.notifications.values() if n["type"] == "email"]


def test_the_clients_jwt_is_accepted_and_a_wrong_key_is_refused_as_notify_refuses_it(
        notify_service):
    from notifications_python_client.notifications import NotificationsAPIClient

    good = NotificationsAPIClient(notify_service.service.api_key(), base_url=notify_service.url)
    assert good.get_all_notifications() == {"notifications": [], "links": {}}
    forged = f"pathways-live-{notify_service.service.id}-00000000-0000-4000-8000-000000000000"
    with pytest.raises(Exception) as refused:
        NotificationsAPIClient(forged, base_url=notify_service.url).get_all_notifications()
    assert refused.value.status_code == 403
    assert refused.value.message == [{"error": "AuthError",
                                      "message": "Invalid token: API key not found"}]
    # A token issued more than 30 seconds ago is refused, as Notify refuses it.
    import requests

    key = notify_service.service.keys[0]
    old = jwt.encode({"iss": notify_service.service.id, "iat": int(time.time()) - 31},
                     key.secret, algorithm="HS256")
    answer = requests.get(notify_service.url + "/v2/notifications", timeout=5,
                          headers={"Authorization": f"Bearer {old}"})
    assert answer.status_code == 403 and "30 seconds" in answer.json()["errors"][0]["message"]


def test_each_recipient_gets_their_own_message_with_its_own_reference(notify_service, users):
    notification = owed([users["commissioner"], users["wardmanager"], users["chair"]])
    assert notification_send(notification.pk) is True
    sent = emails(notify_service)
    assert sorted(m["email_address"] for m in sent) == sorted(
        users[n].email for n in ("commissioner", "wardmanager", "chair"))
    assert len({m["reference"] for m in sent}) == 3 and not mail.outbox
    for delivery in notification.deliveries.all():
        message = notify_service.notifications[str(delivery.notify_id)]
        assert message["reference"] == delivery.reference
        assert message["subject"] == "Pathways: a test" and "PW-TEST" in message["body"]
        assert delivery.status == "created" and delivery.sent_at is not None
    assert notification_send(notification.pk) is False and len(emails(notify_service)) == 3


def _receipt(client, body, token=CALLBACK_TOKEN):
    return client.post(reverse("notifications:delivery_receipts"), json.dumps(body),
                       content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_receipt_moves_the_status_once_and_a_forged_or_repeated_one_changes_nothing(
        receipts, client):
    from accounts.models import User

    notify_service = receipts
    users = {u.username: u for u in User.objects.all()}
    notification = owed([users["commissioner"]])
    notification_send(notification.pk)
    delivery = notification.deliveries.get()
    body = {"id": str(delivery.notify_id), "reference": delivery.reference,
            "status": "delivered", "completed_at": "2026-12-06T10:00:00.000000Z"}
    forged = _receipt(client, body, token="guess")
    assert forged.status_code == 401 and forged.json()["code"] == "not_authenticated"
    delivery.refresh_from_db()
    assert delivery.status == "created"
    # Notify's own receipt, posted to the callback by the server.
    answer = notify_service.deliver(str(delivery.notify_id), "delivered")
    assert answer.status_code == 200 and answer.json() == {"recorded": True}
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.status_at is not None
    again = _receipt(client, body)
    assert again.status_code == 200 and again.json() == {"recorded": False}
    later = _receipt(client, {**body, "status": "permanent-failure"})
    assert later.json() == {"recorded": False}          # a final status stays final
    assert _receipt(client, {"status": "delivered"}).status_code == 400
    with override_settings(NOTIFY_CALLBACK_BEARER_TOKEN=""):
        assert _receipt(client, body).status_code == 404


def test_a_permanent_failure_reaches_the_action_and_the_coordinators(receipts, client):
    from accounts.models import User

    notify_service = receipts
    users = {u.username: u for u in User.objects.all()}

    def client_for(name):
        client.force_login(users[name])
        return client

    action = Action.objects.filter(owner=users["wardmanager"], status="completed").first() \
        or Action.objects.filter(owner=users["wardmanager"]).first()
    Action.objects.filter(pk=action.pk).update(status="open")
    action.refresh_from_db()
    notification = owed([users["wardmanager"]], key="test:bounce", action=action)
    notification_send(notification.pk)
    delivery = notification.deliveries.get()
    notify_service.deliver(str(delivery.notify_id), "permanent-failure")
    page = reverse("reviews:action", args=[action.pk])
    coordinator_page = client_for("coordinator").get(page).content.decode()
    assert "The owner did not get their email" in coordinator_page
    assert "Record the follow-up" in coordinator_page
    work = [i for i in Inbox(users["coordinator"], thresholds()) if i.kind == "bounced"]
    assert [i.url for i in work if str(action.pk) in str(i.url)]
    # The owner's own page says it too, without the form.
    owner_page = client_for("wardmanager").get(page).content.decode()
    assert "The owner did not get their email" in owner_page
    assert "Record the follow-up" not in owner_page
    # The coordinator says how the owner was reached: a decision, and the item goes.
    follow = client_for("coordinator").post(
        reverse("workflows:owner_email_follow_up", args=[action.pk]),
        {"followup-how": "Phoned the ward; the owner's address had a typo, now mended."})
    assert follow.status_code == 302
    decision = Decision.objects.get(kind="owner_email_followed_up", subject_id=str(action.pk))
    assert decision.reason.startswith("Phoned the ward")
    assert not [i for i in Inbox(users["coordinator"], thresholds())
                if i.kind == "bounced" and str(action.pk) in str(i.url)]
    refused = client_for("commissioner").post(
        reverse("workflows:owner_email_follow_up", args=[action.pk]), {"followup-how": "x"})
    assert refused.status_code == 403


@pytest.mark.parametrize("fault", ["429", "500", "timeout"])
def test_a_rate_limit_a_server_error_or_a_timeout_is_retried_and_sent_once(
        notify_service, users, fault):
    notification = owed([users["commissioner"]], key=f"test:{fault}")
    if fault == "timeout":
        notify_service.stall_next(3)           # longer than the client waits (2 s)
    else:
        notify_service.fail_next(int(fault), times=2)
    with pytest.raises(notify.NotifyUnavailable):
        notification_send(notification.pk)
    delivery = notification.deliveries.get()
    assert delivery.sent_at is None and delivery.error
    if fault != "timeout":
        with pytest.raises(notify.NotifyUnavailable):
            notification_send(notification.pk)
    time.sleep(1.5 if fault == "timeout" else 0)     # the stalled answer arrives and is lost
    assert notification_send(notification.pk) is True
    assert len(emails(notify_service)) == 1
    delivery.refresh_from_db()
    assert delivery.status == "created" and delivery.error == "" and delivery.attempts >= 2


def test_a_bad_request_is_not_retried_and_its_error_is_kept(notify_service, users):
    users["commissioner"].email = "not-an-address"
    users["commissioner"].save()
    notification = owed([users["commissioner"], users["chair"]], key="test:400")
    assert notification_send(notification.pk) is True       # done: one sent, one refused
    refused = notification.deliveries.get(address="not-an-address")
    assert refused.status == "refused" and refused.sent_at is None
    assert refused.error.startswith("400 ValidationError: email_address Not a valid")
    assert notification_send(notification.pk) is False
    assert len(emails(notify_service)) == 1


def test_a_team_key_sends_only_to_the_team_as_notify_intends(notify_service, users, settings):
    settings.NOTIFY_API_KEY = notify_service.service.api_key("team")
    notify_service.service.team.add(users["commissioner"].email)
    notification = owed([users["commissioner"], users["chair"]], key="test:team")
    notification_send(notification.pk)
    by_address = {d.address: d for d in notification.deliveries.all()}
    assert by_address[users["commissioner"].email].status == "created"
    assert "team-only API key" in by_address[users["chair"].email].error


def test_a_worker_killed_after_notify_took_the_message_does_not_send_it_again(
        notify_service, users, monkeypatch):
    """The send reaches Notify, then the worker dies before marking it: the next run asks
    Notify for the reference and marks it sent, without a second message."""
    from notifications import services

    notification = owed([users["commissioner"]], key="test:killed")
    real = notify.send_email

    def taken_then_killed(**kwargs):
        real(**kwargs)
        raise SystemExit("the worker was killed")

    monkeypatch.setattr(services.notify, "send_email", taken_then_killed)
    with pytest.raises(SystemExit):
        notification_send(notification.pk)
    delivery = notification.deliveries.get()
    assert delivery.sent_at is None and delivery.attempts == 1
    assert len(emails(notify_service)) == 1
    monkeypatch.setattr(services.notify, "send_email", real)
    assert send_notification(notification.pk) is True
    delivery.refresh_from_db()
    assert len(emails(notify_service)) == 1
    assert str(delivery.notify_id) == emails(notify_service)[0]["id"]


def test_a_status_not_received_in_72_hours_is_fetched(notify_service, users):
    notification = owed([users["commissioner"]], key="test:72h")
    notification_send(notification.pk)
    delivery = notification.deliveries.get()
    notify_service.notifications[str(delivery.notify_id)]["status"] = "delivered"
    assert delivery_statuses_fetch() == 0                 # too soon to ask
    Delivery.objects.filter(pk=delivery.pk).update(
        sent_at=timezone.now() - timedelta(hours=73))
    assert delivery_statuses_fetch() == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert delivery_statuses_fetch() == 0


def test_the_action_notices_name_their_action(users):
    action = Action.objects.filter(owner__isnull=False).select_related("owner", "person").first()
    action.verified_at = timezone.now()
    notify_action_verified(action)
    assert Notification.objects.get(key__startswith=f"action:{action.pk}:verified").action \
        == action


def test_a_settings_mistake_stops_the_start(settings):
    settings.NOTIFY_API_KEY = "not-a-key"
    settings.NOTIFY_TEMPLATE_ID = "not-a-template"
    settings.NOTIFY_TEMPLATE_IDS = {"no_such_kind": "also-wrong"}
    settings.NOTIFY_CALLBACK_BEARER_TOKEN = ""
    errors = notify.configuration_errors()
    assert len(errors) == 5
    assert any("NOTIFY_TEMPLATE_IDS names no kind" in e for e in errors)
