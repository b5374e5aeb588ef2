"""One's own notifications: the list, and opening one."""
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.access import role_required
from accounts.roles import Role
from pathways import paging

from .models import Notice


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
