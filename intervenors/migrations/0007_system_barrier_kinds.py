"""The kinds of system barrier issue 45 names, as data an administrator keeps."""
from django.db import migrations

KINDS = [
    ("no-provider", "No suitable community provider"),
    ("funding-dispute", "A funding dispute between commissioners"),
    ("housing", "Housing"),
    ("workforce", "Workforce"),
    ("justice-restrictions", "Ministry of Justice or court restrictions"),
    ("clinical-view", "A dispute over a clinical view"),
    ("family-advocacy", "Family or advocacy concerns"),
    ("other", "Other"),
]


def add(apps, schema_editor):
    kind = apps.get_model("intervenors", "SystemBarrierKind")
    for order, (code, name) in enumerate(KINDS, start=1):
        kind.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("intervenors", "0006_system_barriers")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
