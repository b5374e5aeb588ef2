"""Pages for review panels (chairs, members, coordinators) and for following up actions."""
from datetime import date

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from audit.access import get_or_404
from pathways import paging
from pathways.errors import DomainError
from pathways.forms import apply_form, attach_refusal, typed_values
from referrals.identity import identity_shown
from workflows import followups, tracker
from workflows import services as flow
from workflows.deadlines import after_action_update
from workflows.forms import OwnerFollowUpForm
from workflows.letters import easy_read_content, easy_read_post
from workflows.selectors import cases_visible, owner_emails_undelivered

from . import selectors, services
from .forms import (
    ActionFilterForm,
    ActionOwnerForm,
    ActionUpdateForm,
    EasyReadForm,
    EasyReadLetterForm,
    EasyReadShareForm,
    EscalationResponseForm,
    PanelForm,
    RecommendationFormSet,
    ReportForm,
    ReviewFilterForm,
    ScheduleForm,
    with_another_recommendation,
)
from .lifecycle import may_post_update
from .models import Action, ActionStatus, EasyReadSummary, PanelMember, Review

REVIEW_READERS = (Role.CHAIR, Role.PANEL_MEMBER, Role.COORDINATOR, Role.OVERSIGHT,
                  Role.COMMISSIONER)
ACTION_READERS = (Role.COMMISSIONER, Role.COORDINATOR, Role.OVERSIGHT, Role.CHAIR,
                  Role.INTERVENOR, Role.ACTION_OWNER)


@role_required(*REVIEW_READERS)
def review_list(request):
    filters = ReviewFilterForm(request.GET or None)
    reviews = selectors.my_reviews(request.user)
    if filters.is_valid():
        if filters.statuses():
            reviews = reviews.filter(status__in=filters.statuses())
        if filters.cleaned_data["region"]:
            reviews = reviews.filter(person__current_unit__region=filters.cleaned_data["region"])
    reviews = reviews.order_by("status", "scheduled_for", "pk")
    return render(request, "reviews/list.jinja", {"page": paging.page(request, reviews),
                                                  "filters": filters})


def _is_chair(review, user) -> bool:
    return any(m.role == PanelMember.PanelRole.CHAIR and m.user_id == user.pk
               for m in review.panel.all())


def _review_page(request, review, status=200, recommendations=None, **forms):
    user = request.user
    chair = _is_chair(review, user)
    chair_member = next((m for m in review.panel.all() if m.role == "chair"), None)
    context = {"review": review, "person": review.person, "is_chair": chair,
               "identity": identity_shown(request, review.person, obj=review),
               "today": date.today(),
               "stages": tracker.for_review(review, chair_member and chair_member.display_name),
               "since": followups.comparison(review),
               # What the page offers only to some: none unless set below.
               **dict.fromkeys(("schedule_form", "panel_form", "report_form", "recommendations",
                                "easy_read", "easy_read_form", "share_form", "shares",
                                "long_sentences", "letter_form", "letters",
                                "letters_with_address"))}
    if review.status == Review.Status.REQUESTED and user.has_perm("reviews.schedule_review"):
        context["schedule_form"] = forms.get("schedule_form") or ScheduleForm(review=review)
    if review.status == Review.Status.SCHEDULED and chair:
        draft = services.panel_draft_for(review, user)
        context["panel_draft"] = draft
        context["panel_form"] = forms.get("panel_form") or PanelForm(
            initial=typed_values(PanelForm(as_query(draft.data))) if draft else None)
    if review.status == Review.Status.HELD and chair:
        context["report_form"] = forms.get("report_form") or ReportForm(
            initial={"follow_up_by": services.follow_up_default(review.person)})
        context["recommendations"] = recommendations or RecommendationFormSet(
            prefix="recs", form_kwargs={"person": review.person},
            initial=starting_recommendations(review))
    if review.status == Review.Status.REPORT_ISSUED:
        easy = EasyReadSummary.objects.filter(review=review).first()
        context["easy_read"] = easy
        if chair:
            context["easy_read_form"] = forms.get("easy_read_form") or EasyReadForm(
                initial=easy_read_initial(review, easy))
        if easy is not None and _is_referring_commissioner(review, user):
            context["share_form"] = forms.get("share_form") or EasyReadShareForm(
                initial={"shared_on": date.today()})
            # Posting it (issue 43): the address shows only to those who may post it.
            context["letter_form"] = forms.get("letter_form") or EasyReadLetterForm()
            context["letters_with_address"] = True
        if easy is not None:
            context["shares"] = easy.shares.select_related("shared_by")
            context["letters"] = list(easy.letters.filter(sent_at__isnull=False))
            long = [(label, services.long_sentences(getattr(easy, name)))
                    for name, label in EasyReadSummary.SECTIONS]
            context["long_sentences"] = [(label, lines) for label, lines in long if lines]
    # Actions are links only for someone who may open them (a panel member may not): the
    # rest are shown as text, never as links that answer 403.
    context["openable_actions"] = (
        set(selectors.actions_visible(user).filter(review=review).values_list("pk", flat=True))
        if review.report_issued_on and any(user.has_role(r) for r in ACTION_READERS) else set())
    row_forms = list(recommendations) if recommendations is not None else []
    context["forms_with_errors"] = [f for f in [*forms.values(), *row_forms] if f.errors]
    context["recommendation_errors"] = (recommendations.non_form_errors()
                                        if recommendations is not None else [])
    return render(request, "reviews/detail.jinja", context, status=status)


def as_query(fields: dict) -> QueryDict:
    """A kept draft, {name: [values]}, as the posted form it was."""
    query = QueryDict(mutable=True)
    for name, values in fields.items():
        query.setlist(name, values)
    return query


def starting_recommendations(review) -> list[dict]:
    """Each barrier's planned intervention from the panel's checklist, as a recommendation to
    start from (issue 44): the chair edits it and adds its action, or clears it."""
    return [{"text": answer.planned_intervention}
            for answer in review.barriers.filter(is_barrier=True).exclude(
                planned_intervention="").select_related("domain").order_by("domain__order")]


def _is_referring_commissioner(review, user) -> bool:
    return user.has_role(Role.COMMISSIONER) and user.organisation_id == \
        review.referral.organisation_id


def easy_read_initial(review, easy) -> dict:
    if easy is None:
        return services.easy_read_draft(review)
    return {name: getattr(easy, name) for name, _ in EasyReadSummary.SECTIONS} | {
        "use_first_name": easy.use_first_name, "advocate_name": easy.advocate_name,
        "advocate_contact": easy.advocate_contact}


@require_POST
@role_required(Role.CHAIR)
def review_easy_read_write(request, pk):
    review = get_or_404(request, selectors.review_get, pk)
    form = EasyReadForm(request.POST)
    if apply_form(form, lambda data: services.easy_read_write(review=review, by=request.user,
                                                              **data)):
        long = sum(len(services.long_sentences(form.cleaned_data[n]))
                   for n, _ in EasyReadSummary.SECTIONS)
        messages.success(request, "Easy-read summary saved." + (
            f" {long} sentence{'s' if long != 1 else ''} may be too long to read easily: "
            "see them marked below." if long else ""))
        return redirect(reverse("reviews:detail", args=[review.pk]) + "#easy-read")
    return _review_page(request, review, status=400, easy_read_form=form)


@require_POST
@role_required(Role.COMMISSIONER)
def review_easy_read_share(request, pk):
    review = get_or_404(request, selectors.review_get, pk)
    form = EasyReadShareForm(request.POST)
    if apply_form(form, lambda data: services.easy_read_share(review=review, by=request.user,
                                                              **data)):
        messages.success(request, "Recorded that the easy-read summary was shared.")
        return redirect(reverse("reviews:detail", args=[review.pk]) + "#easy-read")
    return _review_page(request, review, status=400, share_form=form)


def _easy_read_context(request, review):
    easy = EasyReadSummary.objects.filter(review=review).first()
    if easy is None:
        raise Http404("No easy-read summary yet")
    return {**easy_read_content(review, easy),
            "identity": identity_shown(request, review.person, obj=easy)}


@require_POST
@role_required(Role.COMMISSIONER)
def review_easy_read_post(request, pk):
    """The referring commissioner posts the easy read to the person (issue 43)."""
    review = get_or_404(request, selectors.review_get, pk)
    form = EasyReadLetterForm(request.POST)
    if apply_form(form, lambda data: easy_read_post(review=review, by=request.user, **data)):
        messages.success(request, "The easy-read summary is on its way by post. Its status "
                                  "shows below as GOV.UK Notify reports it.")
        return redirect(reverse("reviews:detail", args=[review.pk]) + "#easy-read")
    return _review_page(request, review, status=400, letter_form=form)


@role_required(*REVIEW_READERS)
def review_easy_read(request, pk):
    review = get_or_404(request, selectors.review_get, pk)
    return render(request, "reviews/easy_read.jinja", _easy_read_context(request, review))


@role_required(*REVIEW_READERS)
def review_easy_read_pdf(request, pk):
    """The same summary as a PDF in large type, made here by WeasyPrint from our own CSS."""
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML

    review = get_or_404(request, selectors.review_get, pk)
    html = render_to_string("reviews/easy_read_print.jinja",
                            _easy_read_context(request, review))
    pdf = HTML(string=html).write_pdf(stylesheets=[CSS(filename=finders.find(
        "css/easy-read-print.css"))])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="easy-read-{review.person.reference}.pdf"')
    return response


@role_required(*REVIEW_READERS)
def review_detail(request, pk):
    review = get_or_404(request, selectors.review_get, pk)
    return _review_page(request, review)


@require_POST
@role_required(Role.COORDINATOR)
def review_schedule(request, pk):
    review = get_or_404(request, selectors.review_get, pk)
    if not request.user.has_perm("reviews.schedule_review"):
        return redirect("reviews:detail", pk=review.pk)
    form = ScheduleForm(request.POST, review=review)
    if apply_form(form, lambda data: flow.review_schedule(
            review=review, by=request.user, scheduled_for=data["scheduled_for"],
            chair=data["chair"], members=form.members(), venue=data["venue"],
            reasonable_adjustments=data["reasonable_adjustments"],
            empty_places_reason=data["empty_places_reason"],
            consent_recorded=data["consent_recorded"], invitees=data["invitees"])):
        messages.success(request, f"Panel scheduled for "
                                  f"{form.cleaned_data['scheduled_for']:%d %b %Y}.")
        return redirect("reviews:detail", pk=review.pk)
    return _review_page(request, review, status=400, schedule_form=form)


@require_POST
@role_required(Role.CHAIR)
def review_record_panel(request, pk):
    review = get_or_404(request, selectors.review_get, pk)
    if "save_draft" in request.POST:   # "Save a draft" without JavaScript
        try:
            draft = services.panel_draft_save(review=review, by=request.user,
                                              fields=dict(request.POST.lists()))
        except DomainError as error:
            form = PanelForm(initial=typed_values(PanelForm(request.POST)))
            form.add_error(None, error.message)
            return _review_page(request, review, status=error.status, panel_form=form)
        messages.success(request, f"Draft saved at {timezone.localtime(draft.saved_at):%H:%M}. "
                                  "It is here for you until the panel is recorded.")
        return redirect(reverse("reviews:detail", args=[review.pk]) + "#record-the-panel")
    form = PanelForm(request.POST)
    if apply_form(form, lambda data: flow.review_record_panel(
            review=review, by=request.user, barriers=form.barriers(), voice=form.voice(),
            **form.values())):
        messages.success(request, "Panel recorded. Next, issue the report.")
        return redirect("reviews:detail", pk=review.pk)
    return _review_page(request, review, status=400, panel_form=form)


@require_POST
@role_required(Role.CHAIR)
def review_panel_draft(request, pk):
    """The panel record's draft, saved by the page's script as the chair types: JSON, with
    the time it was kept, or what stopped it."""
    try:
        review = get_or_404(request, selectors.review_get, pk)
    except Http404:
        return JsonResponse({"detail": "Not found."}, status=404)
    try:
        draft = services.panel_draft_save(review=review, by=request.user,
                                          fields=dict(request.POST.lists()))
    except DomainError as error:
        return JsonResponse({"detail": error.message, "code": error.code},
                            status=error.status)
    return JsonResponse({"saved_at": f"{timezone.localtime(draft.saved_at):%H:%M}"})


@require_POST
@role_required(Role.CHAIR)
def review_issue_report(request, pk):
    review = get_or_404(request, selectors.review_get, pk)
    if "add_recommendation" in request.POST:  # "Add another recommendation" without JavaScript
        return _review_page(request, review,
                            report_form=ReportForm(initial=typed_values(ReportForm(request.POST))),
                            recommendations=with_another_recommendation(request.POST,
                                                                        review.person))
    form = ReportForm(request.POST)
    recs = RecommendationFormSet(request.POST, prefix="recs",
                                 form_kwargs={"person": review.person})
    if form.is_valid() and recs.is_valid():
        specs = [r.as_spec() for r in recs if not r.is_blank()]
        try:
            with transaction.atomic():
                flow.review_issue_report(review=review, by=request.user,
                                         summary=form.cleaned_data["summary"],
                                         recommendations=specs,
                                         follow_up_by=form.cleaned_data["follow_up_by"])
        except DomainError as error:
            if error.field == "recommendations":
                recs._non_form_errors = recs.error_class([error.message])
                form.add_error(None, error.message)
            else:
                attach_refusal(form, error)
        else:
            messages.success(request, "Report issued. Its actions are now tracked.")
            return redirect("reviews:detail", pk=review.pk)
    return _review_page(request, review, status=400, report_form=form, recommendations=recs)


@role_required(*ACTION_READERS)
def action_list(request):
    filters = ActionFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    actions = selectors.actions_filtered(request.user, status=params.get("status", ""),
                                         overdue=params.get("overdue", False),
                                         escalated=params.get("escalated", False),
                                         owner_organisation=params.get("owner_organisation"),
                                         region=params.get("region", ""),
                                         source=params.get("source", ""))
    # Only the columns the list shows (the person's reference, the action and where it came
    # from, owner, due, status).
    actions = actions.select_related(None).select_related(
        "person", "owner_organisation").only(
        "person__reference", "text", "case", "owner_name", "owner_organisation__name",
        "due_date", "status")
    return render(request, "reviews/actions.jinja", {
        "page": paging.page(request, paging.KeysFirst(actions)), "filters": filters,
        "today": date.today()})


def _action_page(request, action, form=None, owner_form=None, escalation_form=None,
                 status=200):
    user = request.user
    transitions = selectors.action_transitions_for(user, action)
    can_update = may_post_update(user, action)
    can_change_owner = (user.has_perm("reviews.assign_owner_action")
                        and action.status in Action.OPEN_STATUSES)
    can_respond = (user.has_perm("reviews.respond_escalation_action")
                   and action.escalated_at is not None
                   and action.status in Action.OPEN_STATUSES)
    forms_with_errors = [f for f in (form, owner_form, escalation_form)
                         if f is not None and f.errors]
    person = action.person
    undelivered = owner_emails_undelivered(action)
    return render(request, "reviews/action.jinja", {
        "source_link": _source_link(user, action),
        # The owner's emails that did not arrive (issue 43), and how the team follows them up.
        "undelivered": undelivered,
        "followup_form": OwnerFollowUpForm() if undelivered and user.has_perm(
            "reviews.assign_owner_action") else None,
        "what_next": what_next(user, action),
        "action": action, "person": person,
        "identity": identity_shown(request, person, obj=action,
                                   owns_action=action.owner_id == user.pk),
        "updates": action.updates.select_related("author"),
        "form": (form or ActionUpdateForm(transitions=transitions)) if can_update else None,
        "owner_form": (owner_form or ActionOwnerForm(person=person)) if can_change_owner
        else None,
        "escalation_form": (escalation_form or EscalationResponseForm()) if can_respond
        else None,
        "responses": action.escalation_responses.select_related("recorded_by"),
        "forms_with_errors": forms_with_errors,
        "today": date.today(),
    }, status=status)


def _source_link(user, action) -> str:
    """The page the action came from, only if the reader may open it (issue 40): the review, or
    the intervenor case it was agreed on."""
    if action.from_case:
        if cases_visible(user).filter(pk=action.case_id).exists():
            return reverse("intervenors:case", args=[action.case_id])
        return ""
    if selectors.reviews_visible(user).filter(pk=action.review_id).exists():
        return reverse("reviews:detail", args=[action.review_id])
    return ""


def what_next(user, action) -> str:
    """What happens to the action after this page, in the words of the person reading it."""
    owner = action.owner_id == user.pk
    if action.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS):
        if owner:
            return ("When the work is done, mark it as completed and say what was done. The "
                    "national oversight group then checks the evidence: they verify it, or "
                    "reopen it with their reasons and it comes back to you. Until it is "
                    "verified it stays in your work.")
        if action.owner_id is None:
            return ("The programme team names an owner, who is told at once and reminded "
                    "before the due date.")
        return (f"{action.owner_name} works on it and marks it completed with evidence. "
                "Overdue actions are escalated to the national oversight group.")
    if action.status == ActionStatus.COMPLETED:
        if owner:
            return ("The national oversight group checks your evidence. If it is not enough "
                    "they reopen the action with their reasons, and it comes back to you.")
        return ("The national oversight group checks the evidence. If it is not enough, the "
                "action is reopened with a reason and goes back to its owner.")
    return ""


@role_required(*ACTION_READERS)
def action_detail(request, pk):
    action = get_or_404(request, selectors.action_get, pk)
    if request.method == "POST":
        if not may_post_update(request.user, action):
            return _action_page(request, action, status=403)
        transitions = selectors.action_transitions_for(request.user, action)
        form = ActionUpdateForm(request.POST, transitions=transitions)
        if apply_form(form, lambda data: services.action_update(action=action, by=request.user,
                                                                **data)):
            after_action_update(action)
            messages.success(request, "Update posted.")
            return redirect("reviews:action", pk=action.pk)
        return _action_page(request, action, form=form, status=400)
    return _action_page(request, action)


@require_POST
@role_required(Role.OVERSIGHT)
def action_escalation_respond(request, pk):
    action = get_or_404(request, selectors.action_get, pk)
    form = EscalationResponseForm(request.POST)
    if apply_form(form, lambda data: services.action_escalation_respond(
            action=action, by=request.user, **data)):
        messages.success(request, "Recorded what the group did. "
                         + ("The new due date starts the reminders again."
                            if form.cleaned_data.get("new_due_date") else
                            f"It comes back on {form.cleaned_data['follow_up_on']:%-d %b %Y}."))
        return redirect("reviews:action", pk=action.pk)
    return _action_page(request, action, escalation_form=form, status=400)


@require_POST
@role_required(Role.COORDINATOR)
def action_change_owner(request, pk):
    action = get_or_404(request, selectors.action_get, pk)
    form = ActionOwnerForm(request.POST, person=action.person)
    if apply_form(form, lambda data: services.action_set_owner(
            action=action, by=request.user, owner=data["owner"], reason=data["reason"])):
        messages.success(request, f"{form.cleaned_data['owner']} now owns this action.")
        return redirect("reviews:action", pk=action.pk)
    return _action_page(request, action, owner_form=form, status=400)
