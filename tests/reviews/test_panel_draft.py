"""A chair cannot lose a panel's notes (issue 44): what is typed is kept as a draft, by the
page's script as they type or by "Save a draft", and comes back after a reload, a sign-out or
a timeout, until the panel is recorded. Only its author sees it."""
from datetime import date

import pytest
from django.urls import reverse

from reviews.models import BarrierDomain, PanelDraft
from reviews.services import DRAFT_LIMIT
from workflows import services as flow

from .test_reviews import routed_review, schedule

pytestmark = pytest.mark.django_db

NOTES = "The person has no community provider; the ICB has not agreed a budget."


@pytest.fixture
def review(users):
    review = routed_review(users)
    schedule(users, review)
    return review


def test_save_a_draft_keeps_every_box_and_it_survives_signing_out(client_for, users, review):
    domain = BarrierDomain.objects.filter(active=True).first()
    chair = client_for("chair")
    response = chair.post(reverse("reviews:panel", args=[review.pk]), {
        "save_draft": "1", "findings": NOTES, "held_on_day": str(date.today().day),
        f"barrier_{domain.pk}": "on", f"evidence_{domain.pk}": "No budget."})
    assert response.status_code == 302
    assert response["Location"].endswith("#record-the-panel")
    draft = PanelDraft.objects.get(review=review, author=users["chair"])
    assert draft.data["findings"] == [NOTES] and "csrfmiddlewaretoken" not in draft.data

    # A new session (the old one ended): the draft is still there, ticks and all.
    again = client_for("chair")
    page = again.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert NOTES.replace("'", "&#x27;") in page or NOTES in page
    assert "This is your draft, saved at" in page
    tick = page[page.index(f'name="barrier_{domain.pk}"') - 200:
                page.index(f'name="barrier_{domain.pk}"') + 200]
    assert "checked" in tick
    review.refresh_from_db()
    assert review.status == "scheduled" and not review.findings   # not part of the record


def test_the_script_saves_as_the_chair_types_and_answers_in_json(client_for, users, review):
    url = reverse("reviews:panel_draft", args=[review.pk])
    response = client_for("chair").post(url, {"findings": NOTES})
    assert response.status_code == 200 and "saved_at" in response.json()
    response = client_for("chair").post(url, {"findings": NOTES + " More."})
    assert PanelDraft.objects.get(review=review).data["findings"] == [NOTES + " More."]

    too_long = client_for("chair").post(url, {"findings": "x" * (DRAFT_LIMIT + 1)})
    assert too_long.status_code == 400 and "too long" in too_long.json()["detail"]
    assert PanelDraft.objects.get(review=review).data["findings"] == [NOTES + " More."]


def test_nobody_else_writes_or_reads_a_chairs_draft(client_for, users, review):
    url = reverse("reviews:panel_draft", args=[review.pk])
    client_for("chair").post(url, {"findings": NOTES})
    # Another chair cannot see the review at all: the same answer as for no review.
    other = client_for("chair2").post(url, {"findings": "Mine now"})
    missing = client_for("chair2").post(reverse("reviews:panel_draft",
                                                args=["00000000-0000-0000-0000-000000000000"]),
                                        {"findings": "x"})
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    # A panel member sees the review but is not its chair.
    member = client_for("expert").post(url, {"findings": "Not mine"})
    assert member.status_code in (403, 404)
    assert PanelDraft.objects.get(review=review).data["findings"] == [NOTES]
    page = client_for("expert").get(reverse("reviews:detail", args=[review.pk]))
    assert NOTES not in page.content.decode()


def test_recording_the_panel_ends_the_draft_and_then_none_is_kept(client_for, users, review):
    url = reverse("reviews:panel_draft", args=[review.pk])
    client_for("chair").post(url, {"findings": NOTES})
    flow.review_record_panel(review=review, by=users["chair"], held_on=date.today(),
                             findings=NOTES)
    assert not PanelDraft.objects.filter(review=review).exists()
    late = client_for("chair").post(url, {"findings": "After the record"})
    assert late.status_code == 409 and late.json()["code"] == "review_wrong_state"


def test_the_timeout_warning_and_what_the_sign_in_page_says_after_it(client, client_for,
                                                                     settings):
    page = client_for("chair").get(reverse("workflows:inbox")).content.decode()
    assert "data-session-timeout" in page
    assert f'data-idle-seconds="{settings.SESSION_COOKIE_AGE}"' in page
    assert 'data-warn-seconds="120"' in page
    renew = reverse("session_renew")
    assert client_for("chair").get(renew).json()["signed_in"] is True
    gone = client.get(renew)
    assert gone.status_code == 401 and gone.json() == {"signed_in": False}
    signed_out = client.get(reverse("login") + "?timed_out=1").content.decode()
    assert "You were signed out because nothing was done for 30 minutes" in signed_out
    assert "data-session-timeout" not in signed_out


def test_signing_out_when_the_warning_ran_out_comes_back_to_the_page(client_for):
    chair = client_for("chair")
    response = chair.post(reverse("logout"), {"timed_out": "1", "next": "/reviews/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?timed_out=1&next=%2Freviews%2F"
    assert chair.get(reverse("session_renew")).status_code == 401
    elsewhere = client_for("chair").post(reverse("logout"), {"timed_out": "1",
                                                             "next": "https://example.com/"})
    assert elsewhere["Location"] == reverse("login") + "?timed_out=1"
