"""On PostgreSQL, history rows can be added but never changed or removed (SECURITY.md S27).

Every simple-history table gets the same trigger as the decision log. Services say who acted
before they save (workflows.audit.stamp), so nothing needs to update a history row. A retention
job that must delete history will run as a separate database role with the trigger disabled.
"""
from django.db import migrations

HISTORY_APPS = ("accounts", "referrals", "reviews", "intervenors")


def history_tables(connection):
    return [t for t in connection.introspection.table_names()
            if t.split("_", 1)[0] in HISTORY_APPS and "_historical" in t]


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in history_tables(connection):
            cursor.execute(
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION workflows_refuse_audit_change()")


def reverse(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in history_tables(connection):
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_notification"),
        ("accounts", "0002_roles"),
        ("referrals", "0001_initial"),
        ("reviews", "0001_initial"),
        ("intervenors", "0002_capacity_trigger"),
    ]
    operations = [migrations.RunPython(forward, reverse, elidable=False)]
