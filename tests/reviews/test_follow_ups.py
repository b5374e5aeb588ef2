"""A review leads to the next: the chair's follow-up date, the sweep that starts it on that
date, and the follow-up's page showing what changed since the last review."""
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from oversight.services import thresholds
from pathways.errors import DomainError
from reviews.models import BarrierDomain, Review, Theme
from reviews.services import FOLLOW_UP_DAYS, FOLLOW_UP_DAYS_CHILD
from workflows import services as flow
from workflows.followups import comparison, start_due_follow_ups
from workflows.inbox import Inbox

from .test_reviews import routed_review, schedule

pytestmark = pytest.mark.django_db


def held(users, age=30, barriers=("Funding and commissioning",)):
    review = routed_review(users, age=age)
    schedule(users, review)
    domains = list(BarrierDomain.objects.filter(active=True))
    flow.review_record_panel(review=review, by=users["chair"], held_on=date.today(),
                             findings="No provider.", barriers=[
                                 {"domain": d, "is_barrier": d.name in barriers,
                                  "evidence": "Seen." if d.name in barriers else ""}
                                 for d in domains])
    return review


def issue(users, review, **extra):
    return flow.review_issue_report(review=review, by=users["chair"], summary="Report.",
                                    recommendations=[{"text": "Find a provider.",
                                                      "theme": Theme.objects.first(), "actions": [
                                        {"text": "Two offers.", "owner": users["commissioner"],
                                         "due_date": date.today() + timedelta(30)}]}], **extra)


def test_the_follow_up_date_defaults_to_3_months_or_6_weeks_for_a_child(users):
    adult = issue(users, held(users))
    assert adult.follow_up_by == date.today() + timedelta(FOLLOW_UP_DAYS)
    child = issue(users, held(users, age=15))
    assert child.follow_up_by == date.today() + timedelta(FOLLOW_UP_DAYS_CHILD)


def test_a_follow_up_date_that_is_not_after_today_is_refused_and_nothing_is_issued(users):
    review = held(users)
    with pytest.raises(DomainError) as refused:
        issue(users, review, follow_up_by=date.today())
    assert refused.value.field == "follow_up_by"
    review.refresh_from_db()
    assert review.status == "held" and review.follow_up_by is None
    assert not review.recommendations.exists()


def test_the_follow_up_joins_the_coordinators_work_on_its_date_and_only_once(users):
    review = issue(users, held(users), follow_up_by=date.today() + timedelta(20))
    reference = review.person.reference

    def scheduling_this_person():
        return [i for i in Inbox(users["coordinator"], thresholds())
                if i.reference == reference and i.step == "Schedule the panel"]

    assert start_due_follow_ups(date.today() + timedelta(19)) == 0
    assert not scheduling_this_person()
    with time_machine.travel(date.today() + timedelta(20)):
        assert start_due_follow_ups() == 1
        assert start_due_follow_ups() == 0  # the sweep runs daily; once is enough
    follow_up = Review.objects.get(follows=review)
    assert follow_up.status == "requested" and follow_up.referral_id == review.referral_id
    assert len(scheduling_this_person()) == 1
    assert follow_up.history.first().history_change_reason.startswith("Follow-up review started")


def test_the_follow_up_shows_the_checklist_beside_the_last_and_the_actions_since(users,
                                                                               client_for):
    first = issue(users, held(users, barriers=("Funding and commissioning",
                                               "Physical environment")),
                  follow_up_by=date.today() + timedelta(1))
    with time_machine.travel(date.today() + timedelta(1)):
        start_due_follow_ups()
    follow_up = Review.objects.get(follows=first)
    before = comparison(follow_up)
    assert {r["change"] for r in before["checklist"]} == {"Not yet recorded"}

    schedule(users, follow_up)
    domains = list(BarrierDomain.objects.filter(active=True))
    now_barriers = {"Physical environment", "Staff skills and confidence"}
    flow.review_record_panel(review=follow_up, by=users["chair"], held_on=date.today(),
                             findings="Funding agreed.", barriers=[
                                 {"domain": d, "is_barrier": d.name in now_barriers,
                                  "evidence": "Seen." if d.name in now_barriers else ""}
                                 for d in domains])
    changes = {r["domain"].name: r["change"] for r in comparison(follow_up)["checklist"]}
    was = {"Funding and commissioning", "Physical environment"}
    for d in domains:
        expected = ("Still a barrier" if d.name in was & now_barriers else
                    "No longer a barrier" if d.name in was else
                    "Now a barrier" if d.name in now_barriers else "Still not a barrier")
        assert changes[d.name] == expected, d.name

    page = client_for("chair").get(reverse("reviews:detail", args=[follow_up.pk]))
    text = page.content.decode()
    assert "Follow-up ICTR for" in text and "Since the last review" in text
    assert "No longer a barrier" in text and "Two offers." in text
    assert comparison(first) is None


def test_the_report_form_offers_the_default_date_and_refuses_a_past_one(client_for, users):
    review = held(users)
    chair = client_for("chair")
    page = chair.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    default = date.today() + timedelta(FOLLOW_UP_DAYS)
    assert (f'id="id_follow_up_by_day" name="follow_up_by[day]" type="text" '
            f'value="{default.day}" inputmode="numeric"') in page
    yesterday = date.today() - timedelta(1)
    response = chair.post(reverse("reviews:report", args=[review.pk]), {
        "summary": "Report.", "follow_up_by_day": yesterday.day,
        "follow_up_by_month": yesterday.month, "follow_up_by_year": yesterday.year,
        "recs-TOTAL_FORMS": "1", "recs-INITIAL_FORMS": "0", "recs-MIN_NUM_FORMS": "0",
        "recs-MAX_NUM_FORMS": "10", "recs-0-text": "Find a provider.",
        "recs-0-theme": Theme.objects.first().pk,
        "recs-0-action_text": "Two offers.", "recs-0-owner": users["commissioner"].pk,
        "recs-0-due_date": str(date.today() + timedelta(30))})
    assert response.status_code == 400
    assert "The follow-up review must be after today." in response.content.decode()
