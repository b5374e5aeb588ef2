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


def test_a_commissioner_posts_the_easy_read_and_sees_the_letters_status(page, keys,
                                                                         notify_service):
    """Record consent and an address, post the easy read, see the letter's status."""
    from reviews.models import EasyReadSummary

    server = notify_service
    easy = EasyReadSummary.objects.select_related("review__referral").first()
    commissioner = User.objects.get(groups__name="Commissioner",
                                    organisation=easy.review.referral.organisation_id)
    sign_in(page, commissioner.username)
    page.goto(f"/reviews/{easy.review_id}/#post-easy-read")
    form = page.locator("form[action$='/easy-read/post/']")
    keys.type(form.get_by_label("Postal address"),
              "Sam Example\nFlat 2, 10 River Road\nLondon")
    keys.tick(form.get_by_label("The person agreed to have it posted to this address"))
    keys.type(form.get_by_label("How they agreed"), "Asked at the review, with her advocate.")
    keys.press(form.get_by_role("button", name="Post the easy read"))
    expect(page.get_by_role("alert")).to_contain_text("UK postcode")
    assert_accessible(page)
    form = page.locator("form[action$='/easy-read/post/']")
    keys.type(form.get_by_label("Postal address"),
              "Sam Example\nFlat 2, 10 River Road\nLondon\nNW1 8AB")
    keys.tick(form.get_by_label("The person agreed to have it posted to this address"))
    keys.press(form.get_by_role("button", name="Post the easy read"))
    expect(page.get_by_text("Received by GOV.UK Notify, being checked")).to_be_visible()
    assert_accessible(page)
    assert [n["type"] for n in server.notifications.values()] == ["letter"]
