"""Writes for intervenor cases. The three-case rule is held here and in the database.

case_assign locks the intervenor's row, counts the active cases and refuses the fourth; the
trigger from migration 0002 refuses it again for any write that bypasses this module.
"""
from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from guardian.shortcuts import remove_perm

from accounts.grants import grant
from accounts.models import Region
from accounts.services import commissioners_group
from audit.models import Decision
from audit.services import decision_record, stamp
from pathways.errors import ConflictError, DomainError, NotAllowedError

from .models import MAX_ACTIVE_CASES, CaseActivity, Intervenor, IntervenorCase


class IntervenorCapacityError(ConflictError):
    code = "intervenor_capacity"

    def __init__(self, intervenor: Intervenor, active: list[IntervenorCase] | None = None):
        names = ", ".join(c.person.reference for c in (active or []))
        detail = f" ({names})" if names else ""
        super().__init__(
            f"{intervenor} already has {MAX_ACTIVE_CASES} active cases{detail}, the most a senior "
            "intervenor may hold. Choose another intervenor, or close a case first; this person "
            "stays on the waiting list.",
            field="intervenor",
        )



def _grant_worker(user, case: IntervenorCase) -> None:
    grant("intervenors.view_intervenorcase", user, case)
    grant("intervenors.change_intervenorcase", user, case)
    grant("referrals.view_person", user, case.person)


def _revoke_worker(user, case: IntervenorCase, *, keep_read: bool) -> None:
    remove_perm("intervenors.change_intervenorcase", user, case)
    if not keep_read:
        remove_perm("intervenors.view_intervenorcase", user, case)
        still_involved = IntervenorCase.objects.filter(
            person=case.person, intervenor__user=user).exclude(pk=case.pk).exists()
        if not still_involved:
            remove_perm("referrals.view_person", user, case.person)


def _move_action_reads(case: IntervenorCase, previous, target) -> None:
    """The actions agreed on a case are read by whoever holds the case now (decision 0027);
    the previous intervenor keeps only those they own."""
    for action in case.actions.all():
        if action.owner_id != previous.pk:
            remove_perm("reviews.view_action", previous, action)
        grant("reviews.view_action", target, action)


def _require_worker(case: IntervenorCase, by) -> None:
    if case.intervenor is None or case.intervenor.user_id != by.pk:
        raise DomainError("Only the intervenor assigned to this case can do this.",
                          code="not_case_intervenor", field=None)


@transaction.atomic
def case_open(*, referral, by) -> IntervenorCase:
    """Put the referred person on the waiting list."""
    case = stamp(IntervenorCase(
        person=referral.person, referral=referral, waiting_since=timezone.now()),
        by=by, reason=f"Joined the waiting list after triage by {by}")
    case.save()
    grant("intervenors.view_intervenorcase",
                commissioners_group(referral.organisation), case)
    return case


def _convert_trigger_error(error: IntegrityError, intervenor: Intervenor):
    if "intervenor_capacity" in str(error):
        return IntervenorCapacityError(intervenor)
    return error


def _activate(case: IntervenorCase, intervenor: Intervenor, *, by, reason: str,
              since=None) -> None:
    """Activate, the intervenor locked and counted (`_capacity_check`) by the caller's
    transaction. `since` is when the work began, when that was before Pathways (an imported
    caseload)."""
    case.intervenor = intervenor
    case.status = IntervenorCase.Status.ACTIVE
    case.assigned_on = since or timezone.now()
    try:
        with transaction.atomic():
            stamp(case, by=by, reason=reason).save()
    except IntegrityError as error:
        raise _convert_trigger_error(error, intervenor) from error


def _capacity_check(case: IntervenorCase, intervenor: Intervenor) -> None:
    """Refuse a fourth active case (the database's trigger refuses it again)."""
    active = list(
        IntervenorCase.objects.select_related("person")
        .filter(intervenor=intervenor, status=IntervenorCase.Status.ACTIVE)
        .exclude(pk=case.pk)
    )
    if len(active) >= MAX_ACTIVE_CASES:
        raise IntervenorCapacityError(intervenor, active)


def _lock_intervenors(*pks) -> dict:
    # Fixed order (by primary key) so two reassignments in opposite directions cannot deadlock.
    rows = Intervenor.objects.select_for_update(of=("self",)).select_related("user").filter(pk__in=pks)
    return {row.pk: row for row in rows.order_by("pk")}


@transaction.atomic
def case_assign(*, case: IntervenorCase, intervenor: Intervenor, by,
                reason: str = "", since=None) -> IntervenorCase:
    """Assign a waiting case. Skipping the person at the top of the list needs a reason, and so
    does choosing an intervenor who does not cover the region the person is in (issue 44).
    `since` dates an assignment made before Pathways (an imported caseload); never future."""
    from .selectors import top_of_waiting_list

    intervenor = _lock_intervenors(intervenor.pk)[intervenor.pk]
    case = IntervenorCase.objects.select_for_update(of=("self",)).select_related("person").get(pk=case.pk)
    if case.status != IntervenorCase.Status.WAITING:
        raise ConflictError(
            f"This case is {case.get_status_display().lower()}, not waiting; only a waiting case "
            "can be assigned. Use reassignment to move an active case.", code="case_not_waiting")
    if not intervenor.available or not intervenor.user.is_active:
        raise DomainError(f"{intervenor} is not available for new cases.",
                          code="intervenor_unavailable", field="intervenor")
    reason = (reason or "").strip()
    free_for_children = [] if intervenor.children or not case.person.is_child else list(
        Intervenor.objects.filter(children=True, available=True, user__is_active=True)
        .annotate(active=Count("cases", filter=Q(cases__status=IntervenorCase.Status.ACTIVE)))
        .filter(active__lt=MAX_ACTIVE_CASES).select_related("user"))
    if free_for_children and not reason:
        raise DomainError(
            f"{case.person.reference} is a child or young person and {free_for_children[0]}, a "
            "children's intervenor, has a free place. Give the reason for choosing someone "
            "else.", field="reason")
    _capacity_check(case, intervenor)    # before anything a reason could answer: none can
    region = person_region(case.person)
    outside = bool(region) and region not in intervenor.regions
    if outside and not reason:
        raise DomainError(
            f"{intervenor} does not cover {Region(region).label}, where "
            f"{case.person.reference} is. Give the reason for choosing them.",
            code="intervenor_outside_region", field="reason")
    top = top_of_waiting_list()
    skipped = top is not None and top.case.pk != case.pk
    if skipped and not reason:
        raise DomainError(
            f"{top.person.reference} is higher on the waiting list. Give the reason for "
            "assigning this person first.", field="reason")
    if since is not None and since > timezone.now():
        raise DomainError("The case cannot start in the future.", field="since")
    reason = reason or "Next on the ranked waiting list"
    _activate(case, intervenor, by=by, reason=reason, since=since)
    _grant_worker(intervenor.user, case)
    decision_record(
        actor=by, kind=Decision.Kind.CASE_ASSIGNED, subject=case, person=case.person,
        reason=reason, summary=f"{case.person.reference} assigned to {intervenor}",
        facts={"intervenor": str(intervenor.pk),
               "skipped": top.person.reference if skipped else "",
               "child": case.person.is_child, "childrens_intervenor": intervenor.children,
               "region": region, "outside_region": outside,
               "since": since.isoformat() if since else ""},
    )
    return case


def person_region(person) -> str:
    """The NHS England region of the unit the person is in ("" when no unit is recorded)."""
    return person.current_unit.region if person.current_unit_id else ""


@transaction.atomic
def case_reassign(*, case: IntervenorCase, to: Intervenor, by, reason: str) -> IntervenorCase:
    """Move an active case to another intervenor, all or nothing, within the limit."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for reassigning this case.", field="reason")
    case = IntervenorCase.objects.select_related("person", "intervenor__user").get(pk=case.pk)
    if case.status != IntervenorCase.Status.ACTIVE:
        raise ConflictError("Only an active case can be reassigned.", code="case_not_active")
    if case.intervenor_id == to.pk:
        raise DomainError(f"This case is already with {to}.", field="intervenor")
    locked = _lock_intervenors(case.intervenor_id, to.pk)
    case = IntervenorCase.objects.select_for_update(of=("self",)).select_related(
        "person", "intervenor__user").get(pk=case.pk)
    target = locked[to.pk]
    if not target.available or not target.user.is_active:
        raise DomainError(f"{target} is not available for new cases.",
                          code="intervenor_unavailable", field="intervenor")
    previous = case.intervenor
    _capacity_check(case, target)
    _activate(case, target, by=by, reason=reason)
    _revoke_worker(previous.user, case, keep_read=False)
    _grant_worker(target.user, case)
    _move_action_reads(case, previous.user, target.user)
    decision_record(
        actor=by, kind=Decision.Kind.CASE_REASSIGNED, subject=case, person=case.person,
        reason=reason, summary=f"{case.person.reference} moved from {previous} to {target}",
        facts={"from": str(previous.pk), "to": str(target.pk)},
    )
    return case


@transaction.atomic
def case_activity_log(*, case: IntervenorCase, by, kind: str, text: str,
                      occurred_on: date | None = None) -> CaseActivity:
    _require_worker(case, by)
    if case.status != IntervenorCase.Status.ACTIVE:
        raise ConflictError("Activity can only be logged on an active case.",
                            code="case_not_active")
    occurred_on = occurred_on or date.today()
    if occurred_on > date.today():
        raise DomainError("Activity cannot be dated in the future.", field="occurred_on")
    if not text.strip():
        raise DomainError("Describe what happened.", field="text")
    activity = stamp(CaseActivity(case=case, author=by, kind=kind, text=text,
                                  occurred_on=occurred_on),
                     by=by, reason=f"{CaseActivity.Kind(kind).label} logged by {by}")
    activity.save()
    return activity


@transaction.atomic
def case_update_plan(*, case: IntervenorCase, by, plan: str) -> IntervenorCase:
    _require_worker(case, by)
    if case.status != IntervenorCase.Status.ACTIVE:
        raise ConflictError("The plan can only be changed on an active case.",
                            code="case_not_active")
    case.plan = plan
    stamp(case, by=by, reason=f"Discharge plan updated by {by}").save()
    return case


@transaction.atomic
def case_propose_closure(*, case: IntervenorCase, by, outcome: str, reason: str):
    case = IntervenorCase.objects.select_for_update(of=("self",)).select_related(
        "person", "intervenor").get(pk=case.pk)
    _require_worker(case, by)
    if case.status != IntervenorCase.Status.ACTIVE:
        raise ConflictError("Only an active case can be closed.", code="case_not_active")
    if outcome not in IntervenorCase.Outcome.values:
        raise DomainError("Choose the outcome of the case.", field="outcome")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Summarise why the case can close (and, for 'Other', what happened).",
                          field="reason")
    case.proposed_outcome = outcome
    case.proposed_reason = reason
    case.closure_proposed_at = timezone.now()
    stamp(case, by=by, reason=reason).save()
    decision_record(
        actor=by, kind=Decision.Kind.CASE_CLOSURE_PROPOSED, subject=case, person=case.person,
        reason=reason, summary=f"Closure proposed: {case.get_proposed_outcome_display()}",
        facts={"outcome": outcome},
    )
    return case


@transaction.atomic
def case_confirm_closure(*, case: IntervenorCase, by, confirm: bool, reason: str = ""):
    """Coordinator confirms the closure (freeing the place) or returns it to casework."""
    case = IntervenorCase.objects.select_for_update(of=("self",)).select_related(
        "person", "intervenor__user").get(pk=case.pk)
    if case.status != IntervenorCase.Status.ACTIVE or not case.proposed_outcome:
        raise ConflictError("There is no closure proposal to confirm on this case.",
                            code="no_closure_proposed")
    reason = (reason or "").strip()
    if confirm:
        case.status = IntervenorCase.Status.CLOSED
        case.outcome = case.proposed_outcome
        case.closure_reason = case.proposed_reason + (f"\n\nConfirmed: {reason}" if reason else "")
        case.closed_on = timezone.now()
        stamp(case, by=by, reason=reason or "Closure confirmed").save()
        _revoke_worker(case.intervenor.user, case, keep_read=True)
        decision_record(
            actor=by, kind=Decision.Kind.CASE_CLOSED, subject=case, person=case.person,
            reason=reason or case.proposed_reason,
            summary=f"Case closed: {case.get_outcome_display()}; a place is free for "
                    f"{case.intervenor}",
            facts={"outcome": case.outcome, "intervenor": str(case.intervenor_id)},
        )
    else:
        if not reason:
            raise DomainError("Say why the case should continue.", field="reason")
        case.proposed_outcome = ""
        case.proposed_reason = ""
        case.closure_proposed_at = None
        stamp(case, by=by, reason=reason).save()
        decision_record(
            actor=by, kind=Decision.Kind.CASE_CLOSURE_RETURNED, subject=case, person=case.person,
            reason=reason, summary="Closure not confirmed; the case continues",
        )
    return case


# System barriers (issue 45) -------------------------------------------------------------------

def _barrier_facts(barrier, **more) -> dict:
    return {"barrier": barrier.kind.code, "status": barrier.status, **more}


@transaction.atomic
def barrier_record(*, case: IntervenorCase, by, kind, note: str):
    """The intervenor names a system barrier keeping the person stuck (a decision)."""
    from .models import CaseBarrier

    _require_worker(case, by)
    if case.status != IntervenorCase.Status.ACTIVE:
        raise ConflictError("Barriers are recorded on an active case.", code="case_not_active")
    if not kind.active:
        raise DomainError("Choose a kind of barrier from the list.", field="kind")
    if not (note or "").strip():
        raise DomainError("Say what the barrier is, for this person.", field="note")
    barrier = stamp(CaseBarrier(case=case, kind=kind, note=note, recorded_by=by,
                                recorded_at=timezone.now()), by=by, reason=note)
    barrier.save()
    decision_record(actor=by, kind=Decision.Kind.BARRIER_RECORDED, subject=barrier,
                    person=case.person, summary=f"System barrier recorded: {kind.name}",
                    reason=note, facts=_barrier_facts(barrier))
    return barrier


def _lock_barrier(barrier, by):
    from .models import CaseBarrier

    barrier = CaseBarrier.objects.select_for_update(of=("self",)).select_related(
        "case__person", "case__intervenor", "kind").get(pk=barrier.pk)
    _require_worker(barrier.case, by)
    return barrier


@transaction.atomic
def barrier_status(*, barrier, by, status: str, note: str):
    """Move a barrier on (open, being worked on, resolved), saying why (a decision)."""
    from .models import CaseBarrier

    barrier = _lock_barrier(barrier, by)
    if status not in CaseBarrier.Status.values:
        raise DomainError("Choose where the barrier stands.", field="status")
    if not (note or "").strip():
        raise DomainError("Say what has changed.", field="note")
    if status == barrier.status:
        raise DomainError(f"The barrier is already {barrier.get_status_display().lower()}.",
                          field="status")
    before = barrier.get_status_display()
    barrier.status = status
    stamp(barrier, by=by, reason=note).save()
    decision_record(actor=by, kind=Decision.Kind.BARRIER_STATUS, subject=barrier,
                    person=barrier.case.person, reason=note,
                    summary=f"{barrier.kind.name}: {before} to {barrier.get_status_display()}",
                    facts=_barrier_facts(barrier, previous=before))
    return barrier


@transaction.atomic
def barrier_escalate(*, barrier, by, need: str):
    """Ask the oversight group for help with a barrier, saying what is needed. It waits in the
    group's My work until answered (a decision)."""
    barrier = _lock_barrier(barrier, by)
    if barrier.status == barrier.Status.RESOLVED:
        raise ConflictError("A resolved barrier needs no escalation.", code="barrier_resolved")
    if barrier.waiting_for_oversight:
        raise ConflictError("This barrier is already waiting for the oversight group.",
                            code="barrier_escalated")
    if not (need or "").strip():
        raise DomainError("Say what you need from the oversight group.", field="need")
    barrier.escalated_at, barrier.escalation_need = timezone.now(), need
    barrier.answered_at, barrier.answered_by, barrier.answer = None, None, ""
    stamp(barrier, by=by, reason=need).save()
    decision_record(actor=by, kind=Decision.Kind.BARRIER_ESCALATED, subject=barrier,
                    person=barrier.case.person, reason=need,
                    summary=f"Escalated to the oversight group: {barrier.kind.name}",
                    facts=_barrier_facts(barrier))
    return barrier


@transaction.atomic
def barrier_answer(*, barrier, by, answer: str):
    """The oversight group answers an escalated barrier, with what it did or will do (a
    decision); the answer is shown to the intervenor on the case."""
    from accounts.roles import Role

    from .models import CaseBarrier

    if not by.has_role(Role.OVERSIGHT):
        raise NotAllowedError("Only the oversight group answers an escalated barrier.")
    barrier = CaseBarrier.objects.select_for_update(of=("self",)).select_related(
        "case__person", "kind").get(pk=barrier.pk)
    if not barrier.waiting_for_oversight:
        raise ConflictError("This barrier is not waiting for an answer.",
                            code="barrier_not_escalated")
    if not (answer or "").strip():
        raise DomainError("Say what the oversight group did or will do.", field="answer")
    barrier.answered_at, barrier.answered_by, barrier.answer = timezone.now(), by, answer
    stamp(barrier, by=by, reason=answer).save()
    decision_record(actor=by, kind=Decision.Kind.BARRIER_ANSWERED, subject=barrier,
                    person=barrier.case.person, reason=answer,
                    summary=f"Escalation answered: {barrier.kind.name}",
                    facts=_barrier_facts(barrier))
    return barrier


# The discharge plan's milestones (issue 45) ----------------------------------------------------

def _milestone_facts(m) -> dict:
    return {"title": m.title, "status": m.status, "target_date": m.target_date.isoformat(),
            "owner": m.owner_name,
            "organisation": m.owner_organisation.name if m.owner_organisation else ""}


@transaction.atomic
def milestone_add(*, case: IntervenorCase, by, title: str = "", kind=None, owner_name: str,
                  owner_organisation=None, target_date: date, note: str = ""):
    """A step of the discharge plan, standard (`kind`) or the intervenor's own (`title`),
    with its owner and target date (a decision)."""
    from .models import CaseMilestone

    _require_worker(case, by)
    if case.status != IntervenorCase.Status.ACTIVE:
        raise ConflictError("Milestones are added on an active case.", code="case_not_active")
    title = (title or "").strip() or (kind.name if kind else "")
    if not title:
        raise DomainError("Choose a standard milestone or say what this one is.", field="title")
    if not (owner_name or "").strip():
        raise DomainError("Name the person who owns this milestone.", field="owner_name")
    if target_date < date.today():
        raise DomainError("A new milestone's target date cannot be in the past.",
                          field="target_date")
    milestone = stamp(CaseMilestone(case=case, kind=kind, title=title, owner_name=owner_name,
                                    owner_organisation=owner_organisation,
                                    target_date=target_date, note=note,
                                    created_at=timezone.now()),
                      by=by, reason=note or f"Milestone added: {title}")
    milestone.save()
    decision_record(actor=by, kind=Decision.Kind.MILESTONE_ADDED, subject=milestone,
                    person=case.person, summary=f"Milestone added: {title}, by "
                                                f"{target_date:%-d %b %Y}",
                    reason=note, facts=_milestone_facts(milestone))
    return milestone


@transaction.atomic
def milestone_update(*, milestone, by, status: str, target_date: date, note: str):
    """Move a milestone on, or change its target date, saying why (a decision). Done records
    the day; a changed target date is kept in the facts beside the old one."""
    from .models import CaseMilestone

    milestone = CaseMilestone.objects.select_for_update(of=("self",)).select_related(
        "case__person", "case__intervenor", "owner_organisation").get(pk=milestone.pk)
    _require_worker(milestone.case, by)
    if status not in CaseMilestone.Status.values:
        raise DomainError("Choose where the milestone stands.", field="status")
    if not (note or "").strip():
        raise DomainError("Say what has changed.", field="note")
    if status == milestone.status and target_date == milestone.target_date:
        raise DomainError("Change the status or the target date, or leave it as it is.",
                          field="status")
    before = {"status": milestone.get_status_display(), "target_date": milestone.target_date}
    milestone.status, milestone.target_date = status, target_date
    milestone.done_on = date.today() if status == CaseMilestone.Status.DONE else None
    stamp(milestone, by=by, reason=note).save()
    moved = (f"; target {before['target_date']:%-d %b %Y} to {target_date:%-d %b %Y}"
             if target_date != before["target_date"] else "")
    decision_record(actor=by, kind=Decision.Kind.MILESTONE_CHANGED, subject=milestone,
                    person=milestone.case.person, reason=note,
                    summary=f"{milestone.title}: {before['status']} to "
                            f"{milestone.get_status_display()}{moved}",
                    facts={**_milestone_facts(milestone), "previous_status": before["status"],
                           "previous_target_date": before["target_date"].isoformat()})
    return milestone


def next_milestone(case, today: date | None = None):
    """The open milestone due soonest, with how many days late it is (0 on time), or None."""
    return case.next_milestone(today)
