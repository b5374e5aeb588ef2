"""Escalation handled as a decision (issue 15): the oversight group records what it did about
an escalated action; a new due date resets the deadline sweep, which then escalates once more
only if the new date slips too."""
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from audit.models import Decision
from notifications.models import Notification
from oversight.services import thresholds
from pathways.errors import DomainError
from reviews.models import Action, EscalationResponse
from reviews.services import action_escalation_respond
from workflows.deadlines import sweep_action_deadlines
from workflows.inbox import Inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(users):
    """The commissioner's soonest action, alone in the sweep, escalated 15 days after its date."""
    action = Action.objects.filter(status="open", owner=users["commissioner"]).order_by(
        "due_date", "pk").first()
    Action.objects.exclude(pk=action.pk).filter(status__in=["open", "in_progress"]).update(
        status="cancelled", cancel_reason="out of scope for this test")
    sweep_action_deadlines(today=action.due_date + timedelta(days=15))
    action.refresh_from_db()
    assert action.escalated_at is not None
    return action


def _escalations(action):
    return Decision.objects.filter(subject_id=str(action.pk), kind="action_escalated").count()


def test_a_new_due_date_resets_the_sweep_and_escalates_again_exactly_once(escalated, users):
    oversight = users["oversight"]
    first_date = escalated.due_date
    today = escalated.due_date + timedelta(days=16)
    new_date = today + timedelta(days=30)
    with time_machine.travel(today, tick=False):
        action_escalation_respond(action=escalated, by=oversight, step="new_date",
                                  reason="The ICB agreed to fund the package.",
                                  follow_up_on=today + timedelta(days=14),
                                  new_due_date=new_date)
    escalated.refresh_from_db()
    assert (escalated.due_date, escalated.escalated_at) == (new_date, None)
    decision = Decision.objects.get(subject_id=str(escalated.pk), kind="escalation_responded")
    assert decision.actor == oversight and decision.facts["new_due_date"] == new_date.isoformat()
    assert decision.summary.endswith(f"now due {new_date:%d %b %Y}")

    # Nothing owed until the new date comes near; then one reminder, one overdue notice...
    assert sweep_action_deadlines(today=today) == {"due_soon": 0, "overdue": 0, "escalated": 0}
    assert sweep_action_deadlines(today=new_date - timedelta(days=3))["due_soon"] == 1
    assert sweep_action_deadlines(today=new_date - timedelta(days=2))["due_soon"] == 0
    # ...and if the new date slips 14 days, one new escalation however often the sweep runs.
    late = new_date + timedelta(days=15)
    assert sweep_action_deadlines(today=late) == {"due_soon": 0, "overdue": 1, "escalated": 1}
    assert sweep_action_deadlines(today=late) == {"due_soon": 0, "overdue": 0, "escalated": 0}
    assert _escalations(escalated) == 2
    keys = set(Notification.objects.filter(key__startswith=f"action:{escalated.pk}:escalated")
               .values_list("key", flat=True))
    assert keys == {f"action:{escalated.pk}:escalated:{d.isoformat()}"
                    for d in (first_date, new_date)}


def test_without_a_new_date_it_comes_back_to_the_groups_work_on_the_follow_up_day(
        escalated, users):
    oversight = users["oversight"]
    inbox = Inbox(oversight, thresholds())
    item = next(i for i in inbox if i.kind == "escalation"
                and i.url == reverse("reviews:action", args=[escalated.pk]))
    assert item.due == escalated.escalated_at.date()      # due at once
    follow_up = date.today() + timedelta(days=21)
    action_escalation_respond(action=escalated, by=oversight, step="wrote_to_icb",
                              reason="Wrote to the ICB's chief executive.",
                              follow_up_on=follow_up)
    escalated.refresh_from_db()
    assert escalated.escalated_at is not None              # still escalated
    item = next(i for i in Inbox(oversight, thresholds()) if i.kind == "escalation"
                and i.url == reverse("reviews:action", args=[escalated.pk]))
    assert item.due == follow_up
    assert sweep_action_deadlines(today=date.today())["escalated"] == 0


@pytest.mark.parametrize("change, message", [
    ({"follow_up_on": date.today()}, "after today"),
    ({"step": "new_date", "new_due_date": None}, "Give the new due date"),
    ({"new_due_date": date.today() - timedelta(days=1)}, "must be after today"),
    ({"reason": "  "}, "Say what was done"),
    ({"step": "lunch"}, "Choose what the group did"),
])
def test_bad_input_is_refused_and_nothing_is_saved(escalated, users, change, message):
    data = {"step": "wrote_to_icb", "reason": "Wrote.", "new_due_date": None,
            "follow_up_on": date.today() + timedelta(days=7)} | change
    with pytest.raises(DomainError, match=message):
        action_escalation_respond(action=escalated, by=users["oversight"], **data)
    assert not EscalationResponse.objects.filter(action=escalated).exists()


def test_only_the_oversight_group_and_only_on_an_escalated_action(escalated, users, client):
    url = reverse("reviews:action_escalation", args=[escalated.pk])
    data = {"step": "raised_with_region", "reason": "Raised at the regional call.",
            "follow_up_on": (date.today() + timedelta(days=7)).isoformat()}
    client.force_login(users["coordinator"])
    assert client.post(url, data).status_code == 403
    client.force_login(users["commissioner"])                # the owner cannot either
    assert client.post(url, data).status_code == 403
    assert not EscalationResponse.objects.exists()
    client.force_login(users["oversight"])
    page = client.get(reverse("reviews:action", args=[escalated.pk])).content.decode()
    assert "Record what the group did about this escalation" in page
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "Raised with the NHS England region" in response.content.decode()
    not_escalated = Action.objects.filter(escalated_at__isnull=True).exclude(
        pk=escalated.pk).first()
    Action.objects.filter(pk=not_escalated.pk).update(status="open", cancel_reason="")
    response = client.post(reverse("reviews:action_escalation", args=[not_escalated.pk]), data)
    assert response.status_code in (400, 409)
    assert "has not been escalated" in response.content.decode()
