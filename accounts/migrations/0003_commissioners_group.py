"""The organisation's group holds its commissioners only, not all its staff (issue 10).

Renames the field, and removes from each organisation's group every member who does not hold
the Commissioner role in that organisation: CQC and NHS England staff no longer read what was
granted to their organisation as a whole.
"""
from django.db import migrations, models


def commissioners_only(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    User = apps.get_model("accounts", "User")
    for organisation in Organisation.objects.exclude(commissioners_group=None):
        group = organisation.commissioners_group
        for user in User.objects.filter(groups=group):
            commissioner = user.groups.filter(name="Commissioner").exists()
            if user.organisation_id != organisation.pk or not commissioner:
                user.groups.remove(group)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RenameField("organisation", "members_group", "commissioners_group"),
        migrations.RenameField("historicalorganisation", "members_group", "commissioners_group"),
        migrations.AlterField(
            model_name="organisation", name="commissioners_group",
            field=models.OneToOneField(
                blank=True, editable=False, null=True,
                on_delete=models.deletion.PROTECT, related_name="commissioning_organisation",
                to="auth.group"),
        ),
        migrations.RunPython(commissioners_only, migrations.RunPython.noop, elidable=True),
    ]
