"""The decision log and access log now belong to the `audit` app (see audit 0001).

State only: the tables, their rows and their append-only triggers are untouched.
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0004_history_append_only"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AccessLogEntry"),
                migrations.DeleteModel(name="Decision"),
            ],
            database_operations=[],
        ),
    ]
