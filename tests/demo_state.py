"""The demo data for tests that commit (live servers, real workers, threads): loaded by
`seed_demo` once a test process, then put back from a copy.

A test that commits cannot roll back, so pytest-django empties the database after it, and the
next such test needs the demo again. Running `seed_demo` each time took 5 to 16 seconds (it
runs every flow); putting back the rows it left, kept as Django's own test serialisation
(`serialize_db_to_string`, what `serialized_rollback` uses), takes a fraction of that. The
copy is the database exactly as `seed_demo` left it, content types and permissions included,
so every id is as it was; the sequences are moved past the ids put back.

`tests/accounts/test_foundation.py` still runs `seed_demo` itself, twice, to prove it is
idempotent; this module only saves the time of doing it again for every test.
"""
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

_copy: str | None = None


def demo_loaded() -> None:
    """The database holds the demo exactly as `seed_demo` leaves it, whatever was there."""
    global _copy
    if _copy is None:
        call_command("seed_demo", force=True, verbosity=0, history=False)
        _copy = connection.creation.serialize_db_to_string()
        return
    # Empty every table, leaving out the content types and permissions Django would add back
    # (the copy holds them, with the ids every other row refers to).
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(_copy)
    models = [m for m in apps.get_models(include_auto_created=True)
              if m._meta.managed and not m._meta.proxy]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    ContentType.objects.clear_cache()
