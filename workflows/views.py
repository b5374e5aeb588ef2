"""My work (every role's first page) and taking on or handing over a step."""
from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import User
from accounts.roles import Role
from accounts.selectors import reads_everything
from audit.access import get_or_404
from audit.figures import kept_today
from notifications.services import owner_email_followed_up
from oversight.services import thresholds
from pathways import paging
from pathways.errors import DomainError
from pathways.forms import apply_form
from pathways.paging import whole_number
from reviews.selectors import action_get

from . import claims, presenters
from .forms import OwnerFollowUpForm
from .inbox import WORK_KINDS, Inbox, overdue_steps


@role_required(*Role)
def inbox(request):
    """Every role's first page: what waits for this person, soonest due first."""
    work = Inbox(request.user, thresholds())
    labels = dict(WORK_KINDS)
    page = paging.page(request, work)
    return render(request, "workflows/inbox.jinja", {
        "page": page, "rows": presenters.work_rows(page, request.user.get_full_name(),
                                                   date.today()),
        "summary": [(labels[kind], n) for kind, n in work.counts().items() if n],
        # Programme-wide counts, the same for everyone who reads every referral: kept.
        "overdue_steps": kept_today("overdue_steps", overdue_steps)[0] if reads_everything(
            request.user, "referrals.view_referral") else None,
    })


def _takeable(request, kind, pk):
    from intervenors.selectors import case_get
    from referrals.selectors import referral_get

    getter = {"referral": referral_get, "case": case_get}.get(kind)
    if getter is None:
        raise Http404
    return get_or_404(request, getter, pk)


def _back(kind, subject):
    return redirect("referrals:triage" if kind == "referral" else "intervenors:case",
                    pk=subject.pk)


@require_POST
@role_required(Role.COORDINATOR)
def task_take(request, kind, pk):
    subject = _takeable(request, kind, pk)
    try:
        claims.task_take(subject=subject, kind=kind, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "You have taken this on. Others see that you are on it.")
    return _back(kind, subject)


@require_POST
@role_required(Role.COORDINATOR)
def task_release(request, kind, pk):
    subject = _takeable(request, kind, pk)
    to = None
    if request.POST.get("to"):
        asked = whole_number(request.POST["to"])
        to = None if asked is None else User.objects.filter(pk=asked, is_active=True).first()
        if to is None:
            messages.error(request, "Choose a review coordinator to hand it to.")
            return _back(kind, subject)
    try:
        claims.task_release(subject=subject, kind=kind, by=request.user,
                            reason=request.POST.get("reason", ""), to=to)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Handed to {to}." if to else "Released for anyone to take.")
    return _back(kind, subject)


@require_POST
@role_required(Role.COORDINATOR)
def owner_email_follow_up(request, pk):
    """A coordinator says how the owner of an action, whose email did not arrive, was
    reached; the item leaves their work."""
    action = get_or_404(request, action_get, pk)
    form = OwnerFollowUpForm(request.POST)
    if apply_form(form, lambda data: owner_email_followed_up(action=action, by=request.user,
                                                             how=data["how"])):
        messages.success(request, "Follow-up recorded.")
    else:
        why = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, why[0] if why else "The follow-up was not recorded.")
    return redirect(reverse("reviews:action", args=[action.pk]) + "#owner-email")
