"""Hold the three-active-cases rule in the database itself, whatever writes the row.

PostgreSQL: a trigger locks the intervenor's row, then counts the other active cases, so two
transactions assigning at once are serialised on that lock and the second sees the first.
SQLite: writers are serialised by the database lock, so a plain count in a trigger is enough.
The limit (3) matches intervenors.models.MAX_ACTIVE_CASES.
"""
from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION intervenors_enforce_capacity() RETURNS trigger AS $$
DECLARE
    active_count integer;
BEGIN
    IF NEW.status = 'active' AND NEW.intervenor_id IS NOT NULL THEN
        PERFORM 1 FROM intervenors_intervenor WHERE id = NEW.intervenor_id FOR UPDATE;
        SELECT count(*) INTO active_count FROM intervenors_intervenorcase
         WHERE intervenor_id = NEW.intervenor_id AND status = 'active' AND id <> NEW.id;
        IF active_count >= 3 THEN
            RAISE EXCEPTION 'intervenor_capacity: intervenor % already has % active cases',
                NEW.intervenor_id, active_count USING ERRCODE = '23514';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER intervenorcase_capacity
BEFORE INSERT OR UPDATE OF status, intervenor_id ON intervenors_intervenorcase
FOR EACH ROW EXECUTE FUNCTION intervenors_enforce_capacity();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS intervenorcase_capacity ON intervenors_intervenorcase;
DROP FUNCTION IF EXISTS intervenors_enforce_capacity();
"""
SQLITE_FORWARD = [
    """
    CREATE TRIGGER intervenorcase_capacity_insert BEFORE INSERT ON intervenors_intervenorcase
    WHEN NEW.status = 'active' AND (
        SELECT count(*) FROM intervenors_intervenorcase
         WHERE intervenor_id = NEW.intervenor_id AND status = 'active') >= 3
    BEGIN SELECT RAISE(ABORT, 'intervenor_capacity: three active cases already'); END;
    """,
    """
    CREATE TRIGGER intervenorcase_capacity_update
    BEFORE UPDATE OF status, intervenor_id ON intervenors_intervenorcase
    WHEN NEW.status = 'active' AND (
        SELECT count(*) FROM intervenors_intervenorcase
         WHERE intervenor_id = NEW.intervenor_id AND status = 'active' AND id <> NEW.id) >= 3
    BEGIN SELECT RAISE(ABORT, 'intervenor_capacity: three active cases already'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS intervenorcase_capacity_insert;",
    "DROP TRIGGER IF EXISTS intervenorcase_capacity_update;",
]


def _run(schema_editor, sql):
    # A plain cursor: the SQL holds "%" that a parameterised execute would take as a placeholder.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            _run(schema_editor, statement)
    else:
        raise RuntimeError(f"No capacity trigger written for {vendor}")


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [PG_REVERSE] if vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        _run(schema_editor, statement)


class Migration(migrations.Migration):
    dependencies = [("intervenors", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse, elidable=False)]
