"""The oversight app's models, moved here from `workflows` (issue 30), keeping their tables
and rows: a state-only move, as audit 0001 did. Their content types are renamed, so the
permissions already granted on them keep working; workflows 0018 forgets them on its side.
"""
import django.db.models.deletion
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models


MODELS = ['meetingpack', 'historicalmeetingpack', 'oversightthreshold', 'historicaloversightthreshold']


def rename_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label="oversight", model=model).exists():
            content_type.objects.filter(app_label="workflows", model=model).update(
                app_label="oversight")


def give_content_types_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="oversight", model__in=MODELS).update(
        app_label="workflows")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('workflows', '0017_person_elsewhere_notice'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='OversightThreshold',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(choices=[('stuck_after_days', 'Stuck: days in LTS at least'), ('quiet_days', 'Stuck: days with no completed action or intervenor contact')], max_length=30, unique=True)),
                        ('days', models.PositiveSmallIntegerField()),
                        ('reason', models.TextField(help_text='Why this number, and its source.', max_length=2000)),
                    ],
                    options={
                        'db_table': 'workflows_oversightthreshold',
                        'ordering': ['key'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalMeetingPack',
                    fields=[
                        ('id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                        ('period_key', models.CharField(max_length=20)),
                        ('period_label', models.CharField(max_length=100)),
                        ('requested_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'Being built'), ('ready', 'Ready'), ('failed', 'Failed')], default='queued', max_length=10)),
                        ('step', models.PositiveSmallIntegerField(default=0)),
                        ('step_label', models.CharField(blank=True, max_length=100)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('error', models.CharField(blank=True, max_length=300)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.TextField(null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('requested_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical meeting pack',
                        'verbose_name_plural': 'historical meeting packs',
                        'db_table': 'workflows_historicalmeetingpack',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalOversightThreshold',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('key', models.CharField(choices=[('stuck_after_days', 'Stuck: days in LTS at least'), ('quiet_days', 'Stuck: days with no completed action or intervenor contact')], db_index=True, max_length=30)),
                        ('days', models.PositiveSmallIntegerField()),
                        ('reason', models.TextField(help_text='Why this number, and its source.', max_length=2000)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.TextField(null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical oversight threshold',
                        'verbose_name_plural': 'historical oversight thresholds',
                        'db_table': 'workflows_historicaloversightthreshold',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='MeetingPack',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('period_key', models.CharField(max_length=20)),
                        ('period_label', models.CharField(max_length=100)),
                        ('requested_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'Being built'), ('ready', 'Ready'), ('failed', 'Failed')], default='queued', max_length=10)),
                        ('step', models.PositiveSmallIntegerField(default=0)),
                        ('step_label', models.CharField(blank=True, max_length=100)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('error', models.CharField(blank=True, max_length=300)),
                        ('pdf', models.BinaryField(blank=True, default=b'')),
                        ('html', models.TextField(blank=True)),
                        ('csv', models.TextField(blank=True)),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'workflows_meetingpack',
                        'ordering': ['-requested_at'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, give_content_types_back),
    ]
