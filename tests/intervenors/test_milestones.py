"""The discharge plan's milestones (issue 45): added and moved on by the case's intervenor,
each change a decision; the next milestone and how late it is on the case; a milestone past
its target in the intervenor's My work."""
from datetime import date, timedelta

import pytest
from django.urls import reverse

from audit.models import Decision
from intervenors.models import CaseMilestone, IntervenorCase, MilestoneKind
from intervenors.services import milestone_add, milestone_update, next_milestone
from oversight.services import thresholds
from pathways.errors import DomainError
from workflows.inbox import Inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(users):
    return IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                         status="active").order_by("pk").first()


def test_the_demo_plans_are_part_done_with_a_milestone_late(users):
    late = [i for i in Inbox(users["intervenor"], thresholds()) if i.kind == "milestone"]
    assert late and all(i.about == "Funding agreed" for i in late)
    assert CaseMilestone.objects.filter(status="done").exists()


def test_the_standard_milestones_are_data():
    assert MilestoneKind.objects.count() == 8
    assert MilestoneKind.objects.first().name == "A community provider identified"


def test_milestones_are_added_and_moved_on_by_the_intervenor_each_a_decision(case, users):
    soon = date.today() + timedelta(days=20)
    with pytest.raises(DomainError):
        milestone_add(case=case, by=users["intervenor2"], title="x", owner_name="y",
                      target_date=soon)
    with pytest.raises(DomainError, match="Name the person"):
        milestone_add(case=case, by=users["intervenor"], title="x", owner_name=" ",
                      target_date=soon)
    with pytest.raises(DomainError, match="cannot be in the past"):
        milestone_add(case=case, by=users["intervenor"], title="x", owner_name="y",
                      target_date=date.today() - timedelta(days=1))
    funding = milestone_add(case=case, by=users["intervenor"], owner_name="Sam Case",
                            kind=MilestoneKind.objects.get(code="funding-agreed"),
                            owner_organisation=users["commissioner"].organisation,
                            target_date=soon)
    assert funding.title == "Funding agreed"
    added = Decision.objects.get(kind="milestone_added", subject_id=str(funding.pk))
    assert added.person == case.person and added.facts["owner"] == "Sam Case"
    later = soon + timedelta(days=14)
    milestone_update(milestone=funding, by=users["intervenor"], status="in_progress",
                     target_date=later, note="The panel meets later than planned")
    changed = Decision.objects.get(kind="milestone_changed", subject_id=str(funding.pk))
    assert "Planned to In progress" in changed.summary and "target" in changed.summary
    assert changed.facts["previous_target_date"] == soon.isoformat()
    with pytest.raises(DomainError, match="Change the status or the target date"):
        milestone_update(milestone=funding, by=users["intervenor"], status="in_progress",
                         target_date=later, note="nothing")
    milestone_update(milestone=funding, by=users["intervenor"], status="done",
                     target_date=later, note="Both ICBs signed")
    funding.refresh_from_db()
    assert funding.done_on == date.today() and funding.history.count() == 3


def test_the_next_milestone_and_a_late_one_in_my_work(case, users, client_for):
    CaseMilestone.objects.filter(case__intervenor__user=users["intervenor"]).delete()
    first = milestone_add(case=case, by=users["intervenor"], title="Housing found",
                          owner_name="Local authority housing lead",
                          target_date=date.today() + timedelta(days=5))
    CaseMilestone.objects.filter(pk=first.pk).update(
        target_date=date.today() - timedelta(days=3))
    found, late = next_milestone(case)
    assert found.pk == first.pk and late == 3
    page = client_for("intervenor").get(reverse("intervenors:case", args=[case.pk]))
    assert "Housing found, by" in page.content.decode() and "3 days late" in page.content.decode()
    work = [i for i in Inbox(users["intervenor"], thresholds()) if i.kind == "milestone"]
    assert [(w.about, w.reference) for w in work] == [("Housing found", case.person.reference)]
    assert str(work[0].url) == reverse("intervenors:milestone", args=[case.pk, first.pk])
    # Another intervenor's work holds only their own cases' milestones.
    assert not [i for i in Inbox(users["intervenor2"], thresholds()) if i.kind == "milestone"
                and i.reference == case.person.reference]


def test_the_pages_add_and_update_a_milestone(case, client_for):
    intervenor = client_for("intervenor")
    url = reverse("intervenors:milestone_add", args=[case.pk])
    response = intervenor.post(url, {"milestone-owner_name": ""})
    assert response.status_code == 400 and "Name the person who owns it" in \
        response.content.decode()
    target = date.today() + timedelta(days=30)
    intervenor.post(url, {"milestone-title": "Transition visits begun",
                          "milestone-owner_name": "Provider manager",
                          "milestone-target_date_day": target.day,
                          "milestone-target_date_month": target.month,
                          "milestone-target_date_year": target.year})
    milestone = CaseMilestone.objects.get(title="Transition visits begun")
    page = reverse("intervenors:milestone", args=[case.pk, milestone.pk])
    assert "Move it on" in intervenor.get(page).content.decode()
    assert "Move it on" not in client_for("coordinator").get(page).content.decode()


def test_the_api_reads_a_cases_plan_and_barriers_within_scope(case, users):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(users["intervenor"])
    body = api.get(f"/api/v1/intervenor-cases/{case.pk}/plan/").json()
    assert {m["title"] for m in body["milestones"]} >= {"Funding agreed"}
    assert {b["kind"] for b in body["barriers"]}
    api.force_authenticate(users["intervenor2"])
    assert api.get(f"/api/v1/intervenor-cases/{case.pk}/plan/").status_code == 404
    api.force_authenticate(users["chair"])
    assert api.get(f"/api/v1/intervenor-cases/{case.pk}/plan/").status_code == 403
