"""GOV.UK Notify's part for a review coordinator (issue 43), by keyboard and with axe: an
action owner's email came back as a permanent failure; the coordinator finds it in My work,
reads it on the action and records how the owner was reached."""
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from audit.models import Decision
from notifications.models import Delivery
from notifications.services import notification_owe
from reviews.models import Action

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_follows_up_an_owner_whose_email_did_not_arrive(page, keys):
    owner = User.objects.get(username="wardmanager")
    action = Action.objects.filter(owner=owner, status__in=Action.OPEN_STATUSES).first()
    notification = notification_owe(
        key=f"action:{action.pk}:journey", kind="overdue", users=[owner], action=action,
        subject="Pathways: action overdue", body="An action is overdue. Sign in to see it.")
    # Notify's receipt: the address does not exist.
    Delivery.objects.filter(notification=notification).update(
        sent_at=timezone.now(), notify_id="6f1d4c8e-57b7-4c83-a3a7-5d0f7a2f8c11",
        status="permanent-failure", status_at=timezone.now())

    sign_in(page, "coordinator")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    keys.press(page.get_by_role("link", name=re.compile(
        "^An action owner did not get their email")).first)
    expect(page.get_by_role("heading", name="The owner did not get their email")).to_be_visible()
    assert_accessible(page)
    keys.press(page.get_by_role("button", name="Record the follow-up"))
    expect(page.get_by_text("Say how the owner was reached").first).to_be_visible()
    keys.type(page.get_by_label("How the owner was reached, or what was done"),
              "Phoned Willow Ward: the address had a typo; mended in the directory.")
    keys.press(page.get_by_role("button", name="Record the follow-up"))
    expect(page.get_by_text("Follow-up recorded")).to_be_visible()
    expect(page.get_by_role("heading", name="The owner did not get their email")).to_have_count(0)
    assert_accessible(page)
    assert Decision.objects.filter(kind="owner_email_followed_up",
                                   subject_id=str(action.pk)).exists()
