"""The three viewflow flows. Each step is a short call to one domain service.

Human steps are `Handle` nodes completed by workflows.services after the person's form has
been validated and their object permission checked; viewflow's own Material UI is not mounted,
because its lists and process pages are not scoped to the people a user may see.
"""
from viewflow import this
from viewflow.workflow import flow, lock

from intervenors import services as intervenor_services
from referrals import services as referral_services
from referrals.models import Referral, Route
from reviews import services as review_services

from .deadlines import (
    notify_case_assigned,
    notify_panel_allocated,
    notify_report_issued,
    notify_triaged,
)
from .models import IntervenorProcess, ReferralProcess, ReviewProcess

# Wait for a lock on the process row rather than failing at once (VIEWFLOW.md, Corrections).
PROCESS_LOCK = lock.SelectForUpdateLock(nowait=False, attempts=1)


class ReferralFlow(flow.Flow):
    """Commissioner raises → priority snapshot → coordinator triages → hand over or end."""

    process_class = ReferralProcess
    lock_impl = PROCESS_LOCK
    process_title = "Referral"

    start = flow.StartHandle(this.raise_referral).Next(this.snapshot)
    snapshot = flow.Function(this.take_snapshot).Next(this.triage)
    triage = flow.Handle(this.record_triage).Next(this.accepted)
    accepted = (
        flow.If(lambda activation: activation.process.referral.status == Referral.Status.ACCEPTED)
        .Then(this.hand_over)
        .Else(this.end)
    )
    hand_over = flow.Function(this.start_routes).Next(this.end)
    end = flow.End()

    def raise_referral(self, activation, **kwargs):
        referral = referral_services.referral_submit(**kwargs)
        activation.process.referral = referral
        return referral

    def take_snapshot(self, activation):
        referral_services.referral_snapshot_priority(referral=activation.process.referral)

    def record_triage(self, activation, *, by, route, reason, dates_confirmed=False):
        # Keep the process's copy current: the gate after this step reads its status.
        activation.process.referral = referral_services.referral_triage(
            referral=activation.process.referral, by=by, route=route, reason=reason,
            dates_confirmed=dates_confirmed)
        notify_triaged(activation.process.referral)
        return activation.process.referral

    def start_routes(self, activation):
        referral = activation.process.referral
        by = referral.triaged_by
        if referral.route in (Route.REVIEW, Route.BOTH):
            ReviewFlow.start.run(referral=referral, by=by)
        if referral.route in (Route.INTERVENOR, Route.BOTH):
            IntervenorFlow.start.run(referral=referral, by=by)


class ReviewFlow(flow.Flow):
    """Coordinator schedules the panel → chair records the panel → chair issues the report."""

    process_class = ReviewProcess
    lock_impl = PROCESS_LOCK
    process_title = "IC(E)TR review"

    start = flow.StartHandle(this.request_review).Next(this.schedule)
    schedule = flow.Handle(this.record_schedule).Next(this.hold_panel)
    hold_panel = flow.Handle(this.record_panel).Next(this.issue_report)
    issue_report = flow.Handle(this.record_report).Next(this.end)
    # A review held before Pathways (an imported caseload) is recorded whole and ends at once.
    past = flow.StartHandle(this.record_past_review).Next(this.end)
    end = flow.End()

    def request_review(self, activation, *, referral, by, follows=None):
        review = review_services.review_request(referral=referral, by=by, follows=follows)
        activation.process.review = review
        return review

    def record_past_review(self, activation, **kwargs):
        review = review_services.review_record_past(**kwargs)
        activation.process.review = review
        activation.task.owner = kwargs["by"]      # the tracker names who recorded it
        return review

    def record_schedule(self, activation, **kwargs):
        review = review_services.review_schedule(review=activation.process.review, **kwargs)
        notify_panel_allocated(review)
        return review

    def record_panel(self, activation, **kwargs):
        return review_services.review_record_panel(review=activation.process.review, **kwargs)

    def record_report(self, activation, **kwargs):
        review = review_services.review_issue_report(review=activation.process.review, **kwargs)
        notify_report_issued(review)
        return review


class IntervenorFlow(flow.Flow):
    """Waiting list → coordinator assigns → casework → intervenor proposes closure → confirmed."""

    process_class = IntervenorProcess
    lock_impl = PROCESS_LOCK
    process_title = "Senior intervenor case"

    start = flow.StartHandle(this.join_waiting_list).Next(this.assign)
    assign = flow.Handle(this.record_assignment).Next(this.casework)
    casework = flow.Handle(this.record_closure_proposal).Next(this.confirm_closure)
    confirm_closure = flow.Handle(this.record_closure).Next(this.closed)
    closed = (
        flow.If(lambda activation: activation.process.case.status == "closed")
        .Then(this.end)
        .Else(this.casework)
    )
    end = flow.End()

    def join_waiting_list(self, activation, *, referral, by):
        case = intervenor_services.case_open(referral=referral, by=by)
        activation.process.case = case
        return case

    def record_assignment(self, activation, **kwargs):
        case = intervenor_services.case_assign(case=activation.process.case, **kwargs)
        # The domain knows nothing of notifications: the flow step that asked for the change
        # owes the message, in the same transaction (sent after commit).
        notify_case_assigned(case)
        return case

    def record_closure_proposal(self, activation, **kwargs):
        return intervenor_services.case_propose_closure(case=activation.process.case, **kwargs)

    def record_closure(self, activation, **kwargs):
        activation.process.case = intervenor_services.case_confirm_closure(
            case=activation.process.case, **kwargs)
        return activation.process.case
