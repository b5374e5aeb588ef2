"""Assigning, casework and closure through the pages."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intervenors.models import CaseActivity, IntervenorCase
from intervenors.selectors import waiting_list
from tests.factories import UnitFactory, covering_every_region, make_referral
from workflows import services as flow

pytestmark = pytest.mark.django_db


def test_coordinator_assigns_intervenor_works_and_closure_frees_the_place(client_for, users):
    coordinator, worker = client_for("coordinator"), client_for("intervenor3")
    covering_every_region(users["intervenor3"].intervenor_profile)
    ranked = waiting_list(users["coordinator"])
    top = ranked[0].case
    page = coordinator.get(reverse("intervenors:waiting")).content.decode()
    assert page.index(ranked[0].person.reference) < page.index(ranked[1].person.reference)

    case_page = coordinator.get(reverse("intervenors:case", args=[top.pk])).content.decode()
    full = users["intervenor"].intervenor_profile
    radio = re.search(rf'<input[^>]*value="{full.pk}"[^>]*>', case_page).group(0)
    assert "disabled" in radio and "3 of 3 active cases" in case_page and "(full)" in case_page

    response = coordinator.post(reverse("intervenors:assign", args=[top.pk]), {
        "intervenor": str(users["intervenor3"].intervenor_profile.pk), "reason": ""})
    assert response.status_code == 302
    top.refresh_from_db()
    assert top.status == "active"

    caseload = worker.get(reverse("intervenors:caseload")).content.decode()
    assert top.person.reference in caseload and "1 of 3 active cases" in caseload
    response = worker.post(reverse("intervenors:activity", args=[top.pk]), {
        "kind": "barrier", "occurred_on": "2026-01-05", "text": "Funding panel agreed."})
    assert response.status_code == 302
    assert CaseActivity.objects.filter(case=top, kind="barrier").exists()
    worker.post(reverse("intervenors:plan", args=[top.pk]), {"plan": "Move to a bungalow."})
    response = worker.post(reverse("intervenors:propose_closure", args=[top.pk]), {
        "outcome": "discharged", "reason": "Living in her own home."})
    assert response.status_code == 302

    response = coordinator.post(reverse("intervenors:confirm_closure", args=[top.pk]),
                                {"decision": "confirm", "reason": ""}, follow=True)
    body = response.content.decode()
    assert "has a free place" in body and "Next on the waiting list" in body
    top.refresh_from_db()
    assert (top.status, top.outcome, top.plan) == ("closed", "discharged", "Move to a bungalow.")


def test_assigning_a_full_intervenor_by_posting_anyway_is_refused(client_for, users):
    case = waiting_list(users["coordinator"])[0].case
    response = client_for("coordinator").post(reverse("intervenors:assign", args=[case.pk]), {
        "intervenor": str(users["intervenor"].intervenor_profile.pk), "reason": "force it"})
    assert response.status_code == 400
    assert "already has 3 active cases" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "waiting"


def test_closing_without_outcome_shows_errors_and_saves_nothing(client_for, users):
    case = IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                         status="active").first()
    response = client_for("intervenor").post(
        reverse("intervenors:propose_closure", args=[case.pk]), {"outcome": "", "reason": ""})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    case.refresh_from_db()
    assert not case.proposed_outcome


def test_another_intervenors_case_is_a_404_and_nothing_changes(client_for, users):
    case = IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                         status="active").first()
    other = client_for("intervenor2")
    assert other.get(reverse("intervenors:case", args=[case.pk])).status_code == 404
    assert case.person.reference not in other.get(reverse("intervenors:caseload")).content.decode()
    before = CaseActivity.objects.count()
    for name in ("activity", "plan", "propose_closure"):
        response = other.post(reverse(f"intervenors:{name}", args=[case.pk]),
                              {"kind": "note", "occurred_on": "2026-01-01", "text": "x",
                               "plan": "x", "outcome": "other", "reason": "x"})
        assert response.status_code == 404
    assert CaseActivity.objects.count() == before
    case.refresh_from_db()
    assert not case.proposed_outcome


def test_intervenors_cannot_assign_or_confirm(client_for, users):
    case = waiting_list(users["coordinator"])[0].case
    response = client_for("intervenor3").post(reverse("intervenors:assign", args=[case.pk]), {
        "intervenor": str(users["intervenor3"].intervenor_profile.pk)})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "waiting"


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_waiting_list_and_capacity_query_counts_do_not_grow_with_people(client_for, users):
    coordinator = client_for("coordinator")
    unit = UnitFactory()

    def add(n):
        for _ in range(n):
            referral = make_referral(by=users["commissioner"], unit=unit, route="intervenor")
            flow.referral_triage(referral=referral, by=users["coordinator"],
                                 route="intervenor", reason="ok")

    add(5)
    small = (_count(coordinator, reverse("intervenors:waiting")),
             _count(coordinator, reverse("intervenors:capacity")))
    add(45)
    assert (_count(coordinator, reverse("intervenors:waiting")),
            _count(coordinator, reverse("intervenors:capacity"))) == small


def test_a_child_is_offered_to_the_childrens_intervenor_first(users, client_for):
    from intervenors.models import Intervenor
    from intervenors.services import case_assign
    from pathways.errors import DomainError
    from tests.factories import UnitFactory, make_referral
    from workflows import services as flow

    referral = make_referral(by=users["commissioner"], unit=UnitFactory(), age=15,
                             route="intervenor")
    flow.referral_triage(referral=referral, by=users["coordinator"], route="intervenor",
                         reason="ok")
    case = referral.intervenor_cases.get()
    childrens = Intervenor.objects.get(user__username="intervenor3")
    assert childrens.children
    page = client_for("coordinator").get(reverse("intervenors:case", args=[case.pk]))
    labels = re.findall(r'nhsuk-radios__label" for="[^"]+">\s*([^<]+)<', page.content.decode())
    assert labels[0].strip().startswith("Iona Campbell (children)")
    other = Intervenor.objects.get(user__username="intervenor2")
    with pytest.raises(DomainError, match="children's intervenor, has a free place"):
        case_assign(case=case, intervenor=other, by=users["coordinator"])
    case.refresh_from_db()
    assert case.status == "waiting"


def test_the_caseload_names_a_proposed_closures_outcome(client_for, users):
    case = IntervenorCase.objects.filter(status="active",
                                         intervenor__user=users["intervenor"]).first()
    flow.case_propose_closure(case=case, by=users["intervenor"], outcome="discharged",
                              reason="Moved to a flat with support.")
    case.refresh_from_db()
    page = client_for("intervenor").get(reverse("intervenors:caseload")).content.decode()
    assert f"Proposed: {case.get_proposed_outcome_display()}" in page
    assert "{{" not in page


def test_an_intervenor_outside_the_persons_region_needs_a_reason(client_for, users):
    """Issue 44: the case page says the person's region; each intervenor who does not cover
    it is marked, and choosing one needs a reason, recorded with the decision."""
    from audit.models import Decision

    case = waiting_list(users["coordinator"])[0].case
    person = case.person
    region = person.current_unit.region
    # Of the two with free places, one who does not cover the person's region.
    outsider = next(
        i for i in (u.intervenor_profile for u in (users["intervenor2"], users["intervenor3"]))
        if region not in i.regions)
    coordinator = client_for("coordinator")
    page = coordinator.get(reverse("intervenors:case", args=[case.pk])).content.decode()
    label = person.current_unit.get_region_display()
    assert f"{person.reference} is in {label}" in page
    assert f"does not cover {label}" in page
    response = coordinator.post(reverse("intervenors:assign", args=[case.pk]), {
        "intervenor": str(outsider.pk), "reason": ""})
    assert response.status_code == 400
    assert f"{outsider} does not cover {label}, where {person.reference} is" in \
        response.content.decode()
    case.refresh_from_db()
    assert case.status == "waiting"
    response = coordinator.post(reverse("intervenors:assign", args=[case.pk]), {
        "intervenor": str(outsider.pk), "reason": "The only intervenor with a free place."})
    assert response.status_code == 302
    decision = Decision.objects.get(subject_id=str(case.pk), kind="case_assigned")
    assert decision.facts["outside_region"] is True and decision.facts["region"] == region
