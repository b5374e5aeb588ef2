"""The sign-out form on every page posts to Pathways, which sends someone who came through
NHS CIS2 on to CIS2's end-session endpoint. Browsers hold a form's whole redirect chain to the
page's CSP form-action, so for signed-in people CIS2's origin is added to it (and nothing else
is loosened)."""
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

from .client import enabled


def _origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def cis2_origins() -> list[str]:
    """Where CIS2 signs people out: its end-session endpoint's origin when the provider's
    metadata has been read (it is kept in the cache), and its metadata's origin."""
    url = settings.CIS2_SERVER_METADATA_URL
    document = cache.get(f"cis2:metadata:{url}") or {}
    found = {_origin(url), _origin(document.get("end_session_endpoint", ""))}
    return sorted(origin for origin in found if origin)


class SignOutFormActionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and enabled():
            update = getattr(response, "_csp_update", None) or {}
            update["form-action"] = [*update.get("form-action", []), *cis2_origins()]
            response._csp_update = update
        return response
