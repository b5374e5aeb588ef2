"""The decision log and access log move here from `workflows`, keeping their tables and rows.

A state-only move: the tables (workflows_decision, workflows_accesslogentry) and their triggers
stay as they are; workflows 0005 forgets the models on its side. Existing content types are
renamed, so the permissions already granted on them keep working.
"""
import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


def rename_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in ("decision", "accesslogentry"):
        if not content_type.objects.filter(app_label="audit", model=model).exists():
            content_type.objects.filter(app_label="workflows", model=model).update(
                app_label="audit")


def keep_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="audit", model__in=["decision", "accesslogentry"]
                                ).update(app_label="workflows")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('workflows', '0004_history_append_only'),
        ('referrals', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='AccessLogEntry',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('at', models.DateTimeField(db_index=True)),
                ('object_type', models.CharField(max_length=60)),
                ('object_id', models.CharField(max_length=64)),
                ('path', models.CharField(max_length=300)),
                ('granted', models.BooleanField(default=True)),
                ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='access_log', to='referrals.person')),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'access log entries',
                'db_table': 'workflows_accesslogentry',
                'ordering': ['-at'],
            },
        ),
        migrations.CreateModel(
            name='Decision',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('made_at', models.DateTimeField(db_index=True)),
                ('kind', models.CharField(choices=[('referral_submitted', 'Referral raised'), ('triage_accepted', 'Referral accepted'), ('triage_declined', 'Referral declined'), ('panel_scheduled', 'Panel scheduled'), ('panel_held', 'Panel held'), ('report_issued', 'Report issued'), ('action_status', 'Action status changed'), ('action_verified', 'Action verified'), ('action_cancelled', 'Action cancelled'), ('action_escalated', 'Action escalated'), ('case_assigned', 'Intervenor assigned'), ('case_reassigned', 'Intervenor reassigned'), ('case_closure_proposed', 'Case closure proposed'), ('case_closed', 'Case closed'), ('policy_changed', 'Priority policy changed'), ('unit_rated', 'Unit rating recorded')], max_length=40)),
                ('subject_type', models.CharField(max_length=60)),
                ('subject_id', models.CharField(max_length=64)),
                ('summary', models.CharField(max_length=300)),
                ('reason', models.TextField(blank=True)),
                ('facts', models.JSONField(blank=True, default=dict)),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='referrals.person')),
            ],
            options={
                'db_table': 'workflows_decision',
                'ordering': ['-made_at'],
            },
        ),
            ], database_operations=[]),
        migrations.RunPython(rename_content_types, keep_content_types, elidable=True),
    ]
