"""The app's own database role cannot erase or alter the audit (SECURITY.md S27; issue 10).

The test connects to the test database as the app role (DATABASE_APP_ROLE, which owns no
table) and tries what an attacker with the app's credentials would.
"""
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import database_url_is_postgres, require

pytestmark = pytest.mark.django_db

ERASING = [
    "TRUNCATE workflows_decision",
    "TRUNCATE workflows_accesslogentry CASCADE",
    "TRUNCATE referrals_historicalperson",
    "ALTER TABLE workflows_decision DISABLE TRIGGER ALL",
    "ALTER TABLE reviews_historicalaction DISABLE TRIGGER reviews_historicalaction_append_only",
    "SET session_replication_role = replica",
    "UPDATE workflows_decision SET reason = 'rewritten'",
    "DELETE FROM workflows_accesslogentry",
    "DELETE FROM referrals_historicalreferral",
    "DROP TRIGGER decision_append_only ON workflows_decision",
    "DROP TABLE workflows_decision",
]


@pytest.fixture
def app_role_connection(postgres):
    role = settings.DATABASE_APP_ROLE
    require(bool(role), "needs DATABASE_APP_ROLE (the app's limited database role)",
            needed_in_ci=database_url_is_postgres())
    params = connection.settings_dict
    conn = psycopg.connect(host=params["HOST"] or None, port=params["PORT"] or None,
                           dbname=params["NAME"], user=role, autocommit=True)
    yield conn
    conn.close()


def _refused(conn, sql) -> bool:
    try:
        conn.execute(sql)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


@pytest.mark.parametrize("sql", ERASING)
def test_the_app_role_cannot_erase_or_alter_the_audit(app_role_connection, sql):
    assert _refused(app_role_connection, sql), f"the app role was allowed: {sql}"


def test_the_app_role_owns_nothing_and_is_not_a_superuser(app_role_connection):
    row = app_role_connection.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
        "WHERE rolname = current_user").fetchone()
    assert row == (False, False, False, False)
    owned = app_role_connection.execute(
        "SELECT count(*) FROM pg_tables WHERE tableowner = current_user").fetchone()[0]
    assert owned == 0


def test_the_app_role_can_still_do_its_work(app_role_connection):
    conn = app_role_connection
    assert conn.execute("SELECT count(*) FROM workflows_decision").fetchone()[0] > 0
    with conn.transaction(force_rollback=True):
        conn.execute("INSERT INTO workflows_accesslogentry (at, object_type, object_id, path, "
                     "granted) VALUES (now(), 'probe', '1', '/probe/', true)")
        conn.execute("UPDATE referrals_person SET legal_status = legal_status")
        conn.execute("DELETE FROM guardian_userobjectpermission WHERE id = -1")
