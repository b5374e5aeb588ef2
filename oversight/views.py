"""The oversight group's pages: dashboard, themes, meeting packs, outcomes and equality."""
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.access import role_required
from accounts.models import Region
from accounts.roles import Role
from accounts.selectors import reads_everything
from audit.figures import figures_version, kept, kept_today
from audit.services import access_record
from pathways import paging

from . import presenters

NOTES_PER_PAGE = 10
PACK_FILES = {"pdf": ("application/pdf", "pdf"), "html": ("text/html; charset=utf-8", "html"),
              "csv": ("text/csv; charset=utf-8", "csv")}


def _period_and_region(request, today, *, default: str):
    """The oversight pages' filter form, and the period and region it chose (the default
    period and every region when nothing valid was asked for)."""
    from reviews.forms import ThemeFilterForm

    from .themes import period_named, periods

    form = ThemeFilterForm(request.GET or None, periods=periods(today))
    chosen = form.cleaned_data if form.is_valid() else {}
    return form, period_named(chosen.get("period") or default, today), chosen.get("region") or ""


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def dashboard(request):
    """Where follow-up is stuck, in counts; people only by reference in the stuck list.
    Filtered by region (of the person's unit) and period (what happened in it, and the change
    in people in LTS since it began)."""
    from reviews.forms import ThemeFilterForm

    from . import dashboard as oversight
    from .services import thresholds
    from .themes import periods

    today = date.today()
    form, period, region = _period_and_region(request, today, default="12m")
    if not request.GET:
        form = ThemeFilterForm(initial={"period": period.key}, periods=periods(today))
    access_record(request=request, object_type="report:dashboard", object_id="aggregate")
    version = figures_version()
    end = min(period.end or today, today)
    figures, figured_at = oversight.dashboard_figures(today, region, period.start, end, version)
    stuck = paging.page(request, oversight.StuckPeople(today, region, version), per_page=20)
    limits = thresholds()
    return render(request, "oversight/dashboard.jinja", {
        "form": form, "period": period, "region": region,
        "region_label": dict(Region.choices).get(region, ""),
        **figures, "figured_at": figured_at, "step_labels": oversight.STEP_TIMES,
        "stuck": stuck, "stuck_after": limits["stuck_after_days"],
        "quiet_days": limits["quiet_days"],
    })


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def outcomes(request):
    """Whether people the programme accepted leave LTS: aggregate figures, small ones hidden."""
    from .outcomes import HORIZONS, outcome_tables

    access_record(request=request, object_type="report:outcomes", object_id="aggregate")
    tables, figured_at = kept_today("outcomes", outcome_tables)
    return render(request, "oversight/outcomes.jinja", {
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
    from .forms import CohortForm

    access_record(request=request, object_type="report:equality", object_id="aggregate")
    form = CohortForm(request.GET or None)
    period = form.cleaned_data["period"] if form.is_valid() and form.cleaned_data["period"] \
        else "now"
    tables, figured_at = kept(f"equality-{period}", (date.today(),), figures_version(),
                              lambda: equality_tables(date.today(), period))
    return render(request, "oversight/equality.jinja", {
        **tables, "figured_at": figured_at, "suppress_below": SUPPRESS_BELOW,
        "form": form})


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def themes(request):
    """What keeps coming up: recommendations and barriers by theme, region and period."""
    from .themes import theme_table, with_note_counts

    today = date.today()
    form, period, region = _period_and_region(request, today, default="all")
    access_record(request=request, object_type="report:themes", object_id="aggregate")
    if reads_everything(request.user, "reviews.view_review"):
        # The same for everyone who reads every review: figured once, kept like the dashboard.

        table, _ = kept("themes", (period.key, period.start, period.end, region),
                                  figures_version(),
                                  lambda: theme_table(request.user, period, region))
        table = with_note_counts(table)
    else:
        table = theme_table(request.user, period, region)
    return render(request, "oversight/themes.jinja", {
        "form": form, "period": period, "region": region, "table": table,
        "query": request.GET.urlencode(),
    })


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def theme_detail(request, code):
    """The recommendations behind a theme (only those the viewer may see) and the group's
    learning notes on it."""
    from reviews.forms import LearningNoteForm
    from reviews.models import Theme
    from reviews.services import learning_note_add

    from .themes import case_actions_in, recommendations_in

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
            return redirect("oversight:theme", code=theme.code)
    today = date.today()
    form, period, region = _period_and_region(request, today, default="all")
    recommendations = (recommendations_in(request.user, period, region).filter(theme=theme)
                       .select_related("review__person__current_unit")
                       .only("number", "text", "review__report_issued_on",
                             "review__person__reference", "review__person__current_unit__region")
                       .order_by("-review__report_issued_on", "pk"))
    access_record(request=request, object_type="report:theme", object_id=theme.code)
    page = paging.page(request, recommendations)
    return render(request, "oversight/theme.jinja", {
        "theme": theme, "form": form, "period": period, "region": region,
        "page": page, "rows": presenters.theme_recommendations(page),
        # Newest first, ten a page, paged apart from the recommendations (`?notes=`).
        "notes": paging.page(request, theme.notes.select_related("recorded_by").order_by(
            "-recorded_at", "-pk"), per_page=NOTES_PER_PAGE, param="notes"),
        "note_form": note_form,
        # Actions senior intervenors agreed with this theme, paged apart (`?agreed=`).
        "agreed": paging.page(request, case_actions_in(request.user, period, region)
                              .filter(theme=theme).select_related(None)
                              .select_related("person__current_unit")
                              .only("text", "issued_on", "person__reference",
                                    "person__current_unit__region")
                              .order_by("-issued_on", "pk"), param="agreed"),
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
        return redirect("oversight:pack", pk=pack.pk)
    made = MeetingPack.objects.select_related("requested_by").defer("pdf", "html", "csv")
    return render(request, "oversight/packs.jinja", {
        "form": form, "page": paging.page(request, made),
        "forms_with_errors": [form] if form.errors else []}, status=400 if form.errors else 200)


@role_required(Role.OVERSIGHT)
def pack(request, pk):
    """A pack's progress while a worker builds it (the page refreshes itself), then its files."""
    from .models import MeetingPack
    from .packs import PACK_STEPS

    found = get_object_or_404(MeetingPack.objects.defer("pdf", "html", "csv"), pk=pk)
    return render(request, "oversight/pack.jinja", {
        "pack": found, "steps": len(PACK_STEPS),
        "refresh": found.status in (MeetingPack.Status.QUEUED, MeetingPack.Status.RUNNING)})


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
    # The PDF opens in the browser unless a download was asked for (issue 44); the other
    # formats are files to keep.
    how = "inline" if fmt == "pdf" and "download" not in request.GET else "attachment"
    response["Content-Disposition"] = (
        f'{how}; filename="meeting-pack-{found.period_key}-'
        f'{found.requested_at:%Y-%m-%d}.{extension}"')
    return response


def _trend_series(today):
    """Every measure's series, figured once a version (a rebase is a decision, so marking one
    shows at once) and kept like the dashboard's figures."""
    from .services import rebases_in_force
    from .trends import series

    return kept("trends", (today,), figures_version(),
                lambda: series(today, rebases_in_force()))


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def trends(request):
    """Is it getting better? Each measure month by month for three years, as an XmR chart by
    Making Data Count's rules, with its numbers beneath it."""
    today = date.today()
    access_record(request=request, object_type="report:trends", object_id="aggregate")
    found, figured_at = _trend_series(today)
    return render(request, "oversight/trends.jinja", {
        "series": found, "figured_at": figured_at, "months": found[0].months if found else [],
        "trend_numbers": presenters.trend_numbers})


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def trends_csv(request):
    from pathways.csvfile import csv_text

    from .trends import CSV_HEADER, csv_rows

    today = date.today()
    access_record(request=request, object_type="export:trends", object_id="aggregate")
    found, _ = _trend_series(today)
    body, _ = csv_text(CSV_HEADER, csv_rows(found))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pathways-trends-{today:%Y-%m-%d}.csv"'
    return response


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def trend(request, key):
    """One measure: its chart, its breakdowns by region (and for people in LTS by ethnic group
    and sex), and the rebases marked on it, with the form to mark another."""
    from pathways.forms import apply_form

    from .forms import RebaseForm, RebaseWithdrawForm
    from .models import SpcRebase
    from .services import rebase_mark
    from .trends import BY_KEY

    if key not in BY_KEY:
        raise Http404("Not found")
    today = date.today()
    found, figured_at = _trend_series(today)
    chosen = next(s for s in found if s.measure.key == key)
    form = RebaseForm(request.POST or None, months=chosen.months)
    if request.method == "POST" and apply_form(form, lambda data: rebase_mark(
            by=request.user, measure=key, month=data["month"], reason=data["reason"])):
        messages.success(request, f"Rebased from {form.cleaned_data['month']:%B %Y}. The "
                                  "chart's mean and limits are figured again from that month.")
        return redirect("oversight:trend", key=key)
    access_record(request=request, object_type="report:trend", object_id=key)
    return render(request, "oversight/trend.jinja", {
        "s": chosen, "figured_at": figured_at, "form": form,
        "trend_numbers": presenters.trend_numbers, "trend_breakdown": presenters.trend_breakdown,
        "withdraw_forms": {r["pk"]: RebaseWithdrawForm(prefix=f"withdraw-{r['pk']}")
                           for r in chosen.rebases},
        "withdrawn": SpcRebase.objects.filter(measure=key, withdrawn_at__isnull=False)
        .select_related("marked_by", "withdrawn_by").order_by("-withdrawn_at")[:20],
        "forms_with_errors": [form] if form.errors else [],
    }, status=400 if form.errors else 200)


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def rebase_withdraw(request, pk):
    from pathways.forms import apply_form

    from .forms import RebaseWithdrawForm
    from .models import SpcRebase
    from .services import rebase_withdraw as withdraw

    rebase = get_object_or_404(SpcRebase, pk=pk, withdrawn_at__isnull=True)
    if request.method != "POST":
        return redirect("oversight:trend", key=rebase.measure)
    form = RebaseWithdrawForm(request.POST, prefix=f"withdraw-{rebase.pk}")
    if apply_form(form, lambda data: withdraw(by=request.user, rebase=rebase,
                                              reason=data["reason"])):
        messages.success(request, f"The rebase from {rebase.month:%B %Y} is withdrawn.")
    else:
        messages.error(request, "Say why the rebase is withdrawn: it was not withdrawn.")
    return redirect("oversight:trend", key=rebase.measure)


@role_required(Role.OVERSIGHT, Role.COORDINATOR)
def evaluation(request):
    """Does the intervention help? Time to leaving LTS from the first accepted referral, by
    route, as Kaplan–Meier curves with their numbers, and readmissions within 12 months."""
    from .evaluation import evaluation as figures

    access_record(request=request, object_type="report:evaluation", object_id="aggregate")
    found, figured_at = kept_today("evaluation", figures)
    return render(request, "oversight/evaluation.jinja", {**found, "figured_at": figured_at})
