"""The unread count in the header: one indexed count a page, for signed-in people only."""


def unread_notices(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notices": None}
    from .models import Notice

    return {"unread_notices": Notice.objects.filter(user=user, read_at__isnull=True).count()}
