"""A person's timeline and the log of who opened their record."""
from django.shortcuts import render

from accounts.access import role_required
from accounts.roles import Role
from audit.access import get_or_404
from audit.models import AccessLogEntry
from pathways import paging
from referrals.identity import identity_shown
from referrals.selectors import person_named

from . import presenters
from .forms import TimelineFilterForm
from .timeline import KINDS, person_timeline


@role_required(*Role)
def timeline(request, pk):
    person = get_or_404(request, person_named, pk)
    identity = identity_shown(request, person, object_type="timeline", object_id=person.pk)
    filters = TimelineFilterForm(request.GET, kinds=KINDS)
    valid = filters.is_valid()      # an impossible day is shown on the form, not a 500
    chosen = {k for k in request.GET.getlist("kind") if k in KINDS}
    events = person_timeline(request.user, person, chosen or None)
    start = filters.cleaned_data.get("start") if valid else None
    # Going to a day: the page that holds its first event, unless a page is asked for.
    before = events.events_before(start) if start and not request.GET.get("page") else None
    page = paging.page(request, events, otherwise=None if before is None
                       else before // paging.PER_PAGE + 1)
    return render(request, "records/timeline.jinja", {
        "person": person, "identity": identity, "page": page,
        "events": presenters.timeline_events(page), "filters": filters, "chosen": chosen,
        "start": start if before is not None else None,
        "nothing_since": before is not None and before >= page.paginator.count,
        "forms_with_errors": [filters] if filters.errors else [],
        "can_see_access_log": request.user.has_perm("audit.view_accesslogentry"),
    })


@role_required(Role.OVERSIGHT)
def access_log(request, pk):
    person = get_or_404(request, person_named, pk)
    entries = AccessLogEntry.objects.filter(person=person).select_related("user").order_by(
        "-at", "-pk")
    page = paging.page(request, entries)
    return render(request, "records/access_log.jinja", {
        "person": person, "page": page, "entries": presenters.access_entries(page)})
