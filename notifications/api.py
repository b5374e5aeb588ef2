"""One's own notifications through the API: the list, and marking one read."""
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Role
from pathways.api import PageQuery, page_of, paginate, query, roles

from .models import Notice, Notification

NoticeSerializer = inline_serializer("Notice", {
    "id": serializers.IntegerField(),
    "kind": serializers.ChoiceField(Notification.Kind.choices),
    "subject": serializers.CharField(),
    "link": serializers.CharField(help_text="The page it is about."),
    "created_at": serializers.DateTimeField(),
    "read_at": serializers.DateTimeField(allow_null=True),
}, many=True)


def _notice(notice) -> dict:
    n = notice.notification
    return {"id": notice.pk, "kind": n.kind, "subject": n.subject, "link": n.link,
            "created_at": n.created_at, "read_at": notice.read_at}


class NoticeQuery(PageQuery):
    unread = serializers.BooleanField(required=False, default=False,
                                      help_text="Only notifications not read yet.")


class MyNoticesView(APIView):
    """The signed-in person's notifications, newest first."""

    permission_classes = [roles(*Role)]

    @extend_schema(operation_id="my_notifications_list",
                   responses=page_of(NoticeSerializer, "Notice"), parameters=[NoticeQuery])
    def get(self, request):
        mine = Notice.objects.filter(user=request.user).select_related("notification")
        if query(request, NoticeQuery).get("unread"):
            mine = mine.filter(read_at__isnull=True)
        return paginate(self, request, mine, _notice)


class MyNoticeReadView(APIView):
    permission_classes = [roles(*Role)]

    @extend_schema(operation_id="my_notification_read", request=None,
                   responses=inline_serializer("NoticeRead", {
                       "id": serializers.IntegerField(),
                       "read_at": serializers.DateTimeField()}))
    def post(self, request, pk):
        notice = Notice.objects.filter(pk=pk, user=request.user).first()
        if notice is None:
            raise NotFound("No such notification of yours.")
        if notice.read_at is None:
            notice.read_at = timezone.now()
            notice.save(update_fields=["read_at"])
        return Response({"id": notice.pk, "read_at": notice.read_at})


