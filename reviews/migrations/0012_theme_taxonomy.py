"""The first taxonomy of themes of learning (issue 15). Data: the oversight group revises it in
the admin, with history; this only creates the themes that do not exist yet."""
from django.db import migrations

from reviews.taxonomy import themes_ensure


def create(apps, schema_editor):
    themes_ensure(apps.get_model("reviews", "Theme"))


class Migration(migrations.Migration):
    dependencies = [("reviews", "0011_themes")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
