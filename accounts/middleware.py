"""Session lifetime and response headers that keep personal data out of shared caches."""
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login

SIGNED_IN_AT = "pathways_signed_in_at"


class SessionLifetimeMiddleware:
    """A session ends SESSION_ABSOLUTE_SECONDS after sign-in however active it is (S12);
    the idle timeout is Django's own (SESSION_COOKIE_AGE, renewed on each request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = request.session.setdefault(SIGNED_IN_AT, now)
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if not request.path.startswith("/api/"):
                    return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response
