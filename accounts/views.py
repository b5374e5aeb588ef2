"""Sign in (NHS CIS2, or a password where passwords are on), API tokens, and the home page
that sends each role to its own work. Sign-out and CIS2 itself live in the cis2 app."""
from functools import wraps

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .access import public, role_required
from .identity import cis2_configured
from .roles import Role
from .services import api_token_issue

# The page each role starts on, in order of precedence for people holding several roles.
# Everyone who does casework starts on "My work" (what waits for them); administrators on
# the administration site. The role's own lists are one click away in the navigation.
WORK = "workflows:inbox"
ROLE_HOME = [
    (Role.COORDINATOR, WORK),
    (Role.OVERSIGHT, WORK),
    (Role.CHAIR, WORK),
    (Role.PANEL_MEMBER, WORK),
    (Role.INTERVENOR, WORK),
    (Role.COMMISSIONER, WORK),
    (Role.ACTION_OWNER, WORK),
    (Role.ADMINISTRATOR, "admin:index"),
]


def passwords_only(view):
    """A password route: it does not exist (404) unless PASSWORD_SIGN_IN is on (issue 31)."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.PASSWORD_SIGN_IN:
            raise Http404("Passwords are switched off.")
        return view(request, *args, **kwargs)

    return wrapped


@method_decorator(sensitive_post_parameters(), name="dispatch")
class LoginView(auth_views.LoginView):
    """The sign-in page: NHS CIS2 when it is set up, the password form when passwords are on,
    and which of them is on. Without passwords, only its GET exists."""

    template_name = "registration/login.jinja"
    redirect_authenticated_user = True

    @method_decorator(passwords_only)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context |= {"cis2_enabled": cis2_configured(),
                    "password_sign_in": settings.PASSWORD_SIGN_IN,
                    # Sent here by the timeout warning when an idle session ended (issue 44).
                    "timed_out": self.request.GET.get("timed_out") == "1",
                    "idle_minutes": settings.SESSION_COOKIE_AGE // 60}
        return context


login_view = public(LoginView.as_view())


@public
def session_renew(request):
    """"Stay signed in" on the timeout warning: any request renews a session, so this only
    says whether there is one to renew, as JSON, never a redirect."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    return JsonResponse({"signed_in": True, "idle_seconds": settings.SESSION_COOKIE_AGE})


@method_decorator(sensitive_post_parameters(), name="dispatch")
class PasswordSetView(auth_views.PasswordResetConfirmView):
    """Where the emailed link leads: the person sets their own password (an administrator
    never sets or sees one)."""

    template_name = "registration/password_set.jinja"
    post_reset_login = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        context["forms_with_errors"] = [form] if form is not None and form.errors else []
        return context


password_set_view = public(passwords_only(PasswordSetView.as_view()))
password_set_done_view = public(passwords_only(auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_set_done.jinja")))


@role_required()
@never_cache
def api_token(request):
    """A person signed in makes an API token for a system of theirs: shown once, ending with
    their sessions (sign-out from NHS CIS2), their roles and their account."""
    context = {"expires_hours": settings.API_TOKEN_SECONDS // 3600, "token": None}
    if request.method == "POST":
        token, expires_at = api_token_issue(request.user)
        context |= {"token": token.key, "expires_at": expires_at}
    return render(request, "accounts/api_token.jinja", context)


@public
def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    for role, url_name in ROLE_HOME:
        if request.user.has_role(role):
            return redirect(url_name)
    return render(request, "accounts/no_access.jinja", status=403)
