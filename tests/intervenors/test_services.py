"""The three-case rule and the case lifecycle, through the services."""
import pytest
from django.db import IntegrityError, connection, transaction

from audit.models import Decision
from intervenors.models import MAX_ACTIVE_CASES, Intervenor, IntervenorCase
from intervenors.selectors import waiting_list
from intervenors.services import (
    IntervenorCapacityError,
    case_activity_log,
    case_reassign,
)
from pathways.errors import ConflictError, DomainError
from tests.factories import covering_every_region
from workflows import services as flow

pytestmark = pytest.mark.django_db


def profile(users, name) -> Intervenor:
    """The intervenor, covering every region: these tests are about other rules."""
    return covering_every_region(users[name].intervenor_profile)


def waiting_cases():
    return list(IntervenorCase.objects.filter(status="waiting").order_by("waiting_since"))


def db_id(value):
    """How Django stores a UUID in raw SQL on this database."""
    return value.hex if connection.vendor == "sqlite" else value


def test_demo_starts_with_three_one_and_none_active_and_six_or_more_waiting(users):
    counts = {name: IntervenorCase.objects.filter(intervenor__user__username=name,
                                                  status="active").count()
              for name in ("intervenor", "intervenor2", "intervenor3")}
    assert counts == {"intervenor": 3, "intervenor2": 1, "intervenor3": 0}
    assert IntervenorCase.objects.filter(status="waiting").count() >= 6


def test_fourth_case_is_refused_when_intervenor_has_three(users):
    case = waiting_cases()[0]
    with pytest.raises(IntervenorCapacityError) as refused:
        flow.case_assign(case=case, by=users["coordinator"],
                         intervenor=profile(users, "intervenor"), reason="Try anyway")
    assert "already has 3 active cases" in refused.value.message
    assert refused.value.code == "intervenor_capacity"
    case.refresh_from_db()
    assert case.status == "waiting" and case.intervenor is None
    assert not Decision.objects.filter(subject_id=str(case.pk), kind="case_assigned").exists()


def test_assignment_records_a_decision_history_and_grants_the_intervenor(users):
    top = waiting_list(users["coordinator"])[0].case
    flow.case_assign(case=top, by=users["coordinator"], intervenor=profile(users, "intervenor3"),
                     reason="")
    top.refresh_from_db()
    assert top.status == "active" and top.intervenor.user == users["intervenor3"]
    decision = Decision.objects.get(subject_id=str(top.pk), kind="case_assigned")
    assert decision.reason == "Next on the ranked waiting list"
    assert decision.actor == users["coordinator"]
    last = top.history.latest()
    assert last.history_change_reason == "Next on the ranked waiting list"
    assert users["intervenor3"].has_perm("intervenors.change_intervenorcase", top)


def test_skipping_the_top_of_the_list_needs_a_reason(users):
    ranked = waiting_list(users["coordinator"])
    second = ranked[1].case
    with pytest.raises(DomainError, match="higher on the waiting list"):
        flow.case_assign(case=second, by=users["coordinator"], reason="",
                         intervenor=profile(users, "intervenor3"))
    flow.case_assign(case=second, by=users["coordinator"], reason="Same region, urgent move",
                     intervenor=profile(users, "intervenor3"))
    decision = Decision.objects.get(subject_id=str(second.pk), kind="case_assigned")
    assert decision.facts["skipped"] == ranked[0].person.reference


@pytest.mark.parametrize("status", ["active", "closed"])
def test_only_a_waiting_case_can_be_assigned(users, status):
    case = IntervenorCase.objects.filter(status=status).first()
    with pytest.raises(ConflictError, match="not waiting"):
        flow.case_assign(case=case, by=users["coordinator"], reason="x",
                         intervenor=profile(users, "intervenor3"))


def test_an_unavailable_intervenor_is_refused(users):
    intervenor3 = profile(users, "intervenor3")
    intervenor3.available = False
    intervenor3.save()
    with pytest.raises(DomainError, match="not available"):
        flow.case_assign(case=waiting_cases()[0], by=users["coordinator"], reason="x",
                         intervenor=intervenor3)


def test_the_database_refuses_a_fourth_active_case_written_around_the_service(users):
    case, full = waiting_cases()[0], profile(users, "intervenor")
    with pytest.raises(IntegrityError), transaction.atomic():
        IntervenorCase.objects.filter(pk=case.pk).update(status="active", intervenor=full)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE intervenors_intervenorcase SET status = 'active', "
                       "intervenor_id = %s WHERE id = %s", [db_id(full.pk), db_id(case.pk)])
    with pytest.raises(IntegrityError), transaction.atomic():
        IntervenorCase.objects.create(person=case.person, referral=case.referral,
                                      waiting_since=case.waiting_since, status="active",
                                      intervenor=full)
    assert IntervenorCase.objects.filter(intervenor=full,
                                         status="active").count() == MAX_ACTIVE_CASES


def test_closing_needs_an_outcome_and_a_reason_then_frees_the_place(users):
    worker = users["intervenor"]
    case = IntervenorCase.objects.filter(intervenor__user=worker, status="active").first()
    with pytest.raises(DomainError, match="outcome"):
        flow.case_propose_closure(case=case, by=worker, outcome="", reason="x")
    with pytest.raises(DomainError, match="Summarise"):
        flow.case_propose_closure(case=case, by=worker, outcome="discharged", reason=" ")
    with pytest.raises(DomainError, match="Only the intervenor"):
        flow.case_propose_closure(case=case, by=users["intervenor2"], outcome="discharged",
                                  reason="x")
    flow.case_propose_closure(case=case, by=worker, outcome="less_restrictive",
                              reason="Moved to a step-down unit")
    case.refresh_from_db()
    assert case.status == "active"          # still counts until the coordinator confirms
    flow.case_confirm_closure(case=case, by=users["coordinator"], confirm=True, reason="Agreed")
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "less_restrictive")
    assert case.process.status == "DONE"
    assert not worker.has_perm("intervenors.change_intervenorcase", case)
    assert worker.has_perm("intervenors.view_intervenorcase", case)    # read kept
    assert Decision.objects.filter(subject_id=str(case.pk), kind="case_closed").exists()
    # The freed place can be used at once.
    flow.case_assign(case=waiting_list(users["coordinator"])[0].case, by=users["coordinator"],
                     reason="", intervenor=profile(users, "intervenor"))


def test_returning_a_closure_proposal_sends_the_case_back_to_casework(users):
    worker = users["intervenor"]
    case = IntervenorCase.objects.filter(intervenor__user=worker, status="active").first()
    flow.case_propose_closure(case=case, by=worker, outcome="other", reason="Unclear")
    with pytest.raises(DomainError, match="continue"):
        flow.case_confirm_closure(case=case, by=users["coordinator"], confirm=False, reason="")
    flow.case_confirm_closure(case=case, by=users["coordinator"], confirm=False,
                              reason="Discharge not yet confirmed")
    case.refresh_from_db()
    assert case.status == "active" and not case.proposed_outcome
    flow.case_propose_closure(case=case, by=worker, outcome="discharged", reason="Now home")
    flow.case_confirm_closure(case=case, by=users["coordinator"], confirm=True, reason="")
    case.refresh_from_db()
    assert case.status == "closed" and case.process.status == "DONE"


def test_reassignment_respects_the_limit_and_moves_permissions(users):
    case = IntervenorCase.objects.filter(intervenor__user=users["intervenor2"],
                                         status="active").first()
    with pytest.raises(IntervenorCapacityError):
        case_reassign(case=case, to=profile(users, "intervenor"), by=users["coordinator"],
                      reason="Leaving")
    with pytest.raises(DomainError, match="reason"):
        case_reassign(case=case, to=profile(users, "intervenor3"), by=users["coordinator"],
                      reason="")
    case_reassign(case=case, to=profile(users, "intervenor3"), by=users["coordinator"],
                  reason="Hassan is on leave")
    case.refresh_from_db()
    assert case.intervenor.user == users["intervenor3"]
    assert not users["intervenor2"].has_perm("intervenors.view_intervenorcase", case)
    assert users["intervenor3"].has_perm("intervenors.change_intervenorcase", case)
    assert Decision.objects.filter(subject_id=str(case.pk), kind="case_reassigned").exists()


def test_only_the_assigned_intervenor_can_log_activity(users):
    case = IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                         status="active").first()
    with pytest.raises(DomainError):
        case_activity_log(case=case, by=users["intervenor2"], kind="note", text="Sneaky")
    activity = case_activity_log(case=case, by=users["intervenor"], kind="meeting",
                                 text="Met the commissioner about funding")
    assert activity.history.get().history_change_reason.startswith("Meeting logged")
