"""The entry points views, the API, tasks and tests call to move a flow on.

Each function checks nothing about permissions itself: callers fetch the subject through a
selector (so it is in the user's scope) and check the role's verb first. Each runs in one
transaction, so a refused step leaves neither the domain rows nor the flow changed.
"""
from datetime import datetime, time

from django.db import transaction
from django.utils import timezone
from viewflow.workflow.status import STATUS

from pathways.errors import ConflictError

from .flows import IntervenorFlow, ReferralFlow, ReviewFlow
from .refusals import ELSEWHERE_LIMIT, elsewhere_refusals_exhausted, person_elsewhere_refuse

PERSON_ELSEWHERE = ("This NHS number belongs to a person recorded by another commissioning "
                    "organisation, so nothing was saved. The review coordinators have been "
                    "told and will contact you. Contact the programme team if it is urgent: "
                    "they can transfer the person or add your concerns to an open referral.")
NOT_OPEN = ("This step is not open any more: someone may have just completed it. Reload the "
            "page to see the current state.")


def _run_open_task(process, node, *, user, why_not_open=NOT_OPEN, **kwargs):
    task = (
        process.task_set.select_for_update(of=("self",))
        .filter(flow_task=node, status=STATUS.NEW)
        .first()
    )
    if task is None:
        raise ConflictError(why_not_open, code="step_not_open")
    if task.assigned and task.owner_id not in (None, user.pk):
        raise ConflictError(f"{task.owner} has taken this on. Ask them, or hand it over with a "
                            "reason, before doing it yourself.", code="step_taken")
    task.owner = user
    task.save(update_fields=["owner"])
    return node.run(task, **kwargs)



# Referrals -----------------------------------------------------------------------------------

@transaction.atomic
def referral_raise(**kwargs):
    return ReferralFlow.start.run(**kwargs)


def referral_raise_for(*, user, nhs_number, date_of_birth, condition, current_unit,
                       lts_start_date, requested_route, reason, given_name="", family_name="",
                       legal_status="", concerns=(), characteristics=None, admitted_on=None):
    """A commissioner's referral: find the person by NHS number (or record them), then raise.

    A person recorded under another organisation is not revealed: one message whatever their
    state, and nothing about them (reference, status or dates) on page or API. The question
    goes to the review coordinators instead (security round 3, finding 10), who can see the
    person and transfer them or take the concerns into their open referral: a notice is owed
    to them (once per person and organisation), outside the refused transaction. An open
    referral in the user's own organisation is a DuplicateReferralError naming it, since the
    user can already see it.
    """
    from referrals.models import Person
    from referrals.validation import validate_nhs_number

    nhs_number = validate_nhs_number(nhs_number)
    if elsewhere_refusals_exhausted(user):     # asked before the number is looked up
        raise ConflictError(ELSEWHERE_LIMIT, field="nhs_number", code="person_elsewhere_limit")
    elsewhere = (Person.objects.filter(nhs_number=nhs_number)
                 .exclude(commissioner_id=user.organisation_id).first())
    if elsewhere is not None:
        person_elsewhere_refuse(elsewhere, asked_by=user, via="referral")
        raise ConflictError(PERSON_ELSEWHERE, field="nhs_number", code="person_elsewhere")
    with transaction.atomic():
        person = Person.objects.filter(nhs_number=nhs_number).first()
        if person is None:
            who = {"new_person": {
                "nhs_number": nhs_number, "date_of_birth": date_of_birth, "condition": condition,
                "commissioner": user.organisation, "current_unit": current_unit,
                "given_name": given_name, "family_name": family_name,
                "legal_status": legal_status, "characteristics": characteristics}}
        elif person.commissioner_id != user.organisation_id:   # recorded a moment ago
            raise ConflictError(PERSON_ELSEWHERE, field="nhs_number", code="person_elsewhere")
        else:
            who = {"person": person}
        return referral_raise(raised_by=user, reason=reason, requested_route=requested_route,
                              unit=current_unit, lts_start_date=lts_start_date,
                              concerns=list(concerns), admitted_on=admitted_on, **who)


@transaction.atomic
def referral_triage(*, referral, by, route, reason, dates_confirmed=False):
    why = (f"This referral has already been triaged "
           f"({referral.get_status_display().lower()}).")
    _run_open_task(referral.process, ReferralFlow.triage, user=by, by=by, route=route,
                   reason=reason, dates_confirmed=dates_confirmed, why_not_open=why)
    referral.refresh_from_db()
    return referral


# Reviews -------------------------------------------------------------------------------------

@transaction.atomic
def review_schedule(*, review, by, **kwargs):
    _run_open_task(review.process, ReviewFlow.schedule, user=by, by=by, **kwargs)
    review.refresh_from_db()
    return review


@transaction.atomic
def review_record_panel(*, review, by, **kwargs):
    _run_open_task(review.process, ReviewFlow.hold_panel, user=by, by=by, **kwargs)
    review.refresh_from_db()
    return review


@transaction.atomic
def review_issue_report(*, review, by, **kwargs):
    _run_open_task(review.process, ReviewFlow.issue_report, user=by, by=by, **kwargs)
    review.refresh_from_db()
    return review


def review_follow_up_start(*, review, by):
    """Start the follow-up to `review` as a new ReviewFlow (the coordinator schedules it).

    Called by the hourly sweep once the chair's follow-up date has come; one follow-up a review
    (a second call finds it and returns it: the database allows no other).
    """
    with transaction.atomic():
        locked = type(review).objects.select_for_update().get(pk=review.pk)
        existing = type(review).objects.filter(follows=locked).first()
        if existing is not None:
            return existing
        ReviewFlow.start.run(referral=locked.referral, by=by, follows=locked)
        return type(review).objects.get(follows=locked)


@transaction.atomic
def review_record_past(**kwargs):
    """A review held before Pathways: its flow starts at the `past` node and ends at once."""
    return ReviewFlow.past.run(**kwargs)


# Intervenor cases ----------------------------------------------------------------------------

@transaction.atomic
def case_assign(*, case, by, intervenor, reason, since=None):
    why = (f"This case is {case.get_status_display().lower()}, not waiting; only a waiting case "
           "can be assigned. Use reassignment to move an active case.")
    _run_open_task(case.process, IntervenorFlow.assign, user=by, by=by, intervenor=intervenor,
                   reason=reason, since=since, why_not_open=why)
    case.refresh_from_db()
    return case


@transaction.atomic
def case_propose_closure(*, case, by, outcome, reason):
    _run_open_task(case.process, IntervenorFlow.casework, user=by, by=by, outcome=outcome,
                   reason=reason)
    case.refresh_from_db()
    return case


@transaction.atomic
def case_confirm_closure(*, case, by, confirm, reason):
    _run_open_task(case.process, IntervenorFlow.confirm_closure, user=by, by=by, confirm=confirm,
                   reason=reason)
    case.refresh_from_db()
    return case



def case_record_existing(*, person, intervenor, since, by, source: str):
    """A senior intervenor's case that began before Pathways (an imported caseload): the person
    joins the waiting list through the real flow and is assigned at once, the three-case limit
    held as for any assignment.

    If the person's referral is still waiting for triage it is accepted for an intervenor (and
    a review too when that was asked for), by the importer, saying why; an accepted referral
    without a case opens one; a declined or closed referral is refused (a new referral first).
    """
    from intervenors.models import IntervenorCase
    from referrals.models import Referral, Route

    with transaction.atomic():
        case = IntervenorCase.objects.filter(
            person=person, status=IntervenorCase.Status.WAITING).first()
        if case is None:
            referral = person.referrals.order_by("-raised_at").first()
            if referral is None or referral.status not in (Referral.Status.SUBMITTED,
                                                           Referral.Status.ACCEPTED):
                raise ConflictError(
                    f"{person.reference} has no open referral: raise one (or import it in a "
                    "people file) before their intervenor case.", field="nhs_number",
                    code="no_open_referral")
            if referral.status == Referral.Status.SUBMITTED:
                route = Route.INTERVENOR if referral.requested_route == Route.INTERVENOR \
                    else Route.BOTH
                referral_triage(referral=referral, by=by, route=route, reason=(
                    f"Accepted for a senior intervenor: {intervenor} has worked with the person "
                    f"since {since:%-d %B %Y} ({source})"))
            else:
                IntervenorFlow.start.run(referral=referral, by=by)
            case = IntervenorCase.objects.get(person=person,
                                              status=IntervenorCase.Status.WAITING)
        began = timezone.make_aware(datetime.combine(since, time(9)))
        return case_assign(case=case, by=by, intervenor=intervenor, since=began, reason=(
            f"Working with the person since {since:%-d %B %Y} ({source})"))
