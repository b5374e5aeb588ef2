"""The one way a view declares who may use it. Deny by default.

`role_required(...)` wraps a view so that anonymous people go to the login page and signed-in
people without one of the roles get the no-access page (403). The URL sweep test fails on any
view that does not carry `pathways_access`.
"""
import logging
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import render

from .roles import Role

ALL_ROLES = tuple(Role)
security_log = logging.getLogger("pathways.security")


def no_access(request, status=403):
    return render(request, "accounts/no_access.html", status=status)


def role_required(*roles):
    roles = tuple(roles) or ALL_ROLES

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(user.has_role(role) for role in roles):
                return no_access(request)
            return view(request, *args, **kwargs)

        wrapped.pathways_access = roles
        return wrapped

    return decorator


def public(view):
    """Mark a view that anyone may open (the login page)."""
    view.pathways_access = "public"
    return view


def get_or_404(request, selector, pk):
    """Fetch through a scoped selector; an id outside the user's scope is a logged 404."""
    from workflows.audit import access_record

    try:
        return selector(request.user, pk)
    except (ObjectDoesNotExist, ValidationError, ValueError):  # not visible, or not a UUID
        access_record(request=request, granted=False, object_type=selector.__name__,
                      object_id=str(pk))
        security_log.warning("refused %s id=%r user=%s", selector.__name__, str(pk)[:64],
                             request.user.pk)
        _alert_if_repeated(request.user)
        raise Http404("Not found") from None


REFUSALS_BEFORE_ALERT = 5
ALERT_WINDOW_MINUTES = 10


def _alert_if_repeated(user) -> None:
    """Several refused ids in a short time look like someone probing: raise it to an error,
    which the error-monitoring handler reports (SECURITY.md S28)."""
    from datetime import timedelta

    from django.utils import timezone

    from workflows.models import AccessLogEntry

    if not user.is_authenticated:
        return
    since = timezone.now() - timedelta(minutes=ALERT_WINDOW_MINUTES)
    refused = AccessLogEntry.objects.filter(user=user, granted=False, at__gte=since).count()
    if refused == REFUSALS_BEFORE_ALERT:
        security_log.error("ALERT repeated refused access: user=%s refused=%s in %s minutes",
                           user.pk, refused, ALERT_WINDOW_MINUTES)
