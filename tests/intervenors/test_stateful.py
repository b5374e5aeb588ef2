"""Random sequences of assignments, reassignments, closures and availability changes, run
against the services; after every step the rules must still hold (SECURITY.md S9, S16, S23)."""
import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from accounts.models import User
from audit.models import Decision
from intervenors.models import MAX_ACTIVE_CASES, Intervenor, IntervenorCase
from intervenors.services import case_reassign
from pathways.errors import DomainError
from workflows import services as flow

pytestmark = pytest.mark.django_db

index = st.integers(min_value=0, max_value=20)


class CaseloadMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.coordinator = User.objects.get(username="coordinator")
        self.intervenors = list(Intervenor.objects.select_related("user").order_by("pk"))
        self.decisions = Decision.objects.count()
        self.expected_decisions = self.decisions

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _pick(self, status, i):
        cases = list(IntervenorCase.objects.filter(status=status).select_related(
            "intervenor__user").order_by("pk"))
        return cases[i % len(cases)] if cases else None

    @rule(i=index, j=index)
    def assign(self, i, j):
        case, target = self._pick("waiting", i), self.intervenors[j % len(self.intervenors)]
        if case is None:
            return
        try:
            flow.case_assign(case=case, by=self.coordinator, intervenor=target,
                             reason="state machine")
        except DomainError:
            case.refresh_from_db()
            assert case.status == "waiting"          # a refusal changes nothing
        else:
            self.expected_decisions += 1

    @rule(i=index, j=index)
    def reassign(self, i, j):
        case, target = self._pick("active", i), self.intervenors[j % len(self.intervenors)]
        if case is None:
            return
        before = case.intervenor_id
        try:
            case_reassign(case=case, to=target, by=self.coordinator, reason="state machine")
        except DomainError:
            case.refresh_from_db()
            assert case.intervenor_id == before
        else:
            self.expected_decisions += 1

    @rule(i=index)
    def close(self, i):
        case = self._pick("active", i)
        if case is None:
            return
        if not case.proposed_outcome:
            flow.case_propose_closure(case=case, by=case.intervenor.user, outcome="discharged",
                                      reason="state machine")
            self.expected_decisions += 1
        flow.case_confirm_closure(case=case, by=self.coordinator, confirm=True, reason="")
        self.expected_decisions += 1

    @rule(j=index)
    def toggle_availability(self, j):
        intervenor = self.intervenors[j % len(self.intervenors)]
        intervenor.available = not intervenor.available
        intervenor.save()

    @invariant()
    def nobody_holds_more_than_three(self):
        for intervenor in self.intervenors:
            active = IntervenorCase.objects.filter(intervenor=intervenor, status="active")
            assert active.count() <= MAX_ACTIVE_CASES

    @invariant()
    def every_active_case_has_one_intervenor(self):
        assert not IntervenorCase.objects.filter(status="active",
                                                 intervenor__isnull=True).exists()

    @invariant()
    def every_decision_was_recorded_once(self):
        assert Decision.objects.count() == self.expected_decisions


def test_random_caseload_changes_keep_every_rule():
    run_state_machine_as_test(CaseloadMachine, settings=settings(
        max_examples=15, stateful_step_count=15, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
