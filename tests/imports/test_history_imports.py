"""Past reviews and intervenor cases from spreadsheets (issue 32): each template's example
imports after the people file; a review's rows come together as one review with its
recommendations and actions; the three-case limit makes a fourth case a row error; the date
rules refuse what cannot be; only administrators and coordinators import them; grants match
the services' and the access oracle finds no drift."""
import csv
import io
from datetime import date, timedelta

import pytest

from audit.models import Decision
from imports.kinds import COLUMNS
from imports.services import import_apply, import_check
from intervenors.models import Intervenor, IntervenorCase
from intervenors.services import MAX_ACTIVE_CASES
from pathways.errors import DomainError, NotAllowedError
from referrals.models import Person, Referral
from reviews.models import Action, Review
from reviews.selectors import actions_visible
from tests.factories import valid_nhs_number
from tests.security.test_access_oracle import people  # noqa: F401 (a fixture used below)
from tests.security.test_access_oracle import (
    test_what_each_person_sees_follows_from_their_relationships_alone as oracle_holds,
)
from workflows.grants import drift
from workflows.tracker import for_review

pytestmark = pytest.mark.django_db
TODAY = date.today()


def as_csv(kind, rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[c.name for c in COLUMNS[kind]],
                            lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def check(user, kind, rows=None, *, content=None):
    return import_check(kind=kind, file_name=f"{kind}.csv", by=user,
                        content=content if content is not None else as_csv(kind, rows))


def imported(user, kind, rows=None, **kwargs):
    run = check(user, kind, rows, **kwargs)
    assert not run.errors, run.errors
    return import_apply(run=run, by=user)


def person_in_pathways(users, route="review") -> Person:
    number = valid_nhs_number()
    imported(users["coordinator"], "people", [{
        "nhs_number": number, "date_of_birth": "1990-05-01", "condition": "autism",
        "unit": "RZR01", "lts_start_date": "2023-02-01", "commissioner_ods": "QMJ",
        "route": route, "reason": "In segregation for years."}])
    return Person.objects.get(nhs_number=number)


def review_row(person, **changes):
    held = TODAY - timedelta(days=60)
    return {"nhs_number": person.nhs_number, "held_on": f"{held:%d/%m/%Y}",
            "chair": "chair@example.nhs.uk", "findings": "Segregation not reviewed weekly.",
            "report_summary": "", "report_issued_on": "",
            "recommendation": "Find a community provider.", "theme": "environment",
            "action": "Hold a provider market event.", "action_owner": "commissioner@example.nhs.uk",
            "due_date": f"{TODAY + timedelta(days=30):%Y-%m-%d}", "action_status": "",
            "action_note": "", **changes}


def case_row(person, intervenor="intervenor3", **changes):
    return {"nhs_number": person.nhs_number, "intervenor": f"{intervenor}@example.nhs.uk",
            "start_date": f"{TODAY - timedelta(days=40):%d %B %Y}", **changes}


def free_intervenor() -> Intervenor:
    """A senior intervenor with no active case, for a test that fills their caseload."""
    intervenor = Intervenor.objects.get(user__username="intervenor3")
    IntervenorCase.objects.filter(intervenor=intervenor, status="active").update(status="closed")
    return intervenor


def test_each_templates_example_imports_after_the_people_template(users, client_for):
    client = client_for("coordinator")
    Person.objects.filter(nhs_number="9434765919").delete()
    free_intervenor()
    for kind in ("people", "reviews", "cases"):
        template = client.get(f"/imports/templates/{kind}.csv")
        assert template.status_code == 200
        run = imported(users["coordinator"], kind, content=template.content)
        assert run.status == "imported" and run.created == 1, kind
    person = Person.objects.get(nhs_number="9434765919")
    assert person.reviews.filter(status=Review.Status.REPORT_ISSUED).count() == 1
    assert person.intervenor_cases.get().status == IntervenorCase.Status.ACTIVE
    # The referral asked for a review: accepting it for the intervenor asks for one too.
    assert person.referrals.get().route == "both"
    assert person.reviews.filter(status=Review.Status.REQUESTED).count() == 1


def test_a_reviews_rows_become_one_review_with_its_recommendations_and_actions(users):
    person = person_in_pathways(users)
    first = "Find a community provider."
    rows = [review_row(person),
            review_row(person, action="Ask the provider collaborative for options.",
                       action_status="in_progress", action_owner="wardmanager@example.nhs.uk"),
            review_row(person, recommendation="Review segregation weekly.", theme="",
                       action="Weekly multidisciplinary review.", action_status="completed",
                       action_note="Minutes of the weekly review seen.",
                       due_date=f"{TODAY - timedelta(days=10):%d/%m/%Y}")]
    run = imported(users["coordinator"], "reviews", rows)
    assert (run.rows, run.created, run.present) == (3, 3, 0)
    review = person.reviews.get()
    assert review.held_on == TODAY - timedelta(days=60) and review.report_issued_on == review.held_on
    assert [r.text for r in review.recommendations.order_by("number")] == [
        first, "Review segregation weekly."]
    statuses = sorted(review.actions.values_list("status", flat=True))
    assert statuses == ["completed", "in_progress", "open"]
    assert review.actions.get(status="completed").completion_evidence.startswith("Minutes")
    decision = Decision.objects.get(kind=Decision.Kind.PAST_REVIEW_RECORDED,
                                    subject_id=str(review.pk))
    assert decision.actor == users["coordinator"] and "2 recommendations, 3 actions" in \
        decision.summary
    assert f"import {run.pk}" in review.history.earliest().history_change_reason
    # The flow is finished and says where the review came from.
    stages = for_review(review, chair=users["chair"])
    assert [(s.state, s.by) for s in stages] == [("done", str(users["coordinator"]))]
    assert review.process.status == "DONE"
    # The chair, each owner and the referring organisation see what the live steps give them.
    assert users["chair"].has_perm("reviews.change_review", review)
    ward = review.actions.get(owner=users["wardmanager"])
    assert users["wardmanager"].has_perm("reviews.change_action", ward)
    assert not users["wardmanager"].has_perm(
        "reviews.view_action", review.actions.exclude(owner=users["wardmanager"]).first())
    assert set(actions_visible(users["commissioner"]).filter(review=review)) == set(
        review.actions.all())
    assert not actions_visible(users["commissioner2"]).filter(review=review).exists()
    missing, extra = drift()
    assert not missing and not extra
    # Again: the review is there already, and nothing changes.
    again = imported(users["coordinator"], "reviews", rows)
    assert (again.created, again.present) == (0, 3) and Review.objects.filter(
        person=person).count() == 1


def test_impossible_review_dates_and_strangers_are_row_errors(users):
    person = person_in_pathways(users)
    held = TODAY - timedelta(days=60)
    rows = [review_row(person, held_on=f"{TODAY + timedelta(days=3):%Y-%m-%d}"),
            review_row(person, due_date=f"{held - timedelta(days=1):%Y-%m-%d}"),
            review_row(person, report_issued_on=f"{held + timedelta(days=20):%Y-%m-%d}",
                       due_date=f"{held + timedelta(days=5):%Y-%m-%d}"),
            review_row(person, action_owner="nobody@example.nhs.uk"),
            review_row(person, action_owner="oversight@example.nhs.uk"),
            review_row(person, theme="weather"),
            review_row(person, nhs_number=valid_nhs_number()),
            review_row(person, chair="expert@example.nhs.uk", held_on="01/01/2025")]
    before = Action.objects.count()
    run = check(users["coordinator"], "reviews", rows)
    found = {(e["row"], e["column"]) for e in run.errors}
    assert found == {(2, "held_on"), (3, "due_date"), (4, "due_date"), (5, "action_owner"),
                     (6, "action_owner"), (7, "theme"), (8, "nhs_number"), (9, "chair")}
    messages = {e["row"]: e["message"] for e in run.errors}
    assert "before the recommendation was made" in messages[3]
    assert "not a review chair" in messages[9]
    with pytest.raises(DomainError, match="Correct the errors"):
        import_apply(run=run, by=users["coordinator"])
    assert Action.objects.count() == before


def test_the_same_review_must_say_the_same_on_each_row(users):
    person = person_in_pathways(users)
    run = check(users["coordinator"], "reviews", [
        review_row(person), review_row(person, findings="Something else entirely.")])
    assert [(e["row"], e["column"]) for e in run.errors] == [(3, "findings")]


def test_cases_import_through_triage_and_assignment(users):
    intervenor = free_intervenor()
    waiting = person_in_pathways(users, route="intervenor")
    review_only = person_in_pathways(users, route="review")
    run = imported(users["coordinator"], "cases", [case_row(waiting), case_row(review_only)])
    assert run.created == 2
    for person in (waiting, review_only):
        case = person.intervenor_cases.get()
        assert case.status == "active" and case.intervenor == intervenor
        assert case.assigned_on.date() == TODAY - timedelta(days=40)
        assert users["intervenor3"].has_perm("intervenors.change_intervenorcase", case)
        referral = person.referrals.get()
        assert referral.status == Referral.Status.ACCEPTED
    # A referral that asked for a review as well keeps it: accepted for both.
    assert review_only.referrals.get().route == "both" and review_only.reviews.exists()
    assert waiting.referrals.get().route == "intervenor"
    assert Decision.objects.filter(kind=Decision.Kind.CASE_ASSIGNED, person_id=waiting.pk,
                                   reason__contains="Working with the person since").exists()
    missing, extra = drift()
    assert not missing and not extra
    again = imported(users["coordinator"], "cases", [case_row(waiting), case_row(review_only)])
    assert (again.created, again.present) == (0, 2)


def test_a_fourth_case_for_an_intervenor_is_a_row_error_and_nothing_is_saved(users):
    free_intervenor()
    four = [person_in_pathways(users, route="intervenor") for _ in range(MAX_ACTIVE_CASES + 1)]
    run = check(users["coordinator"], "cases", [case_row(p) for p in four])
    assert [(e["row"], e["column"]) for e in run.errors] == [(MAX_ACTIVE_CASES + 2, "intervenor")]
    assert f"already has {MAX_ACTIVE_CASES} active cases" in run.errors[0]["message"]
    assert not IntervenorCase.objects.filter(person__in=four).exists()


def test_case_rows_refuse_what_cannot_be(users):
    free_intervenor()
    person = person_in_pathways(users, route="intervenor")
    other = person_in_pathways(users, route="intervenor")
    imported(users["coordinator"], "cases", [case_row(other, intervenor="intervenor3")])
    run = check(users["coordinator"], "cases", [
        case_row(person, start_date=f"{TODAY + timedelta(days=1):%Y-%m-%d}"),
        case_row(person, intervenor="nobody"),
        case_row(Person(nhs_number=valid_nhs_number())),
        case_row(other, intervenor="intervenor2"),
        case_row(person), case_row(person)])
    assert [(e["row"], e["column"]) for e in run.errors] == [
        (2, "start_date"), (3, "intervenor"), (4, "nhs_number"), (5, "intervenor"),
        (7, "nhs_number")]


def test_only_administrators_and_coordinators_import_reviews_and_cases(users, client_for):
    person = person_in_pathways(users)
    for kind in ("reviews", "cases"):
        with pytest.raises(NotAllowedError):
            check(users["commissioner"], kind, [])
        assert client_for("commissioner").get(f"/imports/templates/{kind}.csv").status_code == 404
    page = client_for("commissioner").get("/imports/").content.decode()
    assert "Past reviews template" not in page and "People and referrals template" in page
    page = client_for("coordinator").get("/imports/").content.decode()
    assert "Past reviews template" in page and "Intervenor cases template" in page
    assert imported(users["admin"], "reviews", [review_row(person)]).created == 1


def test_the_access_oracle_holds_after_importing_all_three_kinds(people, users):  # noqa: F811
    """Everyone sees exactly what their relationships give them, imported records included."""
    free_intervenor()
    person = person_in_pathways(users, route="both")
    imported(users["coordinator"], "reviews", [
        review_row(person), review_row(person, action="Second action.",
                                       action_owner="wardmanager@example.nhs.uk")])
    imported(users["coordinator"], "cases", [case_row(person)])
    oracle_holds(people)


def test_a_review_file_costs_the_same_statements_a_review_whatever_its_length(users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    persons = [person_in_pathways(users) for _ in range(6)]

    def queries(n):
        rows = [review_row(p, held_on=f"{TODAY - timedelta(days=30 + n):%Y-%m-%d}")
                for p in persons[:n] for _ in range(2)]
        with CaptureQueriesContext(connection) as captured:
            run = check(users["coordinator"], "reviews", rows)
        assert not run.errors, run.errors
        return len(captured)

    two, four, six = queries(2), queries(4), queries(6)
    assert abs((four - two) - (six - four)) <= 2, (two, four, six)
