"""CSV exports through the API: ask (202), follow, download one's own file."""
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Region
from audit.access import get_or_404
from pathways.api import (
    CLOSED_COMPONENTS,
    REQUIRED_BODIES,
    JSONBooleanField,
    PageQuery,
    page_of,
    paginate,
    roles,
)
from reviews.api import ActionFilter

from .models import Export
from .selectors import export_get, exports_mine
from .services import EXPORTING_ROLES, ExportRefused, export_request
from .views import export_download


class ExportBody(serializers.Serializer):
    """What to export. Each list has its own body, described exactly (one schema a kind, told
    apart by `kind`): the actions' filters belong to `actions` alone, and any field a body does
    not describe is refused by name, never silently ignored (security round 3, finding 11)."""

    def validate(self, data):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(dict.fromkeys(
                unknown, [f"Not a field of a {self.initial_data.get('kind')} export."]))
        return data


@extend_schema_serializer(component_name="QueueExport")
class QueueExportIn(ExportBody):
    """The triage queue: no filters."""

    kind = serializers.ChoiceField([Export.Kind.QUEUE],
                                   help_text="The triage queue, whole, as far as you may see it.")


@extend_schema_serializer(component_name="CaseloadsExport")
class CaseloadsExportIn(ExportBody):
    """The intervenors' caseloads: no filters."""

    kind = serializers.ChoiceField([Export.Kind.CASELOADS],
                                   help_text="Every active case you may see, by intervenor.")


@extend_schema_serializer(component_name="ActionsExport")
class ActionsExportIn(ExportBody, ActionFilter):
    """Actions, with the actions list's filters."""

    kind = serializers.ChoiceField([Export.Kind.ACTIONS],
                                   help_text="Actions you may see, narrowed by the filters.")
    overdue = JSONBooleanField(required=False, default=False,
                               help_text="Only open actions past their due date.")
    escalated = JSONBooleanField(required=False, default=False,
                                 help_text="Only open actions that were escalated.")
    region = serializers.ChoiceField(Region.choices, required=False,
                                     help_text="Only actions for people in this region.")


EXPORT_BODIES = {Export.Kind.QUEUE.value: QueueExportIn,
                 Export.Kind.ACTIONS.value: ActionsExportIn,
                 Export.Kind.CASELOADS.value: CaseloadsExportIn}
# Closed objects in the schema: a property a body does not describe is not valid.
CLOSED_COMPONENTS |= {f"{name}Request" for name in ("QueueExport", "CaseloadsExport",
                                                    "ActionsExport")}
REQUIRED_BODIES.add("NewExportRequest")
ExportRequest = PolymorphicProxySerializer(
    component_name="NewExport", serializers=EXPORT_BODIES, resource_type_field_name="kind")


def export_body(data) -> dict:
    """The validated body of an export request, by the schema of its kind."""
    kind = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(kind, str) or kind not in EXPORT_BODIES:
        raise serializers.ValidationError({"kind": [
            f"Choose one of: {', '.join(EXPORT_BODIES)}."]})
    body = EXPORT_BODIES[kind](data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data


class ExportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This export, to ask how it is going.")
    file_url = serializers.SerializerMethodField(
        help_text="The CSV, once `status` is `ready` (null before, and after it expires).")

    class Meta:
        model = Export
        fields = ["id", "kind", "filters", "status", "requested_at", "finished_at",
                  "expires_at", "rows", "size", "url", "file_url"]
        read_only_fields = fields

    def get_url(self, export) -> str:
        return reverse("api:export", args=[export.pk])

    def get_file_url(self, export) -> str | None:
        if not export.downloadable():
            return None
        return reverse("api:export-file", args=[export.pk])


class ExportListView(APIView):
    """CSV exports: ask for one (a worker writes it, and a notification says when it is
    ready), and list one's own, newest first. Nobody sees another person's exports."""

    permission_classes = [roles(*EXPORTING_ROLES)]

    @extend_schema(operation_id="exports_list", responses=page_of(ExportSerializer, "Export"),
                   parameters=[PageQuery])
    def get(self, request):
        return paginate(self, request, exports_mine(request.user), ExportSerializer)

    @extend_schema(operation_id="exports_create", request=ExportRequest,
                   responses={202: ExportSerializer})
    def post(self, request):
        body = export_body(request.data)
        try:
            export = export_request(by=request.user, kind=body["kind"], filters=body)
        except ExportRefused:
            raise PermissionDenied("This role may not export that list.") from None
        export.refresh_from_db()      # a worker in this process (eager) may have written it
        return Response(ExportSerializer(export).data, status=202,
                        headers={"Location": reverse("api:export", args=[export.pk])})


class ExportDetailView(APIView):
    permission_classes = ExportListView.permission_classes

    @extend_schema(operation_id="export_retrieve", responses=ExportSerializer)
    def get(self, request, pk):
        return Response(ExportSerializer(get_or_404(request, export_get, pk)).data)


class ExportFileView(APIView):
    permission_classes = ExportListView.permission_classes

    @extend_schema(operation_id="export_file", responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, pk):
        return export_download(request, pk)


