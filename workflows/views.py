"""The person's timeline and the record-access log."""
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import no_access, role_required
from accounts.models import Region, User
from accounts.roles import Role
from accounts.selectors import reads_everything
from audit.access import get_or_404
from audit.models import AccessLogEntry
from audit.services import access_record
from pathways import paging
from pathways.errors import DomainError
from pathways.paging import whole_number
from referrals.selectors import person_named

from . import claims
from .exports import EXPORTING_ROLES, ExportRefused, export_filename, export_request, filters_described
from .forms import ExportForm, TimelineFilterForm
from .inbox import WORK_KINDS, Inbox, overdue_steps
from .models import Export, Notice
from .selectors import export_get, exports_mine
from .timeline import KINDS, person_timeline


@role_required(*Role)
def inbox(request):
    """Every role's first page: what waits for this person, soonest due first."""
    work = Inbox(request.user)
    labels = dict(WORK_KINDS)
    return render(request, "workflows/inbox.html", {
        "page": paging.page(request, work), "today": date.today(),
        "summary": [(labels[kind], n) for kind, n in work.counts().items() if n],
        # Programme-wide counts, the same for everyone who reads every referral: kept.
        "overdue_steps": _kept_figures("overdue_steps", overdue_steps)[0] if reads_everything(
            request.user, "referrals.view_referral") else None,
    })


@role_required(*Role)
def notices(request):
    """This person's notifications, newest first; unread ones marked."""
    mine = Notice.objects.filter(user=request.user).select_related("notification")
    return render(request, "workflows/notices.html", {"page": paging.page(request, mine)})


@role_required(*Role)
def notice_open(request, pk):
    """Mark one of one's own notifications read and go to what it is about."""
    notice = get_object_or_404(Notice.objects.select_related("notification"), pk=pk,
                               user=request.user)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    link = notice.notification.link
    # Links are paths our own code wrote; anything else goes to the list.
    return redirect(link if link.startswith("/") and not link.startswith("//")
                    else "workflows:notices")


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


def _period_and_region(request, today, *, default: str):
    """The oversight pages' filter form, and the period and region it chose (the default
    period and every region when nothing valid was asked for)."""
    from reviews.forms import ThemeFilterForm

    from .themes import period_named, periods

    form = ThemeFilterForm(request.GET or None, periods=periods(today))
    chosen = form.cleaned_data if form.is_valid() else {}
    return form, period_named(chosen.get("period") or default, today), chosen.get("region") or ""


def _kept_figures(name: str, compute):
    """Programme-wide tables for today, figured once and kept until anything is recorded
    (oversight.kept): the same for every reader, and costly at national scale."""
    from . import oversight

    today = date.today()
    return oversight.kept(name, (today,), oversight.figures_version(),
                          lambda: compute(today))


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def dashboard(request):
    """Where follow-up is stuck, in counts; people only by reference in the stuck list.
    Filtered by region (of the person's unit) and period (what happened in it, and the change
    in people in LTS since it began)."""
    from reviews.forms import ThemeFilterForm

    from . import oversight
    from .targets import thresholds
    from .themes import periods

    today = date.today()
    form, period, region = _period_and_region(request, today, default="12m")
    if not request.GET:
        form = ThemeFilterForm(initial={"period": period.key}, periods=periods(today))
    access_record(request=request, object_type="report:dashboard", object_id="aggregate")
    version = oversight.figures_version()
    end = min(period.end or today, today)
    figures, figured_at = oversight.dashboard_figures(today, region, period.start, end, version)
    stuck = paging.page(request, oversight.StuckPeople(today, region, version), per_page=20)
    limits = thresholds()
    return render(request, "workflows/dashboard.html", {
        "form": form, "period": period, "region": region,
        "region_label": dict(Region.choices).get(region, ""),
        **figures, "figured_at": figured_at, "step_labels": oversight.STEP_TIMES,
        "stuck": stuck, "stuck_after": limits["stuck_after_days"],
        "quiet_days": limits["quiet_days"],
    })


@role_required(*Role)
def timeline(request, pk):
    person = get_or_404(request, person_named, pk)
    access_record(request=request, obj=person, person=person)
    filters = TimelineFilterForm(request.GET, kinds=KINDS)
    valid = filters.is_valid()      # an impossible day is shown on the form, not a 500
    chosen = {k for k in request.GET.getlist("kind") if k in KINDS}
    events = person_timeline(request.user, person, chosen or None)
    start = filters.cleaned_data.get("start") if valid else None
    # Going to a day: the page that holds its first event, unless a page is asked for.
    before = events.events_before(start) if start and not request.GET.get("page") else None
    page = paging.page(request, events, otherwise=None if before is None
                       else before // paging.PER_PAGE + 1)
    return render(request, "workflows/timeline.html", {
        "person": person, "page": page, "filters": filters, "chosen": chosen,
        "start": start if before is not None else None,
        "nothing_since": before is not None and before >= page.paginator.count,
        "forms_with_errors": [filters] if filters.errors else [],
        "can_see_access_log": request.user.has_perm("audit.view_accesslogentry"),
    })


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def outcomes(request):
    """Whether people the programme accepted leave LTS: aggregate figures, small ones hidden."""
    from .outcomes import HORIZONS, outcome_tables

    access_record(request=request, object_type="report:outcomes", object_id="aggregate")
    tables, figured_at = _kept_figures("outcomes", outcome_tables)
    return render(request, "workflows/outcomes.html", {
        **tables, "figured_at": figured_at, "horizon_days": HORIZONS})


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def outcomes_csv(request):
    from .outcomes import outcomes_csv as figures

    access_record(request=request, object_type="export:outcomes", object_id="aggregate")
    response = HttpResponse(figures(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="pathways-outcomes-{date.today():%Y-%m-%d}.csv"')
    return response


@role_required(Role.OVERSIGHT)
def equality(request):
    from .equality import SUPPRESS_BELOW, equality_tables

    access_record(request=request, object_type="report:equality", object_id="aggregate")
    tables, figured_at = _kept_figures("equality", equality_tables)
    return render(request, "workflows/equality.html", {
        **tables, "figured_at": figured_at, "suppress_below": SUPPRESS_BELOW})


@role_required(Role.OVERSIGHT)
def access_log(request, pk):
    person = get_or_404(request, person_named, pk)
    entries = AccessLogEntry.objects.filter(person=person).select_related("user").order_by(
        "-at", "-pk")
    return render(request, "workflows/access_log.html", {
        "person": person, "page": paging.page(request, entries)})


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def themes(request):
    """What keeps coming up: recommendations and barriers by theme, region and period."""
    from .themes import theme_table, with_note_counts

    today = date.today()
    form, period, region = _period_and_region(request, today, default="all")
    access_record(request=request, object_type="report:themes", object_id="aggregate")
    if reads_everything(request.user, "reviews.view_review"):
        # The same for everyone who reads every review: figured once, kept like the dashboard.
        from . import oversight

        table, _ = oversight.kept("themes", (period.key, period.start, period.end, region),
                                  oversight.figures_version(),
                                  lambda: theme_table(request.user, period, region))
        table = with_note_counts(table)
    else:
        table = theme_table(request.user, period, region)
    return render(request, "workflows/themes.html", {
        "form": form, "period": period, "region": region, "table": table,
        "query": request.GET.urlencode(),
    })


NOTES_PER_PAGE = 10


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def theme_detail(request, code):
    """The recommendations behind a theme (only those the viewer may see) and the group's
    learning notes on it."""
    from reviews.forms import LearningNoteForm
    from reviews.models import Theme
    from reviews.services import learning_note_add

    from .themes import recommendations_in

    theme = get_object_or_404(Theme, code=code)
    can_note = request.user.has_perm("reviews.add_learningnote")
    note_form = LearningNoteForm(request.POST or None) if can_note else None
    if request.method == "POST":
        if not can_note:
            return HttpResponse("Only the oversight group records learning notes.", status=403)
        from pathways.forms import apply_form

        if apply_form(note_form, lambda data: learning_note_add(theme=theme, by=request.user,
                                                                text=data["text"])):
            messages.success(request, "Learning note recorded.")
            return redirect("workflows:theme", code=theme.code)
    today = date.today()
    form, period, region = _period_and_region(request, today, default="all")
    recommendations = (recommendations_in(request.user, period, region).filter(theme=theme)
                       .select_related("review__person__current_unit")
                       .only("number", "text", "review__report_issued_on",
                             "review__person__reference", "review__person__current_unit__region")
                       .order_by("-review__report_issued_on", "pk"))
    access_record(request=request, object_type="report:theme", object_id=theme.code)
    return render(request, "workflows/theme.html", {
        "theme": theme, "form": form, "period": period, "region": region,
        "page": paging.page(request, recommendations),
        # Newest first, ten a page, paged apart from the recommendations (`?notes=`).
        "notes": paging.page(request, theme.notes.select_related("recorded_by").order_by(
            "-recorded_at", "-pk"), per_page=NOTES_PER_PAGE, param="notes"),
        "note_form": note_form,
        "forms_with_errors": [note_form] if note_form is not None and note_form.errors else [],
    }, status=400 if note_form is not None and note_form.errors else 200)


@role_required(Role.OVERSIGHT)
def packs(request):
    """Ask for a meeting pack for a period, and find the packs made before."""
    from reviews.forms import ThemeFilterForm

    from .models import MeetingPack
    from .packs import pack_request
    from .themes import periods

    form = ThemeFilterForm(request.POST or None, periods=periods())
    del form.fields["region"]       # the pack covers every region
    form.fields["period"].required = True
    if request.method == "POST" and form.is_valid():
        pack = pack_request(by=request.user, period_key=form.cleaned_data["period"])
        return redirect("workflows:pack", pk=pack.pk)
    made = MeetingPack.objects.select_related("requested_by").defer("pdf", "html", "csv")
    return render(request, "workflows/packs.html", {
        "form": form, "page": paging.page(request, made),
        "forms_with_errors": [form] if form.errors else []}, status=400 if form.errors else 200)


@role_required(Role.OVERSIGHT)
def pack(request, pk):
    """A pack's progress while a worker builds it (the page refreshes itself), then its files."""
    from .models import MeetingPack
    from .packs import PACK_STEPS

    found = get_object_or_404(MeetingPack.objects.defer("pdf", "html", "csv"), pk=pk)
    return render(request, "workflows/pack.html", {
        "pack": found, "steps": len(PACK_STEPS),
        "refresh": found.status in (MeetingPack.Status.QUEUED, MeetingPack.Status.RUNNING)})


PACK_FILES = {"pdf": ("application/pdf", "pdf"), "html": ("text/html; charset=utf-8", "html"),
              "csv": ("text/csv; charset=utf-8", "csv")}


@role_required(Role.OVERSIGHT)
def pack_file(request, pk, fmt):
    from .models import MeetingPack

    if fmt not in PACK_FILES:
        raise Http404("Not found")
    found = get_object_or_404(MeetingPack, pk=pk, status=MeetingPack.Status.READY)
    access_record(request=request, object_type=f"export:meeting_pack:{fmt}",
                  object_id=str(found.pk))
    content_type, extension = PACK_FILES[fmt]
    body = bytes(found.pdf) if fmt == "pdf" else getattr(found, fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="meeting-pack-{found.period_key}-'
        f'{found.requested_at:%Y-%m-%d}.{extension}"')
    return response


@role_required(*EXPORTING_ROLES)
def exports(request):
    """Ask for a CSV export (the download buttons on the lists post here), and find one's own
    exports, newest first."""
    if request.method == "POST":
        form = ExportForm(request.POST)
        if not form.is_valid():
            # Hidden fields only: nothing the person typed. Say so, and lose nothing else.
            messages.error(request, "That export could not be asked for. Go back to the list "
                                    "and use its download button again.")
            return render(request, "workflows/exports.html", {
                "page": paging.page(request, exports_mine(request.user))}, status=400)
        try:
            export = export_request(by=request.user, kind=form.cleaned_data["kind"],
                                    filters=form.cleaned_data)
        except ExportRefused:
            return no_access(request)
        return redirect("workflows:export", pk=export.pk)
    return render(request, "workflows/exports.html", {
        "page": paging.page(request, exports_mine(request.user))})


@role_required(*EXPORTING_ROLES)
def export(request, pk):
    """One's own export: how it is going (the page refreshes itself while a worker writes it),
    then the download until it expires."""
    found = get_or_404(request, export_get, pk)
    return render(request, "workflows/export.html", {
        "export": found, "filters": filters_described(found), "filename": export_filename(found),
        "refresh": found.status in (Export.Status.QUEUED, Export.Status.RUNNING)})


def export_download(request, pk):
    """The file of one's own ready export; each download is in the access log (S28, S29).
    Anyone else's, or one not ready or expired, is a 404."""
    found = get_or_404(request, export_get, pk)
    if not found.downloadable():
        raise Http404("Not ready, expired or closed")
    access_record(request=request, object_type=f"export:{found.kind}", object_id=found.pk)
    body = Export.objects.values_list("csv", flat=True).get(pk=found.pk)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(found)}"'
    return response


export_file = role_required(*EXPORTING_ROLES)(export_download)
