"""The decision and access logs moved from `workflows` to `audit` without losing a row."""
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit.models import AccessLogEntry, Decision

BEFORE_MOVE = [("workflows", "0004_history_append_only"), ("audit", None)]


def migrate_to(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_read_after_it_and_stay_append_only():
    """Slow (over 20 s): it migrates the database back to before the move and forward again."""
    old_apps = migrate_to(BEFORE_MOVE)
    try:
        OldDecision = old_apps.get_model("workflows", "Decision")
        OldAccess = old_apps.get_model("workflows", "AccessLogEntry")
        actor = old_apps.get_model("accounts", "User").objects.create(username="before-move")
        decision_id = uuid.uuid4()
        OldDecision.objects.create(id=decision_id, actor=actor, made_at=timezone.now(),
                                   kind="triage_declined", subject_type="referrals.Referral",
                                   subject_id="x", summary="Declined before the move",
                                   reason="Recorded under the old app")
        access = OldAccess.objects.create(user=actor, at=timezone.now(), object_type="t",
                                          object_id="1", path="/before/", granted=False)
    finally:
        executor = MigrationExecutor(connection)
        migrate_to(executor.loader.graph.leaf_nodes())

    moved = Decision.objects.get(pk=decision_id)
    assert (moved.summary, moved.reason, moved.actor.username) == (
        "Declined before the move", "Recorded under the old app", "before-move")
    assert AccessLogEntry.objects.get(pk=access.pk).path == "/before/"
    if connection.vendor == "postgresql":
        for sql in ("UPDATE workflows_decision SET reason = 'x' WHERE id = %s",
                    "DELETE FROM workflows_decision WHERE id = %s"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
                c.execute(sql, [decision_id])
    assert Decision.objects.get(pk=decision_id).reason == "Recorded under the old app"


@pytest.mark.django_db
def test_the_permissions_on_the_log_belong_to_the_audit_app():
    from django.contrib.auth.models import Group

    from accounts.roles import Role

    oversight = Group.objects.get(name=Role.OVERSIGHT)
    codes = {f"{p.content_type.app_label}.{p.codename}" for p in oversight.permissions.all()}
    assert {"audit.view_decision", "audit.view_accesslogentry"} <= codes
