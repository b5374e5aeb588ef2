"""The standard milestones of a discharge plan issue 45 names, as data an administrator keeps."""
from django.db import migrations

from intervenors.taxonomy import MILESTONE_KINDS, kinds_ensure


def add(apps, schema_editor):
    kinds_ensure(apps.get_model("intervenors", "MilestoneKind"), MILESTONE_KINDS)


class Migration(migrations.Migration):
    dependencies = [("intervenors", "0008_plan_milestones")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
