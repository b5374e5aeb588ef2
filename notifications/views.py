"""One's own notifications: the list, and opening one; GOV.UK Notify's delivery receipts. (A
coordinator's follow-up of an owner whose email did not arrive is in workflows.views.)"""
import hmac
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.access import public, role_required
from accounts.network import PerAddressPerMinute, client_address
from accounts.roles import Role
from pathways import paging

from .models import Notice
from .services import delivery_receipt, log

# Notify posts a receipt per message, in bursts at busy times; more than this from one address
# in a minute is someone guessing the token (constant-time compared, so they learn nothing).
RECEIPTS_PER_MINUTE = 600
receipt_posts = PerAddressPerMinute(RECEIPTS_PER_MINUTE)


@role_required(*Role)
def notices(request):
    """This person's notifications, newest first; unread ones marked."""
    mine = Notice.objects.filter(user=request.user).select_related("notification")
    return render(request, "notifications/notices.jinja", {"page": paging.page(request, mine)})


@role_required(*Role)
def notice_open(request, pk):
    """Mark one of one's own notifications read and go to what it is about."""
    notice = get_object_or_404(Notice.objects.select_related("notification"), pk=pk,
                               user=request.user)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    link = notice.notification.link
    # Links are paths our own code wrote; anything else goes to the list.
    return redirect(link if link.startswith("/") and not link.startswith("//")
                    else "notifications:notices")


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


@public
@csrf_exempt       # Notify posts here server to server; its bearer token is the check
@never_cache
@require_POST
def delivery_receipts(request):
    """GOV.UK Notify's delivery receipts: each moves one message's status, once."""
    expected = settings.NOTIFY_CALLBACK_BEARER_TOKEN
    if not expected:
        raise Http404
    if not receipt_posts.allowed(client_address(request)):
        return _error(429, "throttled", "Too many receipts from this address; try again soon.")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        log.warning("notify_receipt_refused", address=client_address(request))
        return _error(401, "not_authenticated", "The receipt's bearer token is not ours.")
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        return _error(400, "invalid", "A receipt is a JSON object.")
    if not isinstance(payload, dict) or not payload.get("id") or not payload.get("status"):
        return _error(400, "invalid", "A receipt names the message (id) and its status.")
    moved = delivery_receipt(payload)
    return JsonResponse({"recorded": moved})
