"""Retention of the record-access log (issue 17): a policy kept as data, applied by a daily
task as the system user with a decision, never below a floor the database holds, and never
touching decisions or the history of casework."""
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from audit.models import AccessLogEntry, Decision, RetentionPolicy
from audit.services import retention_apply, retention_policy_set
from pathways.errors import DomainError
from referrals.models import Person
from tests.conftest import database_url_is_postgres, require

pytestmark = pytest.mark.django_db


def _entry(age_days: int, label: str) -> AccessLogEntry:
    return AccessLogEntry.objects.create(at=timezone.now() - timedelta(days=age_days),
                                         object_type="retention-test", object_id=label,
                                         path="/x/", granted=True)


def test_old_access_log_entries_go_and_nothing_else_does(users):
    old, recent = _entry(7 * 366, "old"), _entry(30, "recent")
    decisions = Decision.objects.count()
    history = Person.history.count()
    removed = retention_apply()
    assert removed >= 1
    assert not AccessLogEntry.objects.filter(pk=old.pk).exists()
    assert AccessLogEntry.objects.filter(pk=recent.pk).exists()
    assert Decision.objects.count() == decisions + 1 and Person.history.count() == history
    decision = Decision.objects.get(kind="retention_applied")
    assert decision.actor.username == settings.SYSTEM_USERNAME
    assert decision.facts["removed"] == removed and decision.facts["keep_years"] == 6


def test_the_policy_is_data_changed_with_a_reason_and_never_below_the_floor(users):
    with pytest.raises(DomainError, match="at least 2"):
        retention_policy_set(by=users["admin"], keep_years=1, reason="shorter")
    with pytest.raises(DomainError, match="reason"):
        retention_policy_set(by=users["admin"], keep_years=8, reason=" ")
    policy = retention_policy_set(by=users["admin"], keep_years=3, reason="IG lead, minute 4")
    assert RetentionPolicy.objects.order_by("-created_at").first() == policy
    assert Decision.objects.filter(kind="retention_policy_changed", actor=users["admin"],
                                   reason="IG lead, minute 4").exists()
    middle = _entry(4 * 366, "middle")
    retention_apply()
    assert not AccessLogEntry.objects.filter(pk=middle.pk).exists()


def test_the_administrator_sets_the_period_in_the_admin_with_a_reason(client_for, users):
    admin = client_for("admin")
    refused = admin.post("/admin/audit/retentionpolicy/add/", {"keep_years": 1,
                                                               "reason": "too short"})
    assert refused.status_code == 200 and not RetentionPolicy.objects.filter(
        keep_years=1).exists()
    made = admin.post("/admin/audit/retentionpolicy/add/", {"keep_years": 7,
                                                            "reason": "Agreed with IG"})
    assert made.status_code == 302
    assert RetentionPolicy.objects.order_by("-created_at").first().created_by == users["admin"]


def test_the_daily_task_is_scheduled():
    assert settings.CELERY_BEAT_SCHEDULE["apply-retention"]["task"] == \
        "audit.tasks.apply_retention"


def test_the_app_role_can_apply_the_policy_but_not_empty_the_log(postgres):
    role = settings.DATABASE_APP_ROLE
    require(bool(role), "needs DATABASE_APP_ROLE", needed_in_ci=database_url_is_postgres())
    params = connection.settings_dict
    with psycopg.connect(host=params["HOST"] or None, port=params["PORT"] or None,
                         dbname=params["NAME"], user=role, autocommit=True) as app:
        for sql in ("DELETE FROM workflows_accesslogentry",
                    "SELECT audit_purge_access_log(now())",
                    "SELECT audit_purge_access_log(now() - interval '1 year')"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(sql)
        app.execute("SET pathways.retention = 'on'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("DELETE FROM workflows_accesslogentry")
        with app.transaction(force_rollback=True):
            app.execute("SELECT audit_purge_access_log(now() - interval '10 years')")
