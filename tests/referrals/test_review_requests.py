"""Requests for a review recorded on someone's behalf (issue 16): who may ask, what the score
does with them, where they wait, and how they are answered."""
import pytest
from django.urls import reverse

from audit.models import Decision
from intervenors.models import IntervenorCase
from oversight.services import thresholds
from referrals import services
from referrals.models import Concern, PriorityPolicy
from referrals.priority import ConcernFact, PersonFacts, Weights, score
from referrals.selectors import person_priority
from tests.factories import UnitFactory, make_referral
from workflows.inbox import Inbox

pytestmark = pytest.mark.django_db


def _component(priority, key):
    return next((c for c in priority.components if c.key == key), None)


@pytest.fixture
def person(users):
    referral = make_referral(by=users["commissioner"], unit=UnitFactory(cqc_rating="good"),
                             lts_months=3)
    return referral.person


@pytest.mark.parametrize("source", Concern.REQUEST_SOURCES)
def test_a_request_from_each_source_adds_the_policys_points_once(person, users, source):
    points = PriorityPolicy.objects.order_by("-version").first().points_review_requested
    before = person_priority(person)
    services.concern_raise(person=person, by=users["intervenor"], kind="review_request",
                           source=source, category="other", severity="medium",
                           description="They asked for a review.")
    after = person_priority(person)
    assert after.score == before.score + points
    asked = _component(after, "review_requested")
    assert asked.points == points
    label = Concern.Source(source).label.lower()
    assert label.split()[-1] in asked.fact.lower()      # the source is named
    # A second request, from anyone, does not count twice; concerns are untouched.
    services.concern_raise(person=person, by=users["coordinator"], kind="review_request",
                           source="family", category="other", severity="high",
                           description="Family ask too.")
    again = person_priority(person)
    assert again.score == after.score
    assert _component(again, "concerns").points == _component(before, "concerns").points


def test_the_explainer_keeps_requests_out_of_the_concern_points():
    facts = PersonFacts(date_of_birth=__import__("datetime").date(1990, 1, 1), lts_start=None,
                        unit_rating="good", open_concerns=(
                            ConcernFact("family", "high", "review_request"),
                            ConcernFact("advocate", "medium")))
    p = score(facts, Weights(version=1, points_review_requested=7),
              __import__("datetime").date(2026, 12, 1))
    assert _component(p, "concerns").points == 5          # the advocate's concern only
    assert _component(p, "review_requested").points == 7
    assert "family or carer" in _component(p, "review_requested").fact


@pytest.mark.parametrize("source", ["cqc", "commissioner"])
def test_cqc_and_commissioners_do_not_ask_through_someone_else(person, users, source, client):
    with pytest.raises(services.DomainError):
        services.concern_raise(person=person, by=users["coordinator"], kind="review_request",
                               source=source, category="other", severity="medium",
                               description="x")
    client.force_login(users["coordinator"])
    response = client.post(reverse("referrals:concern_add", args=[person.pk]), {
        "kind": "review_request", "source": source, "category": "other",
        "severity": "medium", "description": "Please review."})
    assert response.status_code == 400
    assert "on behalf of the person" in response.content.decode()
    assert not person.concerns.filter(kind="review_request").exists()


def test_an_intervenor_records_a_request_it_waits_for_a_coordinator_who_answers_it(
        users, client):
    person = IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                           status="active").first().person
    coordinator = users["coordinator"]
    waiting = Inbox(coordinator, thresholds()).counts()["review_request"]
    client.force_login(users["intervenor"])
    response = client.post(reverse("referrals:concern_add", args=[person.pk]), {
        "kind": "review_request", "source": "advocate", "category": "quality_of_care",
        "severity": "medium", "description": "Advocate asks for a follow-up review."})
    assert response.status_code == 302
    request = person.concerns.get(kind="review_request", source="advocate",
                                  description__startswith="Advocate asks")
    assert request.recorded_by == users["intervenor"]
    decision = Decision.objects.get(kind="review_requested", subject_id=str(request.pk))
    assert decision.summary == "Review requested by advocate"
    assert decision.actor == users["intervenor"]

    inbox = Inbox(coordinator, thresholds())
    assert inbox.counts()["review_request"] == waiting + 1
    item = next(i for i in inbox if i.kind == "review_request"
                and i.reference == person.reference)
    assert item.step == "Respond to a request for a review"
    client.force_login(coordinator)
    page = client.get(reverse("workflows:inbox")).content.decode()
    assert "Respond to a request for a review" in page

    response = client.post(reverse("referrals:concern_resolve", args=[person.pk, request.pk]),
                           {"reason": "Follow-up review scheduled for January."})
    assert response.status_code == 302
    assert Inbox(coordinator, thresholds()).counts()["review_request"] == waiting
    resolved = Decision.objects.get(kind="concern_resolved", subject_id=str(request.pk))
    assert resolved.summary == "Request for a review from advocate resolved"
    still_asked = person.concerns.filter(kind="review_request", status="open").exists()
    assert (_component(person_priority(person), "review_requested") is not None) == still_asked


def test_the_queues_open_concerns_do_not_count_a_request_for_a_review(person, users):
    from referrals.selectors import triage_queue

    def row():
        return next(r for r in triage_queue(users["coordinator"]) if r.person.pk == person.pk)

    before = row().open_concerns
    services.concern_raise(person=person, by=users["intervenor"], kind="review_request",
                           source="family", category="other", severity="medium",
                           description="They asked for a review.")
    assert row().open_concerns == before
    services.concern_raise(person=person, by=users["commissioner"], kind="concern",
                           source="family", category="other", severity="high",
                           description="Restraint used twice this week.")
    assert row().open_concerns == before + 1


def test_a_request_is_due_ten_working_days_on_and_ranked_among_the_rest_of_the_work(
        users, person):
    """Issue 44: a request carries a target date, so it does not sink below every dated item
    of My work; an old request comes before newer dated work."""
    from datetime import date, timedelta

    from referrals.models import Concern
    from workflows.inbox import add_working_days

    coordinator = users["coordinator"]
    asked = Concern.objects.create(
        person=person, kind="review_request", source="family", category="quality_of_care",
        severity="medium", description="Family asks for a review.",
        raised_on=date.today() - timedelta(days=40))
    inbox = Inbox(coordinator, thresholds())
    items = list(inbox)
    item = next(i for i in items if i.kind == "review_request" and i.reference ==
                person.reference and i.since.date() == asked.raised_on)
    assert item.due == add_working_days(asked.raised_on, 10)
    assert item.overdue_on(date.today())
    # Ranked by its date: everything before it is due no later than it.
    place = items.index(item)
    assert all(i.due is not None and i.due <= item.due for i in items[:place])
    # The first page holds it when it is among the soonest due (the bounded read agrees).
    first_page = inbox[0:place + 1]
    assert item in first_page
