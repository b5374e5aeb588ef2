"""The standard milestones of a discharge plan issue 45 names, as data an administrator keeps."""
from django.db import migrations

KINDS = [
    ("provider-identified", "A community provider identified"),
    ("funding-agreed", "Funding agreed"),
    ("housing-found", "Housing found"),
    ("care-team-ready", "The care team recruited and trained"),
    ("transition-visits", "Transition visits begun"),
    ("discharge-date-set", "A discharge date set"),
    ("discharged", "Discharged"),
    ("lts-ended", "LTS ended"),
]


def add(apps, schema_editor):
    kind = apps.get_model("intervenors", "MilestoneKind")
    for order, (code, name) in enumerate(KINDS, start=1):
        kind.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("intervenors", "0008_plan_milestones")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
