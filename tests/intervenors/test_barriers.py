"""System barriers on an intervenor's case (issue 45): recorded, moved on and escalated by the
intervenor, answered by the oversight group, each a decision; counted nationally with small
numbers suppressed."""
import pytest
from django.urls import reverse

from audit.models import Decision
from intervenors.models import CaseBarrier, IntervenorCase, SystemBarrierKind
from intervenors.services import barrier_answer, barrier_escalate, barrier_record, barrier_status
from oversight.dashboard import open_barriers
from oversight.services import thresholds
from oversight.suppression import SUPPRESSED, TOTAL
from pathways.errors import ConflictError, DomainError, NotAllowedError
from tests.workflows.test_suppression import pinned_by_narrowing
from workflows.inbox import Inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(users):
    return IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                         status="active").order_by("pk").first()


def kind(code="funding-dispute"):
    return SystemBarrierKind.objects.get(code=code)


def test_the_kinds_the_issue_names_are_data():
    assert list(SystemBarrierKind.objects.values_list("code", flat=True)) == [
        "no-provider", "funding-dispute", "housing", "workforce", "justice-restrictions",
        "clinical-view", "family-advocacy", "other"]


def test_only_the_assigned_intervenor_records_and_moves_a_barrier_each_a_decision(case, users):
    with pytest.raises(DomainError):
        barrier_record(case=case, by=users["intervenor2"], kind=kind(), note="x")
    with pytest.raises(DomainError, match="Say what the barrier is"):
        barrier_record(case=case, by=users["intervenor"], kind=kind(), note=" ")
    barrier = barrier_record(case=case, by=users["intervenor"], kind=kind(),
                             note="The two ICBs dispute who funds the package")
    decision = Decision.objects.get(kind="barrier_recorded", subject_id=str(barrier.pk))
    assert decision.person == case.person and decision.actor == users["intervenor"]
    with pytest.raises(DomainError, match="Say what has changed"):
        barrier_status(barrier=barrier, by=users["intervenor"], status="being_worked", note="")
    barrier_status(barrier=barrier, by=users["intervenor"], status="being_worked",
                   note="Both directors are meeting on Friday")
    barrier.refresh_from_db()
    assert barrier.status == "being_worked"
    assert Decision.objects.get(kind="barrier_status", subject_id=str(barrier.pk)).summary.endswith(
        "Open to Being worked on")
    assert barrier.history.count() == 2


def test_an_escalation_waits_in_the_groups_work_until_answered_with_a_reason(case, users):
    barrier = barrier_record(case=case, by=users["intervenor"], kind=kind("housing"),
                             note="No adapted flat in the borough")
    barrier_escalate(barrier=barrier, by=users["intervenor"],
                     need="A regional housing lead at the next meeting")
    with pytest.raises(ConflictError):
        barrier_escalate(barrier=barrier, by=users["intervenor"], need="again")
    page = reverse("intervenors:barrier", args=[case.pk, barrier.pk])
    work = [item for item in Inbox(users["oversight"], thresholds()) if item.kind == "barrier"
            and str(item.url) == page]
    assert [(w.reference, w.about) for w in work] == [(case.person.reference, "Housing")]
    with pytest.raises(NotAllowedError):
        barrier_answer(barrier=barrier, by=users["coordinator"], answer="x")
    with pytest.raises(DomainError, match="Say what the oversight group"):
        barrier_answer(barrier=barrier, by=users["oversight"], answer="")
    barrier_answer(barrier=barrier, by=users["oversight"],
                   answer="Raised with the regional director; a housing lead will attend")
    decision = Decision.objects.get(kind="barrier_answered", subject_id=str(barrier.pk))
    assert decision.actor == users["oversight"] and decision.reason.startswith("Raised")
    assert not [item for item in Inbox(users["oversight"], thresholds()) if item.kind == "barrier"
                and str(item.url) == page]
    with pytest.raises(ConflictError):
        barrier_answer(barrier=barrier, by=users["oversight"], answer="again")


def test_the_pages_record_escalate_and_answer(case, users, client_for):
    intervenor = client_for("intervenor")
    url = reverse("intervenors:barrier_add", args=[case.pk])
    response = intervenor.post(url, {"barrier-kind": "", "barrier-note": ""})
    assert response.status_code == 400
    assert "Choose what kind of barrier it is" in response.content.decode()
    intervenor.post(url, {"barrier-kind": kind("workforce").pk,
                          "barrier-note": "No trained staff team yet"})
    barrier = CaseBarrier.objects.get(note="No trained staff team yet")
    page = intervenor.get(reverse("intervenors:case", args=[case.pk])).content.decode()
    assert "System barriers" in page and "No trained staff team yet" in page
    intervenor.post(reverse("intervenors:barrier_escalate", args=[case.pk, barrier.pk]),
                    {"need": "Help to recruit through the regional workforce hub"})
    oversight = client_for("oversight")
    page = oversight.get(reverse("intervenors:barrier", args=[case.pk, barrier.pk])
                         ).content.decode()
    assert "Answer the escalation" in page
    response = oversight.post(reverse("intervenors:barrier_answer", args=[case.pk, barrier.pk]),
                              {"answer": "The hub will call the provider this week"})
    assert response.status_code == 302
    page = intervenor.get(reverse("intervenors:barrier", args=[case.pk, barrier.pk])
                          ).content.decode()
    assert "The hub will call the provider this week" in page


def test_open_barriers_are_counted_by_kind_and_region_with_small_numbers_hidden(users):
    cases = list(IntervenorCase.objects.filter(status="active").select_related(
        "intervenor__user"))
    for n, case in enumerate(cases):
        for code in ("housing", "funding-dispute", "workforce")[: 1 + n % 3]:
            barrier_record(case=case, by=case.intervenor.user, kind=kind(code),
                           note="Waiting on the local system")
    found = open_barriers()
    by_kind = dict(found["by_kind"])
    for label, n in by_kind.items():
        assert n == SUPPRESSED or n == 0 or n >= 5, (label, n)
    published = {(label, "n"): n for label, n in found["by_kind"]}
    published |= {(label, TOTAL): n for label, n in found["by_kind"]}
    published |= {(TOTAL, "n"): found["total"], (TOTAL, TOTAL): found["total"]}
    if found["total"] != SUPPRESSED:
        assert not pinned_by_narrowing(published)
    # Resolved barriers are not open.
    CaseBarrier.objects.update(status="resolved")
    assert open_barriers()["total"] == 0


def test_the_demo_has_barriers_of_every_state_and_the_dashboard_shows_them(client_for):
    assert set(CaseBarrier.objects.values_list("status", flat=True)) == {
        "open", "being_worked", "resolved"}
    assert CaseBarrier.objects.filter(escalated_at__isnull=False,
                                      answered_at__isnull=True).exists()
    assert CaseBarrier.objects.filter(answered_at__isnull=False).exists()
    page = client_for("oversight").get(reverse("oversight:dashboard")).content.decode()
    assert "System barriers holding people in LTS" in page
