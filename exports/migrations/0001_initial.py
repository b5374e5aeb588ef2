"""The exports app's models, moved here from `workflows` (issue 30), keeping their tables
and rows: a state-only move, as audit 0001 did. Their content types are renamed, so the
permissions already granted on them keep working; workflows 0018 forgets them on its side.
"""
import django.db.models.deletion
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models


MODELS = ['export', 'historicalexport']


def rename_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label="exports", model=model).exists():
            content_type.objects.filter(app_label="workflows", model=model).update(
                app_label="exports")


def give_content_types_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="exports", model__in=MODELS).update(
        app_label="workflows")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('workflows', '0017_person_elsewhere_notice'),
        ('accounts', '0004_email_set_by'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalExport',
                    fields=[
                        ('id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                        ('kind', models.CharField(choices=[('queue', 'The triage queue'), ('actions', 'Actions'), ('caseloads', 'Intervenor caseloads')], max_length=20)),
                        ('filters', models.JSONField(blank=True, default=dict)),
                        ('requested_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'Being written'), ('ready', 'Ready'), ('failed', 'Failed'), ('expired', 'Expired'), ('closed', 'Closed: your access changed')], default='queued', max_length=10)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('expires_at', models.DateTimeField(blank=True, null=True)),
                        ('rows', models.PositiveIntegerField(blank=True, null=True)),
                        ('size', models.PositiveIntegerField(blank=True, null=True)),
                        ('error', models.CharField(blank=True, max_length=300)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.TextField(null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organisation')),
                        ('requested_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical export',
                        'verbose_name_plural': 'historical exports',
                        'db_table': 'workflows_historicalexport',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='Export',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('kind', models.CharField(choices=[('queue', 'The triage queue'), ('actions', 'Actions'), ('caseloads', 'Intervenor caseloads')], max_length=20)),
                        ('filters', models.JSONField(blank=True, default=dict)),
                        ('requested_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'Being written'), ('ready', 'Ready'), ('failed', 'Failed'), ('expired', 'Expired'), ('closed', 'Closed: your access changed')], default='queued', max_length=10)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('expires_at', models.DateTimeField(blank=True, null=True)),
                        ('rows', models.PositiveIntegerField(blank=True, null=True)),
                        ('size', models.PositiveIntegerField(blank=True, null=True)),
                        ('error', models.CharField(blank=True, max_length=300)),
                        ('csv', models.TextField(blank=True)),
                        ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='exports', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'workflows_export',
                        'ordering': ['-requested_at', '-pk'],
                        'indexes': [models.Index(fields=['requested_by', '-requested_at'], name='export_mine'), models.Index(fields=['status', 'requested_at'], name='export_status')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, give_content_types_back),
    ]
