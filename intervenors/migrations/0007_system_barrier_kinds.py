"""The kinds of system barrier issue 45 names, as data an administrator keeps."""
from django.db import migrations

from intervenors.taxonomy import BARRIER_KINDS, kinds_ensure


def add(apps, schema_editor):
    kinds_ensure(apps.get_model("intervenors", "SystemBarrierKind"), BARRIER_KINDS)


class Migration(migrations.Migration):
    dependencies = [("intervenors", "0006_system_barriers")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
