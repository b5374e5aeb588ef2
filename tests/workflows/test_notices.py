"""In-app notifications: only the named people concerned, an unread count, read when opened."""
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notice
from reviews.models import Review, Theme
from tests.factories import UnitFactory, make_referral
from workflows import services as flow

pytestmark = pytest.mark.django_db


def notices_of(user):
    return list(Notice.objects.filter(user=user).select_related("notification"))


def test_triage_tells_the_commissioner_who_raised_it_and_nobody_else(users,
                                                                    django_capture_on_commit_callbacks):
    referral = make_referral(by=users["commissioner"], unit=UnitFactory())
    with django_capture_on_commit_callbacks(execute=True):
        flow.referral_triage(referral=referral, by=users["coordinator"], route="review",
                             reason="Meets the criteria")
    notice, = [n for n in notices_of(users["commissioner"])
               if n.notification.key == f"referral:{referral.pk}:triaged"]
    assert notice.notification.link == reverse("referrals:detail", args=[referral.pk])
    assert referral.person.reference in notice.notification.subject
    assert "Meets the criteria" not in notice.notification.body       # no free text
    sent = [m for m in mail.outbox if referral.person.reference in m.subject]
    assert [m.to for m in sent] == [[users["commissioner"].email]]
    # Colleagues in the same organisation, and everyone else, hear nothing.
    others = Notice.objects.filter(notification=notice.notification).exclude(
        user=users["commissioner"])
    assert not others.exists()


def test_panel_allocation_and_report_reach_the_named_people(users):
    referral = make_referral(by=users["commissioner"], unit=UnitFactory())
    flow.referral_triage(referral=referral, by=users["coordinator"], route="review", reason="ok")
    review = referral.reviews.get()
    flow.review_schedule(review=review, by=users["coordinator"],
                         scheduled_for=date.today() + timedelta(days=3), chair=users["chair"],
                         members=[{"user": users["expert"], "role": "expert_by_experience"}])
    allocated = Notice.objects.filter(notification__kind="panel_allocated",
                                      notification__key__contains=str(review.pk))
    assert {n.user.username for n in allocated} == {"chair", "expert"}
    flow.review_record_panel(review=review, by=users["chair"], held_on=date.today(),
                             findings="Findings")
    flow.review_issue_report(review=review, by=users["chair"], summary="Report",
                             recommendations=[{"text": "R1", "theme": Theme.objects.first(), "actions": [
                                 {"text": "A1", "owner": users["wardmanager"],
                                  "owner_why": "The ward that will take the person.",
                                  "due_date": date.today() + timedelta(days=30)}]}])
    reported = Notice.objects.filter(notification__kind="report_issued",
                                     notification__key__startswith=f"review:{review.pk}:report")
    assert {n.user.username for n in reported} == {"commissioner", "wardmanager"}
    # The owner's notice leads to their action, which they may open; the review they may not.
    owned = reported.get(user=users["wardmanager"]).notification
    assert owned.link == reverse("reviews:action", args=[review.actions.get().pk])
    assert Review.objects.get(pk=review.pk).status == "report_issued"


def test_the_header_counts_unread_and_opening_marks_read(client_for, users):
    referral = make_referral(by=users["commissioner"], unit=UnitFactory())
    flow.referral_triage(referral=referral, by=users["coordinator"], route="review", reason="ok")
    client = client_for("commissioner")
    unread = Notice.objects.filter(user=users["commissioner"], read_at__isnull=True).count()
    assert f"{unread} unread" in client.get(reverse("workflows:inbox")).content.decode()
    notice = Notice.objects.filter(user=users["commissioner"], read_at__isnull=True,
                                   notification__kind="triaged").latest("pk")
    page = client.get(reverse("notifications:notices")).content.decode()
    assert "Unread" in page and referral.person.reference in page
    response = client.get(reverse("notifications:notice_open", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == notice.notification.link
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_someone_elses_notification_is_a_404_on_the_page_and_the_api(client_for, users):
    referral = make_referral(by=users["commissioner"], unit=UnitFactory())
    flow.referral_triage(referral=referral, by=users["coordinator"], route="review", reason="ok")
    notice = Notice.objects.filter(user=users["commissioner"]).latest("pk")
    other = client_for("commissioner2")
    assert other.get(reverse("notifications:notice_open", args=[notice.pk])).status_code == 404
    assert other.post(f"/api/v1/me/notifications/{notice.pk}/read/").status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None
    mine = client_for("commissioner")
    listed = mine.get("/api/v1/me/notifications/?unread=true").json()
    assert notice.pk in [n["id"] for n in listed["results"]]
    assert mine.post(f"/api/v1/me/notifications/{notice.pk}/read/").status_code == 200
    assert notice.pk not in [n["id"] for n in mine.get(
        "/api/v1/me/notifications/?unread=true").json()["results"]]


def test_verifying_an_action_tells_its_owner_only(client_for, users):
    from reviews.models import Action

    action = Action.objects.filter(status="completed", owner=users["commissioner"]).exclude(
        completed_by=users["oversight"]).first()
    response = client_for("oversight").post(reverse("reviews:action", args=[action.pk]), {
        "text": "Evidence checked.", "transition": "verify"})
    assert response.status_code == 302, response.content.decode()[:500]
    notice = Notice.objects.get(notification__kind="verified",
                                notification__key__startswith=f"action:{action.pk}:verified")
    assert notice.user == users["commissioner"]
