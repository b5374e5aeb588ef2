"""The two thresholds of the stuck-people rule, as data the oversight group can revise."""
from django.db import migrations

ROWS = [
    ("stuck_after_days", 365, "A year in long-term segregation: the people the senior "
                              "intervenor programme exists for (stuck for system reasons)."),
    ("quiet_days", 90, "A quarter with no completed action and no intervenor contact: long "
                       "enough to show nothing is moving, short enough to act on."),
]


def create(apps, schema_editor):
    threshold = apps.get_model("workflows", "OversightThreshold")
    for key, days, reason in ROWS:
        threshold.objects.get_or_create(key=key, defaults={"days": days, "reason": reason})


class Migration(migrations.Migration):
    dependencies = [("workflows", "0011_oversight_thresholds")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
