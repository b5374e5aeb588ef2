"""Pages for commissioners (raise, follow), coordinators (queue, triage) and person records."""
from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from audit.access import get_or_404
from audit.services import access_record
from oversight.outcomes import person_outcome
from pathways import paging
from pathways.errors import DomainError
from pathways.forms import apply_form, attach_refusal
from pathways.messages import done_then
from workflows import claims, tracker
from workflows import services as flow
from workflows.selectors import person_related

from . import presenters, selectors
from . import services as referral_services
from .forms import (
    ConcernForm,
    ConcernFormSet,
    DischargeForm,
    FindPersonForm,
    LtsEndForm,
    QueueFilterForm,
    ReadmissionForm,
    ReferralForm,
    ResolveConcernForm,
    TriageForm,
)
from .identity import identity_shown
from .models import Concern, Referral
from .validation import young_at_lts_start

PERSON_READERS = tuple(Role)


@role_required(Role.COMMISSIONER)
def my_referrals(request):
    referrals = selectors.referrals_listed(request.user).order_by("-raised_at", "pk")
    return render(request, "referrals/mine.jinja", {"page": paging.page(request, referrals)})


@role_required(Role.COMMISSIONER)
def referral_create(request):
    form = ReferralForm(request.POST or None)
    concerns = ConcernFormSet(request.POST or None, prefix="concerns")
    existing = None
    if request.method == "POST" and form.is_valid() and concerns.is_valid():
        try:
            details = {k: v for k, v in form.cleaned_data.items()
                       if k not in ReferralForm.CHARACTERISTICS}
            referral = flow.referral_raise_for(
                user=request.user, characteristics=form.characteristics(),
                concerns=[c.as_service_kwargs() for c in concerns if c.has_concern()],
                **details)
        except referral_services.DuplicateReferralError as error:
            existing = error.existing
            visible = selectors.referrals_visible(request.user).filter(pk=existing.pk).exists()
            form.add_error("nhs_number", error.message if visible else
                           "This person already has an open referral. Contact the programme "
                           "team to add to it.")
            existing = existing if visible else None
        except DomainError as error:
            attach_refusal(form, error)
        else:
            messages.success(request, f"Referral raised for {referral.person.reference}. The "
                                      "programme team will triage it.")
            return redirect("referrals:detail", pk=referral.pk)
    forms_with_errors = [f for f in [form, *concerns] if f.errors]
    return render(request, "referrals/create.jinja", {
        "form": form, "concerns": concerns, "existing": existing,
        "forms_with_errors": forms_with_errors,
    })


@role_required(*PERSON_READERS)
def referral_detail(request, pk):
    referral = get_or_404(request, selectors.referral_get, pk)
    identity = identity_shown(request, referral.person, obj=referral)
    can_triage = (referral.status == Referral.Status.SUBMITTED
                  and request.user.has_perm("referrals.triage_referral"))
    return render(request, "referrals/detail.jinja", {
        "referral": referral, "person": referral.person, "can_triage": can_triage,
        "identity": identity,
        "kept_score": (presenters.ScoreExplanation.kept(referral.priority_breakdown)
                       if referral.priority_score is not None and referral.priority_breakdown
                       else None),
        "stages": tracker.for_referral(referral), "today": date.today(),
    })


@role_required(Role.COORDINATOR, Role.OVERSIGHT)
def queue(request):
    filters = QueueFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.triage_queue(request.user, **{k: v for k, v in params.items() if v})
    page = paging.page(request, rows)
    can_triage = request.user.has_perm("referrals.triage_referral")
    return render(request, "referrals/queue.jinja", {
        "page": page, "filters": filters, "rows": presenters.queue_rows(page, can_triage),
    })


def _triaged_message(request, referral, person) -> None:
    """What the triage did, and, when it started work, a link to that work's first step: the
    new review's panel to schedule, or the new case's intervenor to assign."""
    text = (f"{person.reference}: {referral.get_status_display()}"
            + (f" for {referral.get_route_display()}" if referral.route else "") + ".")
    review = referral.reviews.order_by("-requested_at").first()
    case = referral.intervenor_cases.order_by("-waiting_since").first()
    if review is not None:
        done_then(request, text, next_step="Schedule the panel",
                  href=reverse("reviews:detail", args=[review.pk]) + "#schedule")
    elif case is not None:
        done_then(request, text, next_step="Assign a senior intervenor",
                  href=reverse("intervenors:case", args=[case.pk])
                  + "#assign-a-senior-intervenor")
    else:
        messages.success(request, text)


@role_required(Role.COORDINATOR)
def triage(request, pk):
    referral = get_or_404(request, selectors.referral_get, pk)
    if not request.user.has_perm("referrals.triage_referral"):
        return redirect("referrals:detail", pk=referral.pk)
    person = selectors.person_get(request.user, referral.person_id)
    form = TriageForm(request.POST or None, young_at_start=young_at_lts_start(referral))
    if referral.status != Referral.Status.SUBMITTED:
        messages.info(request, "This referral has already been triaged.")
        return redirect("referrals:detail", pk=referral.pk)
    if request.method == "POST" and form.is_valid():
        try:
            flow.referral_triage(referral=referral, by=request.user,
                                 route=form.cleaned_data["route"],
                                 reason=form.cleaned_data["reason"],
                                 dates_confirmed=form.cleaned_data.get("dates_confirmed", False))
        except DomainError as error:
            attach_refusal(form, error)
        else:
            referral.refresh_from_db()
            _triaged_message(request, referral, person)
            return redirect("referrals:queue")
    return render(request, "referrals/triage.jinja", {
        "referral": referral, "person": person, "form": form,
        "identity": identity_shown(request, person, obj=referral),
        "score": presenters.ScoreExplanation(selectors.person_priority(person)),
        "other_referrals": person.referrals.exclude(pk=referral.pk).order_by("-raised_at"),
        "episodes": person.lts_episodes.select_related("unit").all(),
        "concerns": person.concerns.all(),
        "forms_with_errors": [form] if form.errors else [],
        "claim": claims.claim_context(referral, "referral", request.user),
    })


@role_required(*PERSON_READERS)
def person_find(request):
    """Find a person by reference or NHS number, or by name and date of birth for those who
    may see names (referrals.search.may_search_by_name). One match opens their page, which
    logs the access; several are listed, each listing logged; none, or only people the
    searcher may not see, says so alike."""
    from .search import may_search_by_name, people_found, search_read

    by_name = may_search_by_name(request.user)
    form = FindPersonForm(request.GET if request.GET else None)
    found, searched = [], False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        search = search_read(data["q"], data["name"] if by_name else "", data["born"])
        searched = True
        found = list(people_found(request.user, search).select_related(None))
        if len(found) == 1:
            return redirect("referrals:person", found[0].pk)
        for person in found:
            access_record(request=request, person=person, object_type="search",
                          object_id=person.pk)
        if search.kind == "" and form.cleaned_data["q"]:
            form.add_error("q", "Enter a reference like PW-7K2M9Q or a 10-digit NHS number.")
            searched = False
    return render(request, "referrals/find.jinja", {
        "form": form, "found": found, "searched": searched, "by_name": by_name,
        "open_by_name": bool(form.is_bound and (form["name"].value() or form["born"].errors)),
        "forms_with_errors": [form] if form.errors else []})


@role_required(*PERSON_READERS)
def person_detail(request, pk):
    person = get_or_404(request, selectors.person_get, pk)
    identity = identity_shown(request, person, obj=person)
    user = request.user
    related = person_related(user, person)
    concerns = list(person.concerns.all())
    return render(request, "referrals/person.jinja", {
        "person": person, "identity": identity,
        "score": presenters.ScoreExplanation(selectors.person_priority(person)),
        "episodes": person.lts_episodes.select_related("unit").all(),
        "concerns": concerns,
        "referrals": selectors.referrals_visible(user).filter(person=person),
        "concern_form": ConcernForm(),
        "lts_end_form": LtsEndForm(),
        "discharge_form": DischargeForm(),
        "readmission_form": ReadmissionForm(),
        "can_end_lts": user.has_perm("referrals.change_ltsepisode"),
        "outcome": person_outcome(person, related),
        "can_add_concern": user.has_perm("referrals.add_concern"),
        "can_resolve": user.has_perm("referrals.add_concern") and (
            user.has_role(Role.COMMISSIONER) or user.has_role(Role.COORDINATOR)),
        "resolvable": {c.pk for c in concerns if referral_services.may_resolve(user, c)},
        "can_see_characteristics": user.has_perm("referrals.view_protected_characteristics"),
        "related": related,
    })


@require_POST
@role_required(Role.COMMISSIONER, Role.COORDINATOR)
def lts_end(request, pk):
    person = get_or_404(request, selectors.person_get, pk)
    if not request.user.has_perm("referrals.change_ltsepisode"):
        return redirect("referrals:person", pk=person.pk)
    form = LtsEndForm(request.POST)
    if apply_form(form, lambda data: referral_services.lts_end(person=person, by=request.user,
                                                                **data)):
        messages.success(request, "Recorded that long-term segregation ended.")
        return redirect("referrals:person", pk=person.pk)
    return _person_form(request, person, form, title="Record that long-term segregation ended",
                        action=reverse("referrals:lts_end", args=[person.pk]),
                        button="Record the end")


def _person_form(request, person, form, *, title: str, action: str, button: str):
    """A form from the person's page, shown again on its own with what was wrong."""
    return render(request, "referrals/person_form.jinja", {
        "person": person, "form": form, "forms_with_errors": [form], "title": title,
        "action": action, "button": button}, status=400)


def _outcome_form(request, person, form_class, write, *, success: str, title: str, action: str,
                  button: str):
    """Record one outcome (a discharge, a readmission) from the person's page."""
    if not request.user.has_perm("referrals.change_ltsepisode"):
        return redirect("referrals:person", pk=person.pk)
    form = form_class(request.POST)
    if apply_form(form, write):
        messages.success(request, success)
        return redirect(reverse("referrals:person", args=[person.pk]) + "#outcomes")
    return _person_form(request, person, form, title=title, action=action, button=button)


@require_POST
@role_required(Role.COMMISSIONER, Role.COORDINATOR)
def discharge_add(request, pk):
    person = get_or_404(request, selectors.person_get, pk)
    return _outcome_form(
        request, person, DischargeForm,
        lambda data: referral_services.discharge_record(person=person, by=request.user, **data),
        success="Recorded the discharge.", title="Record a discharge",
        action=reverse("referrals:discharge_add", args=[person.pk]), button="Record discharge")


@require_POST
@role_required(Role.COMMISSIONER, Role.COORDINATOR)
def readmission_add(request, pk, discharge_pk):
    person = get_or_404(request, selectors.person_get, pk)
    discharge = person.discharges.filter(pk=discharge_pk).first()
    if discharge is None:
        raise Http404("Not found")
    return _outcome_form(
        request, person, ReadmissionForm,
        lambda data: referral_services.readmission_record(discharge=discharge, by=request.user,
                                                          **data),
        success="Recorded the readmission.", title="Record a readmission",
        action=reverse("referrals:readmission_add", args=[person.pk, discharge.pk]),
        button="Record readmission")


@require_POST
@role_required(Role.COMMISSIONER, Role.COORDINATOR)
def concern_resolve(request, pk, concern_pk):
    person = get_or_404(request, selectors.person_get, pk)
    concern = person.concerns.filter(pk=concern_pk).first()
    if concern is None:
        raise Http404("Not found")
    if not request.user.has_perm("referrals.add_concern"):
        return redirect("referrals:person", pk=person.pk)
    form = ResolveConcernForm(request.POST)
    if apply_form(form, lambda data: referral_services.concern_resolve(
            concern=concern, by=request.user, reason=data["reason"])):
        messages.success(request, f"{concern.get_kind_display()} resolved. It no longer counts "
                                  "towards the score.")
    else:
        messages.error(request, f"Say why the {concern.get_kind_display().lower()} is resolved: "
                       + " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(reverse("referrals:person", args=[person.pk]) + "#concerns")


# Said after a concern that is high, or about restraint or safeguarding, is recorded (issue 44):
# Pathways is not how a safeguarding referral is made, and the recorder should know who sees it.
SAFEGUARDING_REMINDER = (
    "Recording a concern here does not replace a local safeguarding referral. If anyone is at "
    "risk, make one now through the provider's or the local authority's safeguarding team. "
    "From now on, everyone who works with {ref} in Pathways sees this concern on their record: "
    "their commissioners, the review coordinators, the oversight group, and their panel and "
    "senior intervenor if they have them.")


def concern_needs_safeguarding_reminder(concern) -> bool:
    return concern.kind == Concern.Kind.CONCERN and (
        concern.severity == Concern.Severity.HIGH
        or concern.category in (Concern.Category.RESTRAINT, Concern.Category.SAFEGUARDING))


@require_POST
@role_required(Role.COMMISSIONER, Role.COORDINATOR, Role.INTERVENOR)
def concern_add(request, pk):
    person = get_or_404(request, selectors.person_get, pk)
    form = ConcernForm(request.POST)
    if not request.user.has_perm("referrals.add_concern"):
        return redirect("referrals:person", pk=person.pk)
    if form.is_valid():
        try:
            concern = referral_services.concern_raise(person=person, by=request.user,
                                                      **form.cleaned_data)
        except DomainError as error:
            attach_refusal(form, error)
        else:
            messages.success(request, f"{concern.get_kind_display()} recorded. The priority "
                                      "score includes it now.")
            if concern_needs_safeguarding_reminder(concern):
                messages.warning(request, SAFEGUARDING_REMINDER.format(ref=person.reference))
            return redirect(reverse("referrals:person", args=[person.pk]) + "#concerns")
    return _person_form(request, person, form,
                        title="Record a concern or a request for a review",
                        action=reverse("referrals:concern_add", args=[person.pk]),
                        button="Record it")
