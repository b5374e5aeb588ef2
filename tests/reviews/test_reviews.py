"""IC(E)TR reviews from routing to an issued report, and the action lifecycle."""
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organisation
from audit.models import Decision
from pathways.errors import ConflictError, DomainError
from reviews.models import Action, BarrierDomain, Review, Theme
from reviews.services import action_update
from tests.factories import UnitFactory, make_referral
from workflows import services as flow

pytestmark = pytest.mark.django_db
TOMORROW = date.today() + timedelta(days=1)
NEXT_MONTH = date.today() + timedelta(days=30)


def routed_review(users, *, age=30) -> Review:
    referral = make_referral(by=users["commissioner"], unit=UnitFactory(), age=age)
    flow.referral_triage(referral=referral, by=users["coordinator"], route="review", reason="ok")
    return referral.reviews.get()


def schedule(users, review, **overrides):
    data = {"review": review, "by": users["coordinator"], "scheduled_for": TOMORROW,
            "chair": users["chair"], "members": [
                {"user": users["expert"], "role": "expert_by_experience"},
                {"external_name": "Dr Clinical", "role": "clinical_expert"}]}
    if review.kind == Review.Kind.ICETR:
        data["members"] = [*data["members"], {"external_name": "Head teacher (fictional)",
                                              "role": "education"}]
    data.update(overrides)
    return flow.review_schedule(**data)


def report_post(owner, due=NEXT_MONTH, **overrides):
    data = {"summary": "The panel's report.",
            "recs-TOTAL_FORMS": "2", "recs-INITIAL_FORMS": "0", "recs-MIN_NUM_FORMS": "0",
            "recs-MAX_NUM_FORMS": "10",
            "recs-0-text": "Commission a community provider.",
            "recs-0-theme": str(Theme.objects.get(code="housing-provider-market").pk),
            "recs-0-action_text": "Find two providers.",
            "recs-0-owner": str(owner.pk),
            "recs-0-due_date": str(due),
            "recs-1-text": ""}
    data.update(overrides)
    return data


def test_review_goes_from_routing_to_issued_report_through_the_pages(client_for, users):
    review = routed_review(users)
    assert (review.kind, review.status) == ("ictr", "requested")
    coordinator, chair = client_for("coordinator"), client_for("chair")
    response = coordinator.post(reverse("reviews:schedule", args=[review.pk]), {
        "scheduled_for": str(TOMORROW), "chair": users["chair"].pk,
        "expert_by_experience": users["expert"].pk, "clinical_expert_name": "Dr Reid",
        "commissioner_member": users["commissioner"].pk, "consent_recorded": "on",
        "reasonable_adjustments": "Quiet room"})
    assert response.status_code == 302, response.content.decode()[:2000]
    review.refresh_from_db()
    assert review.status == "scheduled" and review.panel.count() == 4

    domains = list(BarrierDomain.objects.filter(active=True))
    panel = {"held_on": str(date.today()), "findings": "No provider commissioned.",
             "attendance": "All", f"barrier_{domains[0].pk}": "on",
             f"evidence_{domains[0].pk}": "No plan", f"intervention_{domains[0].pk}": "Plan it"}
    response = chair.post(reverse("reviews:panel", args=[review.pk]), panel)
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "held" and review.barriers.get(domain=domains[0]).is_barrier

    # The barrier's planned intervention is offered as the first recommendation (issue 44).
    page = chair.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    first = page[page.index('name="recs-0-text"'):]
    assert first[first.index(">") + 1:first.index("</textarea>")].strip() == "Plan it"
    assert 'name="recs-1-text"' in page

    owner = users["commissioner"]
    response = chair.post(reverse("reviews:report", args=[review.pk]), report_post(owner))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "report_issued" and review.process.status == "DONE"
    action = review.actions.get()
    assert (action.owner, action.owner_organisation, action.due_date) == (
        owner, owner.organisation, NEXT_MONTH)
    assert action.owner_name == "Amira Khan, Head of learning disability commissioning"
    page = chair.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert "Find two providers." in page and "Amira Khan" in page
    kinds = set(Decision.objects.filter(person=review.person).values_list("kind", flat=True))
    assert {"panel_scheduled", "panel_held", "report_issued"} <= kinds
    # The named owner sees and can update their action.
    actions_page = client_for("commissioner").get(reverse("reviews:actions")).content.decode()
    assert "Find two providers." in actions_page


def test_a_sixteen_year_old_gets_an_icetr(users):
    assert routed_review(users, age=16).kind == "icetr"


def test_scheduling_refuses_past_dates_chairs_without_the_role_and_conflicts(users):
    review = routed_review(users)
    with pytest.raises(DomainError, match="after today"):
        schedule(users, review, scheduled_for=date.today())
    with pytest.raises(DomainError, match="Review chair role"):
        schedule(users, review, chair=users["expert"])
    with pytest.raises(DomainError, match="conflict of interest"):
        schedule(users, review, members=[{"user": users["expert"], "role": "expert_by_experience",
                                          "conflict_declared": True}])
    review.refresh_from_db()
    assert review.status == "requested" and review.panel.count() == 0


def test_the_schedule_form_explains_a_chair_without_the_role(client_for, users):
    review = routed_review(users)
    response = client_for("coordinator").post(reverse("reviews:schedule", args=[review.pk]), {
        "scheduled_for": str(TOMORROW), "chair": users["expert"].pk})
    assert response.status_code == 400
    assert "Review chair role" in response.content.decode()


def test_report_needs_a_recommendation_an_owner_and_a_future_due_date(client_for, users):
    review = routed_review(users)
    schedule(users, review)
    flow.review_record_panel(review=review, by=users["chair"], held_on=date.today(),
                             findings="Findings")
    owner = users["commissioner"]
    chair = client_for("chair")
    cases = [
        (report_post(owner, **{"recs-0-text": "", "recs-0-action_text": ""}), "at least one"),
        (report_post(owner, **{"recs-0-owner": ""}),
         "Named owner for recommendation 1: choose the person who owns this action"),
        (report_post(users["coordinator"]), "Choose named owner from the list offered"),
        (report_post(owner, due=date.today() - timedelta(days=1)),
         "Due date for recommendation 1 must be after today"),
        (report_post(owner, **{"recs-0-theme": ""}), "Theme of recommendation 1"),
    ]
    for data, message in cases:
        response = chair.post(reverse("reviews:report", args=[review.pk]), data)
        html = response.content.decode()
        assert response.status_code == 400 and message in html
        # On the field and in the summary, which links to the field (issue 44).
        if "recommendation 1" in message:
            assert html.count(message) == 2
            summary = html[html.index("nhsuk-error-summary"):]
            assert 'href="#id_recs-0-' in summary[:summary.index("</ul>")]
    review.refresh_from_db()
    assert review.status == "held" and not review.recommendations.exists()
    assert not Action.objects.filter(review=review).exists()


def test_steps_cannot_be_skipped(users):
    review = routed_review(users)
    with pytest.raises(ConflictError):
        flow.review_record_panel(review=review, by=users["chair"], held_on=date.today(),
                                 findings="Too early")
    with pytest.raises(ConflictError):
        flow.review_issue_report(review=review, by=users["chair"], summary="x",
                                 recommendations=[])
    schedule(users, review)
    with pytest.raises(DomainError, match="Only the chair"):
        flow.review_record_panel(review=review, by=users["chair2"], held_on=date.today(),
                                 findings="Not my review")
    review.refresh_from_db()
    assert review.status == "scheduled"


def an_action(users, status="open"):
    return Action.objects.filter(status=status, owner=users["commissioner"]).first()


def test_action_lifecycle_allows_and_refuses_transitions(users):
    action = an_action(users)
    with pytest.raises(DomainError, match="evidence"):
        action_update(action=action, by=users["commissioner"], text="Done",
                      transition="complete")
    with pytest.raises(ConflictError):
        action_update(action=action, by=users["oversight"], text="ok", transition="verify")
    action_update(action=action, by=users["commissioner"], text="Started", transition="start")
    action_update(action=action, by=users["commissioner"], text="Done", transition="complete",
                  evidence="Minutes of 3 March")
    action_update(action=action, by=users["oversight"], text="Checked", transition="verify")
    action.refresh_from_db()
    assert action.status == "verified" and action.verified_by == users["oversight"]
    with pytest.raises(ConflictError):
        action_update(action=action, by=users["oversight"], text="x", transition="cancel",
                      reason="late")
    assert [h.status for h in action.history.order_by("history_date")][-3:] == [
        "in_progress", "completed", "verified"]
    assert Decision.objects.filter(subject_id=str(action.pk), kind="action_verified").exists()


def test_cancelling_needs_a_reason(users):
    action = an_action(users)
    with pytest.raises(DomainError, match="reason"):
        action_update(action=action, by=users["oversight"], text="x", transition="cancel")
    action_update(action=action, by=users["oversight"], text="No longer needed",
                  transition="cancel", reason="Person discharged")
    action.refresh_from_db()
    assert (action.status, action.cancel_reason) == ("cancelled", "Person discharged")


def test_owner_posts_an_update_through_the_page_and_others_cannot(client_for, users):
    action = an_action(users)
    url = reverse("reviews:action", args=[action.pk])
    response = client_for("commissioner").post(url, {"text": "On track", "transition": "start"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress" and action.updates.get().text == "On track"
    assert client_for("commissioner2").get(url).status_code == 404
    assert client_for("commissioner2").post(url, {"text": "x"}).status_code == 404


def test_chair2_cannot_open_chairs_review_and_sees_none_of_them(client_for, users):
    chairs = Review.objects.filter(panel__user=users["chair"])
    assert chairs.exists()
    other = client_for("chair2")
    listing = other.get(reverse("reviews:list")).content.decode()
    for review in chairs:
        assert other.get(reverse("reviews:detail", args=[review.pk])).status_code == 404
        assert str(review.pk) not in listing
    assert "You are not on any review panels." in listing


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_review_page_and_my_reviews_cost_the_same_with_2_and_20_actions(client_for, users):
    review = routed_review(users)
    schedule(users, review)
    flow.review_record_panel(review=review, by=users["chair"], held_on=date.today(),
                             findings="Findings")
    org = Organisation.objects.get(name="North Central London ICB")
    flow.review_issue_report(review=review, by=users["chair"], summary="s", recommendations=[
        {"text": "R1", "theme": Theme.objects.first(),
         "actions": [{"text": f"A{n}", "owner": users["commissioner"],
                                    "due_date": NEXT_MONTH}
                                   for n in range(2)]}])
    chair = client_for("chair")
    url = reverse("reviews:detail", args=[review.pk])
    small = (_queries(chair, url), _queries(chair, reverse("reviews:list")))
    recommendation = review.recommendations.get()
    for n in range(18):
        Action.objects.create(recommendation=recommendation, review=review, person=review.person,
                              text=f"B{n}",
                              owner_organisation=org, owner_name="Owner", due_date=NEXT_MONTH)
    assert review.actions.count() == 20
    assert (_queries(chair, url), _queries(chair, reverse("reviews:list"))) == small


def test_the_persons_and_familys_own_words_are_recorded_with_who_said_them(client_for, users):
    review = routed_review(users)
    schedule(users, review)
    chair = client_for("chair")
    url = reverse("reviews:panel", args=[review.pk])
    base = {"held_on": str(date.today()), "findings": "No community provider."}
    refused = chair.post(url, {**base, "person_view": "I want to go home."})
    assert refused.status_code == 400
    assert "Say how the person's view was given." in unescape(refused.content.decode())
    refused = chair.post(url, {**base, "family_view": "We want a date."})
    assert "Say who gave the family's or advocate's view." in unescape(refused.content.decode())
    review.refresh_from_db()
    assert review.status == "scheduled" and review.person_view == ""  # nothing half-saved

    response = chair.post(url, {**base, "person_took_part": "on", "family_took_part": "on",
                                "person_view": "I want to go home.",
                                "person_view_how": "own_words",
                                "family_view": "We want a date.",
                                "family_view_by": "Mother"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.person_took_part, review.family_took_part, review.advocate_took_part) == (
        True, True, False)
    assert (review.person_view, review.person_view_how) == ("I want to go home.", "own_words")
    assert (review.family_view, review.family_view_by) == ("We want a date.", "Mother")
    page = chair.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert "I want to go home." in page and "In the person's own words" in unescape(page)
    assert "The person, family or carer" in page


def test_an_icetr_panel_needs_an_education_representative(users, client_for):
    review = routed_review(users, age=15)
    assert review.kind == Review.Kind.ICETR
    with pytest.raises(DomainError) as refused:
        schedule(users, review, members=[{"user": users["expert"],
                                          "role": "expert_by_experience"}])
    assert refused.value.field == "education_rep_name"
    review.refresh_from_db()
    assert review.status == "requested" and not review.panel.exists()
    page = client_for("coordinator").get(reverse("reviews:detail", args=[review.pk]))
    assert "Education representative (name and role)" in page.content.decode()
    schedule(users, review)
    assert review.panel.filter(role="education", external_name="Head teacher (fictional)").exists()
    adult = routed_review(users)
    page = client_for("coordinator").get(reverse("reviews:detail", args=[adult.pk]))
    assert "Education representative" not in page.content.decode()


def test_a_panel_cannot_be_recorded_as_held_before_it_was_arranged_or_in_the_future(users):
    """Issue 32: a panel held before the day it was scheduled, or on a day still to come, is
    refused with a message naming what to check; nothing is recorded."""
    review = routed_review(users)
    schedule(users, review)
    for held_on, says in ((date.today() - timedelta(days=1), "before it was arranged"),
                          (date.today() + timedelta(days=1), "future date")):
        with pytest.raises(DomainError, match=says) as refused:
            flow.review_record_panel(review=review, by=users["chair"], held_on=held_on,
                                     findings="Findings")
        assert refused.value.field == "held_on"
    review.refresh_from_db()
    assert review.held_on is None and review.status == "scheduled"


def test_owners_from_the_persons_own_provider_and_commissioner_come_first(users):
    """Issue 44: the chair is offered owners linked to the person first, marked as such;
    someone at another organisation is still offered, after them."""
    from reviews.forms import ActionOwnerForm, RecommendationForm

    person = Review.objects.filter(person__current_unit__isnull=False).first().person
    linked = {person.commissioner_id, person.current_unit.provider_id}
    for form in (RecommendationForm(prefix="recs-0", person=person),
                 ActionOwnerForm(person=person)):
        field = form.fields["owner"]
        owners = list(field.queryset)
        places = [owner.organisation_id in linked for owner in owners]
        assert places == sorted(places, reverse=True)      # every linked owner first
        assert any(places) and not all(places)
        labels = {str(value): text for value, text in field.choices}
        for owner in owners:
            marked = "(the person's" in labels[str(owner.pk)]
            assert marked == (owner.organisation_id in linked), labels[str(owner.pk)]


def test_an_owner_with_no_link_to_the_person_needs_a_reason(client_for, users):
    """Issue 44: the ward manager of another hospital can be named, but only with a reason,
    which the action's history keeps."""
    review = routed_review(users)
    schedule(users, review)
    flow.review_record_panel(review=review, by=users["chair"], held_on=date.today(),
                             findings="Findings")
    elsewhere = users["wardmanager"]
    assert elsewhere.organisation_id not in (review.person.commissioner_id,
                                             review.person.current_unit.provider_id)
    chair, url = client_for("chair"), reverse("reviews:report", args=[review.pk])
    page = chair.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    # Those linked to the person come first, and say how they are linked.
    assert page.index("(the person&#39;s commissioner)") < page.index(str(elsewhere.organisation))

    response = chair.post(url, report_post(elsewhere))
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert (f"Why this owner for recommendation 1: {elsewhere.organisation} has no link to "
            "this person") in html
    assert not review.actions.exists()
    with pytest.raises(DomainError, match="no link to the person"):
        flow.review_issue_report(review=review, by=users["chair"], summary="s", recommendations=[
            {"text": "R", "theme": Theme.objects.first(), "actions": [
                {"text": "A", "owner": elsewhere, "due_date": NEXT_MONTH}]}])

    response = chair.post(url, report_post(elsewhere, **{
        "recs-0-owner_why": "The person moves to their ward next week."}))
    assert response.status_code == 302
    action = review.actions.get()
    assert action.owner == elsewhere
    assert "no link to the person: The person moves to their ward next week." in (
        action.history.earliest().history_change_reason)


def test_a_conflict_of_interest_says_what_to_do_and_an_empty_place_needs_its_reason(
        client_for, users):
    """Issue 44: not "Choose someone else" when there is no one to choose."""
    review = routed_review(users)
    url = reverse("reviews:schedule", args=[review.pk])
    base = {"scheduled_for": str(TOMORROW), "chair": users["chair"].pk,
            "clinical_expert_name": "Dr Reid"}
    coordinator = client_for("coordinator")
    conflicted = coordinator.post(url, base | {"expert_by_experience": users["expert"].pk,
                                               "expert_conflict": "on"})
    html = unescape(conflicted.content.decode())
    assert conflicted.status_code == 400
    assert "if no one else can sit, leave this place empty and say why" in html
    assert 'href="#id_expert_by_experience"' in html

    empty = coordinator.post(url, base)
    assert empty.status_code == 400
    assert "Say why the panel has no expert by experience" in unescape(empty.content.decode())

    why = "The only expert by experience free that week declared a conflict."
    response = coordinator.post(url, base | {"empty_places_reason": why})
    assert response.status_code == 302
    decision = Decision.objects.get(kind="panel_scheduled", subject_id=str(review.pk))
    assert decision.reason == why and decision.facts["empty_places_reason"] == why
