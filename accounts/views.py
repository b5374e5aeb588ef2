"""Sign in, sign out, and the home page that sends each role to its own work."""
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from .access import public
from .roles import Role

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


@method_decorator(sensitive_post_parameters(), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


login_view = public(LoginView.as_view())


@method_decorator(sensitive_post_parameters(), name="dispatch")
class PasswordSetView(auth_views.PasswordResetConfirmView):
    """Where the emailed link leads: the person sets their own password (an administrator
    never sets or sees one)."""

    template_name = "registration/password_set.html"
    post_reset_login = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        context["forms_with_errors"] = [form] if form is not None and form.errors else []
        return context


password_set_view = public(PasswordSetView.as_view())
password_set_done_view = public(auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_set_done.html"))
logout_view = public(auth_views.LogoutView.as_view())


@public
def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    for role, url_name in ROLE_HOME:
        if request.user.has_role(role):
            return redirect(url_name)
    return render(request, "accounts/no_access.html", status=403)
