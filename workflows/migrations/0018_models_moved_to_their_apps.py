"""Notifications, exports, meeting packs and oversight thresholds now belong to their own
apps (notifications 0001, exports 0001, oversight 0001; issue 30). State only: the tables,
their rows, history and triggers are untouched.
"""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0017_person_elsewhere_notice'),
        ('notifications', '0001_initial'),
        ('exports', '0001_initial'),
        ('oversight', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='export',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='export',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='historicalexport',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalexport',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='historicalexport',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='historicalmeetingpack',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalmeetingpack',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='historicaloversightthreshold',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='meetingpack',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='notice',
                    name='notification',
                ),
                migrations.RemoveField(
                    model_name='notice',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='OversightThreshold',
                ),
                migrations.DeleteModel(
                    name='Export',
                ),
                migrations.DeleteModel(
                    name='HistoricalExport',
                ),
                migrations.DeleteModel(
                    name='HistoricalMeetingPack',
                ),
                migrations.DeleteModel(
                    name='HistoricalOversightThreshold',
                ),
                migrations.DeleteModel(
                    name='MeetingPack',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='Notice',
                ),
            ],
            database_operations=[],
        ),
    ]
