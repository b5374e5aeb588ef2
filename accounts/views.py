"""Sign in, sign out, and the home page that sends each role to its own work."""
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from .access import public
from .roles import Role

# The page each role starts on, in order of precedence for people holding several roles.
ROLE_HOME = [
    (Role.COORDINATOR, "referrals:queue"),
    (Role.OVERSIGHT, "reviews:actions"),
    (Role.CHAIR, "reviews:list"),
    (Role.PANEL_MEMBER, "reviews:list"),
    (Role.INTERVENOR, "intervenors:caseload"),
    (Role.COMMISSIONER, "referrals:mine"),
    (Role.ACTION_OWNER, "reviews:actions"),
    (Role.ADMINISTRATOR, "admin:index"),
]


@method_decorator(sensitive_post_parameters(), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


login_view = public(LoginView.as_view())
logout_view = public(auth_views.LogoutView.as_view())


@public
def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    for role, url_name in ROLE_HOME:
        if request.user.has_role(role):
            return redirect(url_name)
    return render(request, "accounts/no_access.html", status=403)
