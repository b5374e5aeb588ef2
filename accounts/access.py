"""The one way a view declares who may use it. Deny by default.

`role_required(...)` wraps a view so that anonymous people go to the login page and signed-in
people without one of the roles get the no-access page (403). The URL sweep test fails on any
view that does not carry `pathways_access`.
"""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from .roles import Role

ALL_ROLES = tuple(Role)


def no_access(request, status=403):
    return render(request, "accounts/no_access.jinja", status=status)


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
