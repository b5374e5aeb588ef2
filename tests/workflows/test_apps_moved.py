"""Notifications, exports, meeting packs and thresholds moved out of `workflows` into their own
apps (issue 30) without losing a row, a permission or a table: rows written through the old
layout are read through the new one."""
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from exports.models import Export
from notifications.models import Notice, Notification
from oversight.models import MeetingPack, OversightThreshold

BEFORE_MOVE = [("workflows", "0017_person_elsewhere_notice"), ("notifications", None),
               ("exports", None), ("oversight", None)]


def migrate_to(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_read_after_it():
    old = migrate_to(BEFORE_MOVE)
    try:
        user = old.get_model("accounts", "User").objects.create(username="before-the-move")
        note = old.get_model("workflows", "Notification").objects.create(
            key="moved:1", kind="triaged", subject="Written before", body="b")
        old.get_model("workflows", "Notice").objects.create(notification=note, user=user)
        export = old.get_model("workflows", "Export").objects.create(
            kind="queue", requested_by=user, requested_at=timezone.now(), status="expired")
        pack = old.get_model("workflows", "MeetingPack").objects.create(
            period_key="all", period_label="All time", requested_by=user,
            requested_at=timezone.now())
        old.get_model("workflows", "OversightThreshold").objects.update_or_create(
            key="quiet_days", defaults={"days": 30, "reason": "Before the move"})
    finally:
        executor = MigrationExecutor(connection)
        migrate_to(executor.loader.graph.leaf_nodes())
    assert Notice.objects.get(notification__key="moved:1").user.username == "before-the-move"
    assert Notification.objects.get(key="moved:1").subject == "Written before"
    assert Export.objects.get(pk=export.pk).status == "expired"
    assert MeetingPack.objects.get(pk=pack.pk).period_label == "All time"
    assert OversightThreshold.objects.get(key="quiet_days").reason == "Before the move"


@pytest.mark.django_db
def test_the_moved_models_keep_their_tables_content_types_and_permissions():
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import Role

    for model, app in ((Notification, "notifications"), (Notice, "notifications"),
                       (Export, "exports"), (MeetingPack, "oversight"),
                       (OversightThreshold, "oversight")):
        assert model._meta.db_table == f"workflows_{model._meta.model_name}"
        assert ContentType.objects.get_for_model(model).app_label == app
        assert not ContentType.objects.filter(app_label="workflows",
                                              model=model._meta.model_name).exists()
    assert Export.history.model._meta.db_table == "workflows_historicalexport"
    assert Permission.objects.filter(content_type__app_label="oversight",
                                     codename="view_meetingpack").exists()
    oversight = Group.objects.get(name=Role.OVERSIGHT)
    assert oversight.permissions.exists()
