"""The notifications app's models, moved here from `workflows` (issue 30), keeping their tables
and rows: a state-only move, as audit 0001 did. Their content types are renamed, so the
permissions already granted on them keep working; workflows 0018 forgets them on its side.
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ['notification', 'notice']


def rename_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label="notifications", model=model).exists():
            content_type.objects.filter(app_label="workflows", model=model).update(
                app_label="notifications")


def give_content_types_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="notifications", model__in=MODELS).update(
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
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('key', models.CharField(max_length=200, unique=True)),
                        ('kind', models.CharField(choices=[('due_soon', 'Action due soon'), ('overdue', 'Action overdue'), ('escalated', 'Action escalated to the oversight group'), ('case_assigned', 'Case assigned'), ('panel_allocated', 'Panel allocated'), ('triaged', 'Referral triaged'), ('report_issued', 'Report issued'), ('verified', 'Action verified'), ('export_ready', 'Export ready to download'), ('person_elsewhere', 'Referral refused: person recorded elsewhere')], max_length=30)),
                        ('recipients', models.JSONField(default=list)),
                        ('subject', models.CharField(max_length=200)),
                        ('body', models.TextField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('link', models.CharField(blank=True, max_length=300)),
                    ],
                    options={
                        'db_table': 'workflows_notification',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Notice',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to=settings.AUTH_USER_MODEL)),
                        ('notification', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to='notifications.notification')),
                    ],
                    options={
                        'db_table': 'workflows_notice',
                        'ordering': ['-notification__created_at', '-pk'],
                        'indexes': [models.Index(fields=['user', 'read_at'], name='notice_unread')],
                        'constraints': [models.UniqueConstraint(fields=('notification', 'user'), name='notice_once_per_person')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, give_content_types_back),
    ]
