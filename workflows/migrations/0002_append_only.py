"""On PostgreSQL, refuse UPDATE and DELETE of decision and access-log rows in the database.

The models refuse them in code too; this catches raw SQL and queryset bypasses. SQLite (the
first-run default) keeps the code-level guard only: its test flush deletes rows one by one.
"""
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION workflows_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only: % rows cannot be %d', TG_TABLE_NAME, lower(TG_OP)
        USING ERRCODE = '42501';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER decision_append_only BEFORE UPDATE OR DELETE ON workflows_decision
FOR EACH ROW EXECUTE FUNCTION workflows_refuse_audit_change();
CREATE TRIGGER accesslog_append_only BEFORE UPDATE OR DELETE ON workflows_accesslogentry
FOR EACH ROW EXECUTE FUNCTION workflows_refuse_audit_change();
"""
REVERSE = """
DROP TRIGGER IF EXISTS decision_append_only ON workflows_decision;
DROP TRIGGER IF EXISTS accesslog_append_only ON workflows_accesslogentry;
DROP FUNCTION IF EXISTS workflows_refuse_audit_change();
"""


def _run(schema_editor, sql):
    # A plain cursor: the SQL holds "%" that a parameterised execute would take as a placeholder.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, REVERSE)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse, elidable=False)]
