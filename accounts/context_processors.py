"""The navigation a signed-in person sees, built from their roles."""
from django.conf import settings
from django.urls import reverse

from .roles import Role

# The timeout warning opens this long before an idle session ends (the NHS pattern's two
# minutes).
SESSION_WARN_SECONDS = 120

# (role, label, url name) in the order links appear.
CASEWORK = [r for r in Role if r != Role.ADMINISTRATOR]
NAV_ITEMS = [
    *[(role, "My work", "workflows:inbox") for role in CASEWORK],
    (Role.COMMISSIONER, "My organisation's referrals", "referrals:mine"),
    (Role.COMMISSIONER, "Raise a referral", "referrals:create"),
    (Role.COORDINATOR, "Triage queue", "referrals:queue"),
    (Role.COORDINATOR, "Waiting list", "intervenors:waiting"),
    (Role.COORDINATOR, "Intervenor capacity", "intervenors:capacity"),
    (Role.COORDINATOR, "Reviews", "reviews:list"),
    (Role.CHAIR, "My reviews", "reviews:list"),
    (Role.PANEL_MEMBER, "My reviews", "reviews:list"),
    (Role.COMMISSIONER, "Our actions", "reviews:actions"),
    (Role.INTERVENOR, "My caseload", "intervenors:caseload"),
    (Role.INTERVENOR, "My actions", "reviews:actions"),
    (Role.ACTION_OWNER, "My actions", "reviews:actions"),
    (Role.OVERSIGHT, "Dashboard", "oversight:dashboard"),
    (Role.COORDINATOR, "Dashboard", "oversight:dashboard"),
    (Role.OVERSIGHT, "Actions", "reviews:actions"),
    (Role.OVERSIGHT, "Triage queue", "referrals:queue"),
    (Role.OVERSIGHT, "Equality monitoring", "oversight:equality"),
    (Role.OVERSIGHT, "Trends", "oversight:trends"),
    (Role.COORDINATOR, "Trends", "oversight:trends"),
    (Role.OVERSIGHT, "Outcomes", "oversight:outcomes"),
    (Role.COORDINATOR, "Outcomes", "oversight:outcomes"),
    (Role.OVERSIGHT, "Themes", "oversight:themes"),
    (Role.OVERSIGHT, "Meeting packs", "oversight:packs"),
    (Role.COORDINATOR, "Themes", "oversight:themes"),
    (Role.COORDINATOR, "Import", "imports:imports"),
    (Role.COMMISSIONER, "Import", "imports:imports"),
    (Role.ADMINISTRATOR, "Import", "imports:imports"),
]


def _item(label, url, request) -> dict:
    """A link as the header macro's navigation item (href, text, current), with the older
    names (label, url) the Django-template pages still read."""
    return {"href": url, "text": label, "current": request.path == url, "label": label,
            "url": url}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "can_find_people": False}
    seen, items = set(), []
    for role, label, url_name in NAV_ITEMS:
        if user.has_role(role) and url_name not in seen:
            seen.add(url_name)
            items.append(_item(label, reverse(url_name), request))
    if user.is_staff:
        items.append(_item("Administration", reverse("admin:index"), request))
    # Everyone who works with people may look one up (among those they may see).
    can_find = any(user.has_role(role) for role in CASEWORK)
    return {"nav_items": items, "can_find_people": can_find,
            # For the timeout warning (static/js/session-timeout.js).
            "session_idle_seconds": settings.SESSION_COOKIE_AGE,
            "session_warn_seconds": min(SESSION_WARN_SECONDS, settings.SESSION_COOKIE_AGE // 2)}
