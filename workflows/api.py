"""API sign-in (tokens), one's own work and notifications, and CSV exports."""
from datetime import date, timedelta

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.utils.decorators import method_decorator
from drf_spectacular.utils import (
    extend_schema,
    inline_serializer,
)
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import (
    APIException,
    AuthenticationFailed,
    NotAuthenticated,
    PermissionDenied,
    ValidationError,
)
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.roles import Role
from accounts.services import api_token_issue
from oversight.services import thresholds
from pathways.api import (
    PageQuery,
    page_of,
    paginate,
    roles,
)
from pathways.authentication import token_expired

from .inbox import WORK_KINDS, Inbox

TokenOut = inline_serializer("Token", {"token": serializers.CharField(),
                                     "expires_at": serializers.DateTimeField()})


class TokenRequestSerializer(AuthTokenSerializer):
    """DRF's credentials serializer with bounds: an overlong username is refused before it
    reaches authentication (and the lockout records, whose column holds 255)."""

    username = serializers.CharField(label="Username", max_length=150, write_only=True)
    password = serializers.CharField(label="Password", max_length=1024, write_only=True,
                                     trim_whitespace=False, style={"input_type": "password"})


class WrongCredentials(APIException):
    """Well-formed credentials that do not sign anyone in: 401 (the request was understood;
    who sent it was not), not the 400 of a malformed body."""

    status_code = 401
    default_code = "invalid_credentials"
    default_detail = "The username or password is not right."
    auth_header = 'Token realm="api"'


class TokenView(APIView):
    """POST from a signed-in session for a token (or, only where passwords are on, with a
    username and password); the token lives API_TOKEN_SECONDS and ends sooner with the
    person's sessions, roles or account (issue 31)."""

    permission_classes = [AllowAny]
    # A session is a sign-in: its POST carries the CSRF token like any other form.
    authentication_classes = [SessionAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenRequestSerializer, responses=TokenOut)
    def post(self, request):
        if request.user.is_authenticated:
            user = request.user
            # Reading the body refuses a malformed one with a 400; any content is refused too.
            if not isinstance(request.data, dict) or request.data:
                raise ValidationError({"detail": "Send no body: the token is for the person "
                                                 "signed in to this session."})
            if not any(user.has_role(role) for role in Role):
                raise PermissionDenied("Your account has no role in Pathways yet.", code="no_role")
        elif settings.PASSWORD_SIGN_IN:
            data = TokenRequestSerializer(data=request.data, context={"request": request})
            if not data.is_valid():
                if any(getattr(error, "code", "") == "authorization"
                       for error in data.errors.get("non_field_errors", [])):
                    raise WrongCredentials()
                raise ValidationError(data.errors)
            user = data.validated_data["user"]
        else:
            raise NotAuthenticated(
                "Sign in to Pathways with NHS CIS2, then ask for a token from that session "
                "(the API token page, /accounts/api-token/, does it for you).",
                code="sign_in_with_cis2")
        token = Token.objects.filter(user=user).first()
        if token is None or token_expired(token):   # an old token is replaced, never reused
            token, _ = api_token_issue(user)
        return Response({"token": token.key, "expires_at": token.created + timedelta(
            seconds=settings.API_TOKEN_SECONDS)})


class TokenRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=204)


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
        return paginate(self, request, Inbox(request.user, thresholds()), lambda item: {
            "step": item.step, "kind": item.kind, "person_reference": item.reference,
            "url": item.url, "waiting_since": item.since, "due": item.due,
            "overdue": item.overdue_on(today)})


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
