"""Copies sent before GOV.UK Notify: marked sent (apart from 0005's schema change, so
PostgreSQL builds that change's indexes before the rows are rewritten)."""
from django.db import migrations


def sent_before(apps, schema_editor):
    """Copies sent before Notify went by SMTP or the console: sent, with no receipt to come."""
    apps.get_model("notifications", "Delivery").objects.filter(
        sent_at__isnull=False).update(status="sent")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_notify_deliveries")]
    operations = [migrations.RunPython(sent_before, migrations.RunPython.noop)]
