"""API sign-in (tokens) and CSV exports for the oversight group and the programme team."""
from datetime import date, timedelta

import structlog
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.roles import Role
from audit.services import access_record
from intervenors.selectors import cases_visible
from pathways.api import PageQuery, csv_response, page_of, paginate, query, roles
from pathways.authentication import token_expired
from referrals.selectors import triage_queue
from reviews.api import ActionFilter, ActionListView, action_list_queryset
from reviews.models import Action

from .inbox import WORK_KINDS, Inbox
from .models import Notice, Notification

security_log = structlog.get_logger("pathways.security")
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


def _logged(request, name, response):
    access_record(request=request, object_type=f"export:{name}",
                  object_id=f"rows={response.rows_written}")
    security_log.info("export", export=name, rows=response.rows_written,
                      user_id=request.user.pk)
    return response


class QueueExportView(APIView):
    permission_classes = [roles(Role.COORDINATOR, Role.OVERSIGHT)]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        rows = triage_queue(request.user)
        return _logged(request, "queue", csv_response(
            f"triage-queue-{date.today()}.csv",
            ["rank", "person", "score", "days_in_lts", "unit", "cqc_rating", "open_concerns",
             "requested_route", "raised_on", "breakdown"],
            ([r.rank, r.person.reference, r.priority.score, r.priority.days_in_lts,
              getattr(r.person.current_unit, "name", ""),
              getattr(r.person.current_unit, "cqc_rating", ""),
              r.open_concerns,
              r.referral.requested_route, r.referral.raised_at.date(),
              "; ".join(f"{c.label}: {c.points}" for c in r.priority.components)]
             for r in rows)))


class ActionExportView(APIView):
    permission_classes = ActionListView.permission_classes   # the same people as the list

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR}, parameters=[ActionFilter])
    def get(self, request):
        today = date.today()
        # Plain values, one query: every action in scope, tens of thousands at national scale.
        rows = action_list_queryset(request.user, request, ActionFilter).values_list(
            "review__person__reference", "text", "owner_organisation__name", "owner_name",
            "due_date", "status", "escalated_at")
        return _logged(request, "actions", csv_response(
            f"actions-{today}.csv",
            ["person", "action", "owner_organisation", "owner", "due_date", "status", "overdue",
             "escalated"],
            ([person, text, organisation, owner, due, status,
              "yes" if status in Action.OPEN_STATUSES and due < today else "no",
              "yes" if escalated else "no"]
             for person, text, organisation, owner, due, status, escalated in rows.iterator(
                 chunk_size=2000))))


class CaseloadExportView(APIView):
    permission_classes = [roles(Role.COORDINATOR, Role.OVERSIGHT, Role.INTERVENOR)]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        cases = cases_visible(request.user).filter(status="active").order_by(
            "intervenor__user__last_name", "assigned_on")
        return _logged(request, "caseloads", csv_response(
            f"caseloads-{date.today()}.csv",
            ["intervenor", "person", "unit", "assigned_on", "closure_proposed"],
            ([c.intervenor.user.get_full_name(), c.person.reference,
              getattr(c.person.current_unit, "name", ""), c.assigned_on.date(),
              c.get_proposed_outcome_display() or "no"] for c in cases)))


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
