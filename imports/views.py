"""The import pages: download a template, upload a file, read the check, import it."""
import io

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.comments import Comment

from accounts.access import role_required
from accounts.roles import Role
from pathways.csvfile import csv_text
from pathways.errors import DomainError
from pathways.forms import attach_refusal

from .kinds import KINDS, kinds_for
from .models import ImportRun
from .parsing import MAX_BYTES
from .services import MAX_ROWS, import_apply, import_check, progress_key, runs_of

IMPORTERS = (Role.ADMINISTRATOR, Role.COORDINATOR, Role.COMMISSIONER)
WORKING = (ImportRun.Status.CHECKING, ImportRun.Status.QUEUED)   # a worker has the file


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=ImportRun.Kind.choices,
                             widget=forms.RadioSelect, initial=ImportRun.Kind.PEOPLE)
    file = forms.FileField(label="The file", help_text=(
        f"CSV (UTF-8) or Excel (.xlsx), up to {MAX_BYTES // (1024 * 1024)} MB and "
        f"{MAX_ROWS:,} rows. Split a larger caseload into several files."))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.key, kind.title) for kind in kinds]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is over {MAX_BYTES // (1024 * 1024)} MB: "
                                        "split it.")
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("Upload a CSV file (.csv) or an Excel workbook (.xlsx).")
        return upload


@role_required(*IMPORTERS)
def imports(request):
    kinds = kinds_for(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = import_check(kind=form.cleaned_data["kind"], file_name=upload.name,
                               content=upload.read(), by=request.user)
        except DomainError as error:
            attach_refusal(form, error)
        else:
            return redirect("imports:run", run.pk)
    return render(request, "imports/start.jinja", {
        "form": form, "runs": runs_of(request.user)[:10],
        "kinds": [{"key": kind.key, "title": kind.title, "columns": kind.columns,
                   "details": f"What each column of the {kind.title.lower()} file holds"}
                  for kind in kinds],
        "forms_with_errors": [form] if form.errors else []},
        status=400 if form.errors else 200)


def _run_or_404(user, pk) -> ImportRun:
    run = runs_of(user).filter(pk=pk).first()
    if run is None:
        raise Http404("No such import.")
    return run


@role_required(*IMPORTERS)
def run(request, pk):
    from django.core.cache import cache

    found = _run_or_404(request.user, pk)
    return render(request, "imports/run.jinja", {
        "run": found, "errors": found.errors[:500], "more_errors": max(0, len(found.errors) - 500),
        "refusal": None,
        "progress": cache.get(progress_key(found)) if found.status in WORKING else None})


@role_required(*IMPORTERS)
@require_POST
def apply(request, pk):
    found = _run_or_404(request.user, pk)
    try:
        import_apply(run=ImportRun.objects.get(pk=found.pk), by=request.user)
    except DomainError as error:
        return render(request, "imports/run.jinja", {"run": found, "errors": found.errors,
                                                    "more_errors": 0, "progress": None,
                                                    "refusal": error.message}, status=400)
    return redirect("imports:run", found.pk)


@role_required(*IMPORTERS)
def template(request, kind, file_format):
    """The template: the headers, one example row, and a note for every column (a notes sheet
    and cell comments in Excel; the CSV has the header and example only)."""
    found = KINDS.get(kind)
    if found is None or file_format not in ("csv", "xlsx") or not found.may_import(request.user):
        raise Http404("No such template.")
    columns = found.columns
    name = f"pathways-{kind}-template.{file_format}"
    if file_format == "csv":
        text, _ = csv_text([c.name for c in columns], [[c.example for c in columns]])
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    else:
        book = Workbook()
        sheet = book.active
        sheet.title = found.sheet
        sheet.append([c.name for c in columns])
        sheet.append([c.example for c in columns])
        for index, column in enumerate(columns, start=1):
            sheet.cell(row=1, column=index).comment = Comment(column.notes, "Pathways")
        notes = book.create_sheet("Notes")
        notes.append(["column", "needed", "what to put in it"])
        for column in columns:
            notes.append([column.name, "yes" if column.required else "no", column.notes])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
