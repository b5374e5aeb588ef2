"""What PostgreSQL itself holds to, so the audit survives a bug or a bypass (SECURITY.md S27).

- Every history table, the decision log and the access log refuse UPDATE and DELETE by trigger.
- The app connects as a role that owns nothing (`DATABASE_APP_ROLE`); migrations run as the
  tables' owner. The app role may read and write casework, but on the audit tables it may only
  SELECT and INSERT: it cannot TRUNCATE them, disable their triggers (only an owner may ALTER a
  table) or set `session_replication_role` (superusers only).

Both are applied after every `migrate` (post_migrate), so a table a later migration adds is
covered at once. SQLite, the first-run default, keeps the guards in code only.
"""
from django.conf import settings
from django.db import connections

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION workflows_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    -- The one exception: retention removing old access-log rows, inside
    -- audit_purge_access_log (which only the owner runs; the app role may call it).
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'workflows_accesslogentry'
       AND current_setting('pathways.retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'append-only: % rows cannot be %d', TG_TABLE_NAME, lower(TG_OP)
        USING ERRCODE = '42501';
END;
$$ LANGUAGE plpgsql
"""
# Retention of the access log, run with the owner's rights (SECURITY DEFINER) and holding
# its own floor, so the app role can apply the policy but never empty the log.
PURGE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_purge_access_log(cutoff timestamptz) RETURNS integer AS $$
DECLARE removed integer;
BEGIN
    IF cutoff > now() - interval '%(years)s years' THEN
        RAISE EXCEPTION 'retention: the access log is kept at least %(years)s years'
            USING ERRCODE = '42501';
    END IF;
    PERFORM set_config('pathways.retention', 'on', true);
    DELETE FROM workflows_accesslogentry WHERE at < cutoff;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('pathways.retention', 'off', true);
    RETURN removed;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER
"""
# The decision and access-log triggers keep the names migration workflows 0002 gave them.
NAMED_TRIGGERS = {
    "workflows_decision": "decision_append_only",
    "workflows_accesslogentry": "accesslog_append_only",
}


def append_only_tables(connection) -> list[str]:
    """The audit tables: the decision log, the access log and every simple-history table."""
    names = connection.introspection.table_names()
    return sorted(t for t in names if t in NAMED_TRIGGERS or "_historical" in t)


def _quote(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def apply_triggers(connection) -> None:
    from .models import MINIMUM_ACCESS_LOG_YEARS

    with connection.cursor() as cursor:
        cursor.execute(REFUSE_FUNCTION)
        cursor.execute(PURGE_FUNCTION % {"years": int(MINIMUM_ACCESS_LOG_YEARS)})
        cursor.execute("SELECT current_schema()")
        schema = _quote(connection, cursor.fetchone()[0])
        cursor.execute(f"ALTER FUNCTION audit_purge_access_log(timestamptz) "
                       f"SET search_path = {schema}")
        cursor.execute("REVOKE ALL ON FUNCTION audit_purge_access_log(timestamptz) FROM PUBLIC")
        for table in append_only_tables(connection):
            trigger = NAMED_TRIGGERS.get(table, f"{table}_append_only")
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {_quote(connection, trigger)} BEFORE UPDATE OR DELETE "
                f"ON {_quote(connection, table)} FOR EACH ROW "
                "EXECUTE FUNCTION workflows_refuse_audit_change()")


def grant_app_role(connection, role: str) -> None:
    """Give the app's role what it needs and nothing more. Idempotent."""
    q = _quote(connection, role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            # Local and CI databases trust local connections; production creates the role
            # (with a password) before the first migrate, and this step only grants. A role
            # belongs to the whole cluster: two databases migrated at once (the parallel
            # tests') may both try to create it, and the second finds it made.
            cursor.execute(f"DO $$ BEGIN CREATE ROLE {q} LOGIN NOSUPERUSER NOCREATEDB "
                           "NOCREATEROLE; EXCEPTION WHEN duplicate_object OR unique_violation "
                           "THEN NULL; END $$")
        cursor.execute("SELECT current_schema()")
        schema = _quote(connection, cursor.fetchone()[0])
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {q}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} "
                       f"TO {q}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {q}")
        for table in append_only_tables(connection):
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON "
                           f"{_quote(connection, table)} FROM {q}")
        cursor.execute(f"GRANT EXECUTE ON FUNCTION audit_purge_access_log(timestamptz) TO {q}")


def secure_audit_tables(sender, using="default", **kwargs) -> None:
    """post_migrate: once per migrate run (on the audit app's signal), on PostgreSQL only."""
    if sender.name != "audit":
        return
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    apply_triggers(connection)
    if settings.DATABASE_APP_ROLE:
        grant_app_role(connection, settings.DATABASE_APP_ROLE)
