"""/auth/cis2/: sign in with NHS CIS2, Pathways' published keys, and the back-channel logout."""
from urllib.parse import urlencode

import structlog
from django.conf import settings
from django.contrib.auth import login, logout
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import public
from accounts.identity import assurance_sufficient, identity_sign_in, sessions_end
from accounts.models import User
from accounts.network import PerAddressPerMinute, client_address
from accounts.roles import Role
from notifications.models import Notification
from notifications.services import notification_owe

from . import claims, client
from .client import Refused
from .keys import public_jwks

security_log = structlog.get_logger("pathways.security")


SIGNED_IN_WITH = "pathways_signed_in_with"
# CIS2 posts a logout or two at a time; more from one address is someone trying keys or
# flooding us (round 4, finding 4). Counted in the process, so it holds with the cache away.
LOGOUT_POSTS_PER_MINUTE = 30
logout_posts = PerAddressPerMinute(LOGOUT_POSTS_PER_MINUTE)
AGAIN = ("Try signing in again. If it happens again, tell the Pathways service desk the "
         "reference below.")
CHECKS = ("We could not check your sign-in", "The answer from NHS CIS2 did not pass Pathways' "
          "checks, so you have not been signed in. " + AGAIN)
# What each refusal tells the person (docs/operations.md says what each means to operators).
REFUSALS = {
    "assurance": ("Sign in with your smartcard or authenticator app",
                  "Pathways holds health information about people in the most restrictive "
                  "settings, so it needs the strongest sign-in NHS CIS2 offers: your NHS "
                  "smartcard, or the authenticator app (assurance level {required}). This "
                  "sign-in was at level {level}. Sign out of NHS CIS2, then sign in again with "
                  "your smartcard or authenticator app."),
    "inactive": ("Your Pathways account is switched off",
                 "NHS CIS2 signed you in, but your Pathways account is switched off. If you "
                 "still need it for your work, ask your Pathways administrator."),
    "refused": ("You do not have access to Pathways",
                "An administrator has looked at your request to use Pathways and did not "
                "approve it. If you need Pathways for your work, ask your Pathways "
                "administrator."),
    "no_flow": ("Your sign-in has expired", "This sign-in was already used or was not started "
                                            "here. Start again from the sign-in page."),
    "expired_flow": ("Your sign-in has expired", "You took longer than 10 minutes to sign in "
                                                 "with NHS CIS2. Start again from the sign-in "
                                                 "page."),
    "cancelled": ("You did not finish signing in", "You stopped signing in with NHS CIS2. "
                                                   "Start again from the sign-in page."),
    "provider_unavailable": ("NHS CIS2 cannot be reached",
                             "Pathways could not reach NHS CIS2 to sign you in. " + AGAIN),
    "provider_error": ("NHS CIS2 could not sign you in",
                       "NHS CIS2 answered with an error. " + AGAIN),
}


def _refused(request, code: str, status: int = 403, **values):
    title, message = REFUSALS.get(code, CHECKS)
    return render(request, "cis2/refused.jinja", {
        "title": title, "message": message.format(**values), "reference": code}, status=status)


def _safe_next(request, next_url: str) -> str:
    if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return next_url
    return reverse("home")


@public
@never_cache
@require_GET
def start(request):
    """Send the person to NHS CIS2 to sign in."""
    if not client.enabled():
        raise Http404
    try:
        url = client.begin(request.session, request.GET.get("next", ""))
    except Refused as refusal:
        security_log.error("sign_in_refused", reason=refusal.code, detail=refusal.detail)
        return _refused(request, refusal.code, status=503)
    return redirect(url)


@public
@never_cache
@require_GET
def callback(request):
    """Where NHS CIS2 sends the person back: check everything, then sign them in, record
    their access request, or say why not."""
    if not client.enabled():
        raise Http404
    try:
        id_claims, userinfo, next_url = client.complete(request.session, request.GET)
    except Refused as refusal:
        security_log.warning("sign_in_refused", reason=refusal.code, detail=refusal.detail)
        status = 503 if refusal.code == "provider_unavailable" else 403
        return _refused(request, refusal.code, status=status)
    identity = claims.identity(id_claims, userinfo)
    if not assurance_sufficient(identity):
        security_log.warning("sign_in_refused", reason="assurance", assurance=identity.assurance,
                             cis2_uid=identity.uid)
        return _refused(request, "assurance", level=identity.assurance or "unknown",
                        required=settings.CIS2_MIN_ASSURANCE)
    outcome = identity_sign_in(identity)
    if outcome.outcome == "waiting":
        if outcome.new_request:
            _tell_administrators(outcome.request)
        return render(request, "cis2/waiting.jinja", {"access_request": outcome.request})
    if outcome.outcome != "signed_in":
        return _refused(request, outcome.outcome)
    login(request, outcome.user, backend="accounts.backends.PasswordBackend")
    request.session[SIGNED_IN_WITH] = "cis2"
    return redirect(_safe_next(request, next_url))


def _tell_administrators(access_request) -> None:
    """Administrators hear of a new access request (no details in the message: they read them
    in the administration site)."""
    administrators = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(groups__name=Role.ADMINISTRATOR)).distinct()
    notification_owe(
        key=f"access-requested:{access_request.pk}", kind=Notification.Kind.ACCESS_REQUESTED,
        users=list(administrators), subject="Pathways: someone asks to use Pathways",
        body="A person NHS CIS2 signed in asks to use Pathways. Open Access requests in the "
             "Pathways administration site to approve or refuse them "
             f"(reference {str(access_request.pk)[:8]}).")


@public
@require_http_methods(["GET", "POST"])
def sign_out(request):
    """End this session; someone who came through NHS CIS2 is sent there to sign out of it
    too, and CIS2 then ends their other Pathways sessions by back-channel logout.

    The header's "Sign out" is a link (the NHS header draws its account items as links), so a
    GET shows a page with the sign-out button: signing out changes state, and only a POST with
    the form's CSRF token does it."""
    if request.method == "GET":
        if not request.user.is_authenticated:
            return redirect("cis2:signed_out")
        return render(request, "cis2/sign_out.jinja")
    with_cis2 = request.session.get(SIGNED_IN_WITH) == "cis2"
    user_id = request.user.pk
    timed_out = request.POST.get("timed_out") == "1"
    logout(request)
    if user_id is not None:
        security_log.info("signed_out", user_id=user_id, method="cis2" if with_cis2 else "password",
                          timed_out=timed_out)
    if with_cis2 and client.enabled():
        url = client.end_session_url()
        if url:
            return redirect(url)
    if timed_out:
        # The timeout warning ran out (base.jinja): the sign-in page says why, and brings
        # the person back to where they were.
        query = {"timed_out": "1"}
        back = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
            query["next"] = back
        return redirect(f"{reverse('login')}?{urlencode(query)}")
    return redirect("cis2:signed_out")


@public
@require_GET
def signed_out(request):
    return render(request, "cis2/signed_out.jinja")


@public
@require_GET
def jwks(request):
    """Pathways' public keys, where CIS2 reads them to check our client assertions."""
    if not client.enabled():
        raise Http404
    response = JsonResponse(public_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


@public
@csrf_exempt          # the provider posts here server to server; the signed token is the check
@never_cache
@require_POST
def backchannel_logout(request):
    """OpenID Connect Back-Channel Logout: CIS2 says the person signed out; every Pathways
    session and API token of theirs ends."""
    if not client.enabled():
        raise Http404
    if not logout_posts.allowed(client_address(request)):
        security_log.warning("backchannel_logout_throttled")
        return JsonResponse({"error": "temporarily_unavailable",
                             "error_description": "too many logout requests; try again soon"},
                            status=429, headers={"Retry-After": "60"})
    try:
        logout_claims = client.logout_token_verify(request.POST.get("logout_token", ""))
    except Refused as refusal:
        security_log.warning("backchannel_logout_refused", reason=refusal.code,
                             detail=refusal.detail)
        return JsonResponse({"error": "invalid_request",
                             "error_description": f"logout token refused: {refusal.code}"},
                            status=400)
    user = User.objects.filter(cis2_uid=logout_claims["sub"]).first()
    if user is not None:
        sessions_end(user=user, reason="Signed out of NHS CIS2 (back-channel logout)")
    security_log.info("backchannel_logout", user_id=getattr(user, "pk", None),
                      known=user is not None)
    return HttpResponse(status=200)
