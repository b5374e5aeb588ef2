"""API sign-in (tokens), one's own work and notifications, and CSV exports."""
from datetime import date, timedelta

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, NotFound, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.models import Region
from accounts.roles import Role
from audit.access import get_or_404
from pathways.api import (
    CLOSED_COMPONENTS,
    REQUIRED_BODIES,
    JSONBooleanField,
    PageQuery,
    page_of,
    paginate,
    query,
    roles,
)
from pathways.authentication import token_expired
from reviews.api import ActionFilter

from .exports import EXPORTING_ROLES, ExportRefused, export_request
from .inbox import WORK_KINDS, Inbox
from .models import Export, Notice, Notification
from .selectors import export_get, exports_mine
from .views import export_download

TokenOut = inline_serializer("Token", {"token": serializers.CharField(),
                                     "expires_at": serializers.DateTimeField()})


class TokenRequestSerializer(AuthTokenSerializer):
    """DRF's credentials serializer with bounds: an overlong username is refused before it
    reaches authentication (and the lockout records, whose column holds 255)."""

    username = serializers.CharField(label="Username", max_length=150, write_only=True)
    password = serializers.CharField(label="Password", max_length=1024, write_only=True,
                                     trim_whitespace=False, style={"input_type": "password"})


class TokenView(APIView):
    """POST username and password for a token; DELETE revokes the token you send."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenRequestSerializer, responses=TokenOut, auth=[])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=data.validated_data["user"])
        if token_expired(token):      # an old token is replaced, never handed out again
            token.delete()
            token = Token.objects.create(user=data.validated_data["user"])
        return Response({"token": token.key, "expires_at": token.created + timedelta(
            seconds=settings.API_TOKEN_SECONDS)})


class TokenRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=204)


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


WorkItemSerializer = inline_serializer("WorkItem", {
    "step": serializers.CharField(help_text="What to do, in plain words."),
    "kind": serializers.ChoiceField(WORK_KINDS),
    "person_reference": serializers.CharField(),
    "url": serializers.CharField(help_text="The page where the step is done."),
    "waiting_since": serializers.DateTimeField(allow_null=True),
    "due": serializers.DateField(allow_null=True),
    "overdue": serializers.BooleanField(),
}, many=True)


class MyTasksView(APIView):
    """What waits for the signed-in person, soonest due first (as the "My work" page)."""

    permission_classes = [roles(*Role)]

    @extend_schema(operation_id="my_tasks_list", responses=page_of(WorkItemSerializer, "WorkItem"),
                   parameters=[PageQuery])
    def get(self, request):
        today = date.today()
        return paginate(self, request, Inbox(request.user), lambda item: {
            "step": item.step, "kind": item.kind, "person_reference": item.reference,
            "url": item.url, "waiting_since": item.since, "due": item.due,
            "overdue": item.overdue_on(today)})


NoticeSerializer = inline_serializer("Notice", {
    "id": serializers.IntegerField(),
    "kind": serializers.ChoiceField(Notification.Kind.choices),
    "subject": serializers.CharField(),
    "link": serializers.CharField(help_text="The page it is about."),
    "created_at": serializers.DateTimeField(),
    "read_at": serializers.DateTimeField(allow_null=True),
}, many=True)


def _notice(notice) -> dict:
    n = notice.notification
    return {"id": notice.pk, "kind": n.kind, "subject": n.subject, "link": n.link,
            "created_at": n.created_at, "read_at": notice.read_at}


class NoticeQuery(PageQuery):
    unread = serializers.BooleanField(required=False, default=False,
                                      help_text="Only notifications not read yet.")


class MyNoticesView(APIView):
    """The signed-in person's notifications, newest first."""

    permission_classes = [roles(*Role)]

    @extend_schema(operation_id="my_notifications_list",
                   responses=page_of(NoticeSerializer, "Notice"), parameters=[NoticeQuery])
    def get(self, request):
        mine = Notice.objects.filter(user=request.user).select_related("notification")
        if query(request, NoticeQuery).get("unread"):
            mine = mine.filter(read_at__isnull=True)
        return paginate(self, request, mine, _notice)


class MyNoticeReadView(APIView):
    permission_classes = [roles(*Role)]

    @extend_schema(operation_id="my_notification_read", request=None,
                   responses=inline_serializer("NoticeRead", {
                       "id": serializers.IntegerField(),
                       "read_at": serializers.DateTimeField()}))
    def post(self, request, pk):
        notice = Notice.objects.filter(pk=pk, user=request.user).first()
        if notice is None:
            raise NotFound("No such notification of yours.")
        if notice.read_at is None:
            notice.read_at = timezone.now()
            notice.save(update_fields=["read_at"])
        return Response({"id": notice.pk, "read_at": notice.read_at})


# Swagger UI sets style attributes from its script; on this one page inline styles are
# allowed (scripts are still our own files only).
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class ApiDocsView(SpectacularSwaggerSplitView):
    """The interactive API docs, for signed-in people: a browser that is not signed in is
    sent to the sign-in page and back. The split view serves its start-up script as a file,
    so the page works under the Content-Security-Policy."""

    def handle_exception(self, exc):
        if isinstance(exc, (NotAuthenticated, AuthenticationFailed)):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
