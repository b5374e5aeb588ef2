"""Pages for senior intervenors (caseload, casework) and coordinators (waiting list, capacity)."""
from datetime import date

from django.contrib import messages
from django.db.models import Max
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from audit.access import get_or_404
from pathways import paging
from pathways.forms import apply_form
from referrals.identity import identity_shown
from workflows import claims, tracker
from workflows import services as flow
from workflows.casework import case_action_agree
from workflows.forms import CaseActionForm
from workflows.selectors import case_actions

from . import presenters, selectors, services
from .forms import (
    ActivityForm,
    AssignForm,
    BarrierAnswerForm,
    BarrierEscalateForm,
    BarrierForm,
    BarrierStatusForm,
    ConfirmClosureForm,
    MilestoneForm,
    MilestoneUpdateForm,
    PlanForm,
    ProposeClosureForm,
    ReassignForm,
)
from .models import MAX_ACTIVE_CASES, IntervenorCase
from .services import person_region

CASE_READERS = (Role.INTERVENOR, Role.COORDINATOR, Role.OVERSIGHT, Role.COMMISSIONER)


@role_required(Role.INTERVENOR)
def caseload(request):
    cases = selectors.caseload(request.user)
    return render(request, "intervenors/caseload.jinja", {
        "active": list(cases.filter(status=IntervenorCase.Status.ACTIVE).annotate(
            last_contact=Max("activities__occurred_on"))),
        "closed": paging.page(request, cases.filter(status=IntervenorCase.Status.CLOSED)
                              .order_by("-closed_on", "pk")),
        "limit": MAX_ACTIVE_CASES,
    })


@role_required(Role.COORDINATOR, Role.OVERSIGHT)
def waiting(request):
    page = paging.page(request, selectors.waiting_list(request.user))
    can_assign = request.user.has_perm("intervenors.assign_intervenorcase")
    return render(request, "intervenors/waiting.jinja", {
        "page": page, "rows": presenters.waiting_rows(page, can_assign)})


@role_required(Role.COORDINATOR, Role.OVERSIGHT)
def capacity(request):
    return render(request, "intervenors/capacity.jinja", {
        "page": paging.page(request, selectors.intervenors_with_load()),
        "limit": MAX_ACTIVE_CASES, "free_places": selectors.free_places(),
        "waiting_count": selectors.cases_visible(request.user).filter(status="waiting").count(),
    })


def _case_page(request, case, status=200, **forms):
    user = request.user
    is_worker = case.intervenor is not None and case.intervenor.user_id == user.pk
    is_active = case.status == IntervenorCase.Status.ACTIVE
    can_assign = user.has_perm("intervenors.assign_intervenorcase")
    context = {
        "case": case, "person": case.person, "is_worker": is_worker and is_active,
        "identity": identity_shown(request, case.person, obj=case),
        "stages": tracker.for_case(case), "today": date.today(),
        "activities": case.activities.select_related("author"),
        "can_assign": can_assign and case.status == IntervenorCase.Status.WAITING,
        "can_reassign": can_assign and is_active,
        "can_confirm": (user.has_perm("intervenors.confirm_closure_intervenorcase")
                        and is_active and bool(case.proposed_outcome)),
        "limit": MAX_ACTIVE_CASES,
        "region": person_region(case.person),
        # What the page offers only to some: none unless set below.
        **dict.fromkeys(("claim", "top", "assign_form", "reassign_form", "activity_form",
                         "plan_form", "closure_form", "confirm_form", "barrier_form",
                         "milestone_form", "case_action_form")),
        "agreed_actions": case_actions(user, case),
        "barriers": case.barriers.select_related("kind"),
        "milestones": case.milestones.select_related("owner_organisation"),
        "next_milestone": services.next_milestone(case),
        "days_in_lts": next((e.days_in_lts for e in case.person.lts_episodes.filter(
            end_date__isnull=True)), None),
        "days_on_caseload": (date.today() - case.assigned_on.date()).days
        if case.assigned_on and is_active else None,
    }
    if context["can_assign"]:
        context["claim"] = claims.claim_context(case, "case", user)
    if context["can_assign"] or context["can_reassign"]:
        intervenors = list(selectors.intervenors_with_load())
        context["top"] = selectors.waiting_list(user).first()
        if context["can_assign"]:
            context["assign_form"] = forms.get("assign_form") or AssignForm(
                intervenors=intervenors, for_child=case.person.is_child,
                region=person_region(case.person))
        if context["can_reassign"]:
            others = [i for i in intervenors if i.pk != case.intervenor_id]
            context["reassign_form"] = forms.get("reassign_form") or ReassignForm(
                intervenors=others)
    if context["is_worker"]:
        context["activity_form"] = forms.get("activity_form") or ActivityForm()
        context["plan_form"] = forms.get("plan_form") or PlanForm(initial={"plan": case.plan})
        # Prefixed: the activity form on the same page has a "kind" too (ids must differ).
        context["barrier_form"] = forms.get("barrier_form") or BarrierForm(prefix="barrier")
        context["milestone_form"] = forms.get("milestone_form") or MilestoneForm(
            prefix="milestone")
        context["case_action_form"] = forms.get("case_action_form") or CaseActionForm(
            person=case.person)
        if not case.proposed_outcome:
            context["closure_form"] = forms.get("closure_form") or ProposeClosureForm()
    if context["can_confirm"]:
        context["confirm_form"] = forms.get("confirm_form") or ConfirmClosureForm()
    context["forms_with_errors"] = [f for f in forms.values() if f.errors]
    return render(request, "intervenors/case.jinja", context, status=status)


@role_required(*CASE_READERS)
def case_detail(request, pk):
    case = get_or_404(request, selectors.case_get, pk)
    return _case_page(request, case)


def _post_case(request, pk, *, perm=None):
    case = get_or_404(request, selectors.case_get, pk)
    if perm and not request.user.has_perm(perm):
        return case, False
    return case, True


@require_POST
@role_required(Role.COORDINATOR)
def case_assign(request, pk):
    case, allowed = _post_case(request, pk, perm="intervenors.assign_intervenorcase")
    if not allowed:
        return redirect("intervenors:case", pk=case.pk)
    form = AssignForm(request.POST, intervenors=list(selectors.intervenors_with_load()),
                      for_child=case.person.is_child, region=person_region(case.person))
    if apply_form(form, lambda data: flow.case_assign(case=case, by=request.user, **data)):
        messages.success(request, f"{case.person.reference} assigned to "
                                  f"{form.cleaned_data['intervenor']}.")
        return redirect("intervenors:waiting")
    return _case_page(request, case, status=400, assign_form=form)


@require_POST
@role_required(Role.COORDINATOR)
def case_reassign(request, pk):
    case, allowed = _post_case(request, pk, perm="intervenors.assign_intervenorcase")
    if not allowed:
        return redirect("intervenors:case", pk=case.pk)
    others = [i for i in selectors.intervenors_with_load() if i.pk != case.intervenor_id]
    form = ReassignForm(request.POST, intervenors=others)
    if apply_form(form, lambda data: services.case_reassign(
            case=case, to=data["intervenor"], by=request.user, reason=data["reason"])):
        messages.success(request, f"Case moved to {form.cleaned_data['intervenor']}.")
        return redirect("intervenors:case", pk=case.pk)
    return _case_page(request, case, status=400, reassign_form=form)


@require_POST
@role_required(Role.INTERVENOR)
def activity_add(request, pk):
    case, _ = _post_case(request, pk)
    form = ActivityForm(request.POST)
    if apply_form(form, lambda data: services.case_activity_log(case=case, by=request.user,
                                                                **data)):
        messages.success(request, "Activity logged.")
        return redirect("intervenors:case", pk=case.pk)
    return _case_page(request, case, status=400, activity_form=form)


@require_POST
@role_required(Role.INTERVENOR)
def plan_update(request, pk):
    case, _ = _post_case(request, pk)
    form = PlanForm(request.POST)
    if apply_form(form, lambda data: services.case_update_plan(case=case, by=request.user,
                                                               **data)):
        messages.success(request, "Discharge plan saved.")
        return redirect("intervenors:case", pk=case.pk)
    return _case_page(request, case, status=400, plan_form=form)


@require_POST
@role_required(Role.INTERVENOR)
def closure_propose(request, pk):
    case, _ = _post_case(request, pk)
    form = ProposeClosureForm(request.POST)
    if apply_form(form, lambda data: flow.case_propose_closure(case=case, by=request.user,
                                                               **data)):
        messages.success(request, "Closure proposed. The programme team will confirm it.")
        return redirect("intervenors:case", pk=case.pk)
    return _case_page(request, case, status=400, closure_form=form)


@require_POST
@role_required(Role.COORDINATOR)
def closure_confirm(request, pk):
    case, allowed = _post_case(request, pk, perm="intervenors.confirm_closure_intervenorcase")
    if not allowed:
        return redirect("intervenors:case", pk=case.pk)
    form = ConfirmClosureForm(request.POST)
    if not apply_form(form, lambda data: flow.case_confirm_closure(
            case=case, by=request.user, confirm=data["decision"] == "confirm",
            reason=data["reason"])):
        return _case_page(request, case, status=400, confirm_form=form)
    if form.cleaned_data["decision"] != "confirm":
        messages.success(request, "The case continues.")
        return redirect("intervenors:case", pk=case.pk)
    top = selectors.waiting_list(request.user).first()
    nxt = (f" Next on the waiting list: {top.person.reference} (score {top.priority.score})."
           if top else " Nobody is waiting.")
    messages.success(request, f"Case closed; {case.intervenor} has a free place." + nxt)
    return redirect("intervenors:waiting")


# System barriers (issue 45) -------------------------------------------------------------------

@require_POST
@role_required(Role.INTERVENOR)
def barrier_add(request, pk):
    case, _ = _post_case(request, pk)
    form = BarrierForm(request.POST, prefix="barrier")
    if apply_form(form, lambda data: services.barrier_record(case=case, by=request.user, **data)):
        messages.success(request, f"Barrier recorded: {form.cleaned_data['kind']}. Escalate it "
                                  "from its page if you need the oversight group's help.")
        return redirect("intervenors:case", pk=case.pk)
    return _case_page(request, case, status=400, barrier_form=form)


def _on_case(request, pk, related: str, child_pk, *joined):
    """A case the reader may see and one of its barriers or milestones (`related`); anything
    else answers as no case does."""
    from django.http import Http404

    case = get_or_404(request, selectors.case_get, pk)
    found = getattr(case, related).select_related(*joined).filter(pk=child_pk).first()
    if found is None:
        raise Http404("Not found")
    return case, found


def _barrier(request, pk, barrier_pk):
    return _on_case(request, pk, "barriers", barrier_pk, "kind", "recorded_by", "answered_by")


def _barrier_page(request, case, barrier, status=200, **forms):
    from audit.models import Decision

    user = request.user
    is_worker = (case.intervenor is not None and case.intervenor.user_id == user.pk
                 and case.status == IntervenorCase.Status.ACTIVE)
    context = {
        "case": case, "person": case.person, "barrier": barrier,
        "identity": identity_shown(request, case.person, obj=case),
        "history": Decision.objects.filter(subject_type=barrier._meta.label,
                                           subject_id=str(barrier.pk))
        .select_related("actor").order_by("made_at"),
        "status_form": None, "escalate_form": None, "answer_form": None,
    }
    if is_worker:
        context["status_form"] = forms.get("status_form") or BarrierStatusForm(
            initial={"status": barrier.status})
        if barrier.status != barrier.Status.RESOLVED and not barrier.waiting_for_oversight:
            context["escalate_form"] = forms.get("escalate_form") or BarrierEscalateForm()
    if user.has_role(Role.OVERSIGHT) and barrier.waiting_for_oversight:
        context["answer_form"] = forms.get("answer_form") or BarrierAnswerForm()
    context["forms_with_errors"] = [f for f in forms.values() if f.errors]
    return render(request, "intervenors/barrier.jinja", context, status=status)


@role_required(*CASE_READERS)
def barrier_detail(request, pk, barrier_pk):
    case, barrier = _barrier(request, pk, barrier_pk)
    return _barrier_page(request, case, barrier)


@require_POST
@role_required(Role.INTERVENOR)
def barrier_status(request, pk, barrier_pk):
    case, barrier = _barrier(request, pk, barrier_pk)
    form = BarrierStatusForm(request.POST)
    if apply_form(form, lambda data: services.barrier_status(barrier=barrier, by=request.user,
                                                             **data)):
        messages.success(request, f"{barrier.kind}: now "
                                  f"{dict(barrier.Status.choices)[form.cleaned_data['status']].lower()}.")
        return redirect("intervenors:case", pk=case.pk)
    return _barrier_page(request, case, barrier, status=400, status_form=form)


@require_POST
@role_required(Role.INTERVENOR)
def barrier_escalate(request, pk, barrier_pk):
    case, barrier = _barrier(request, pk, barrier_pk)
    form = BarrierEscalateForm(request.POST)
    if apply_form(form, lambda data: services.barrier_escalate(barrier=barrier, by=request.user,
                                                               **data)):
        messages.success(request, "Escalated: it waits in the oversight group's My work until "
                                  "they answer, and their answer will show here.")
        return redirect("intervenors:barrier", pk=case.pk, barrier_pk=barrier.pk)
    return _barrier_page(request, case, barrier, status=400, escalate_form=form)


@require_POST
@role_required(Role.OVERSIGHT)
def barrier_answer(request, pk, barrier_pk):
    case, barrier = _barrier(request, pk, barrier_pk)
    form = BarrierAnswerForm(request.POST)
    if apply_form(form, lambda data: services.barrier_answer(barrier=barrier, by=request.user,
                                                             **data)):
        messages.success(request, "Answer recorded. The intervenor sees it on the barrier.")
        return redirect("workflows:inbox")
    return _barrier_page(request, case, barrier, status=400, answer_form=form)


# Actions agreed by the intervenor (issue 45, decision 0027) ----------------------------------

@require_POST
@role_required(Role.INTERVENOR)
def case_action_add(request, pk):
    case, _ = _post_case(request, pk)
    form = CaseActionForm(request.POST, person=case.person)
    if apply_form(form, lambda data: case_action_agree(case=case, by=request.user, **data)):
        messages.success(request, "Action agreed. Its owner has been told, and it is followed "
                                  "up like a panel's.")
        return redirect("intervenors:case", pk=case.pk)
    return _case_page(request, case, status=400, case_action_form=form)


# The discharge plan's milestones (issue 45) --------------------------------------------------

@require_POST
@role_required(Role.INTERVENOR)
def milestone_add(request, pk):
    case, _ = _post_case(request, pk)
    form = MilestoneForm(request.POST, prefix="milestone")
    if apply_form(form, lambda data: services.milestone_add(case=case, by=request.user, **data)):
        messages.success(request, "Milestone added to the discharge plan.")
        return redirect("intervenors:case", pk=case.pk)
    return _case_page(request, case, status=400, milestone_form=form)


def _milestone(request, pk, milestone_pk):
    return _on_case(request, pk, "milestones", milestone_pk, "owner_organisation", "kind")


def _milestone_page(request, case, milestone, status=200, form=None):
    from audit.models import Decision

    is_worker = (case.intervenor is not None and case.intervenor.user_id == request.user.pk
                 and case.status == IntervenorCase.Status.ACTIVE)
    if is_worker and form is None:
        form = MilestoneUpdateForm(initial={"status": milestone.status,
                                            "target_date": milestone.target_date})
    return render(request, "intervenors/milestone.jinja", {
        "case": case, "person": case.person, "milestone": milestone, "today": date.today(),
        "identity": identity_shown(request, case.person, obj=case),
        "form": form if is_worker else None,
        "history": Decision.objects.filter(subject_type=milestone._meta.label,
                                           subject_id=str(milestone.pk))
        .select_related("actor").order_by("made_at"),
        "forms_with_errors": [form] if form is not None and form.errors else [],
    }, status=status)


@role_required(*CASE_READERS)
def milestone_detail(request, pk, milestone_pk):
    case, milestone = _milestone(request, pk, milestone_pk)
    return _milestone_page(request, case, milestone)


@require_POST
@role_required(Role.INTERVENOR)
def milestone_update(request, pk, milestone_pk):
    case, milestone = _milestone(request, pk, milestone_pk)
    form = MilestoneUpdateForm(request.POST)
    if apply_form(form, lambda data: services.milestone_update(milestone=milestone,
                                                               by=request.user, **data)):
        messages.success(request, f"Milestone saved: {milestone.title}.")
        return redirect("intervenors:case", pk=case.pk)
    return _milestone_page(request, case, milestone, status=400, form=form)
