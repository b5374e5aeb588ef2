"""Asking for a CSV export, following it, and downloading one's own file."""
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import no_access, role_required
from audit.access import get_or_404
from audit.services import access_record
from pathways import paging

from .forms import ExportForm
from .models import Export
from .selectors import export_get, exports_mine
from .services import EXPORTING_ROLES, ExportRefused, export_filename, export_request, filters_described


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
            return render(request, "exports/exports.jinja", {
                "page": paging.page(request, exports_mine(request.user))}, status=400)
        try:
            export = export_request(by=request.user, kind=form.cleaned_data["kind"],
                                    filters=form.cleaned_data)
        except ExportRefused:
            return no_access(request)
        return redirect("exports:export", pk=export.pk)
    return render(request, "exports/exports.jinja", {
        "page": paging.page(request, exports_mine(request.user))})


@role_required(*EXPORTING_ROLES)
def export(request, pk):
    """One's own export: how it is going (the page refreshes itself while a worker writes it),
    then the download until it expires."""
    found = get_or_404(request, export_get, pk)
    return render(request, "exports/export.jinja", {
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
