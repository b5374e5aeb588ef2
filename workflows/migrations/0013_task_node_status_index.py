"""An index on viewflow's task table for "open tasks of this step" (My work counts and lists
each step's open tasks; viewflow indexes status alone). Written as SQL because the table is
viewflow's: Django cannot add an index to another app's model from here."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("workflows", "0012_oversight_threshold_rows"),
                    ("viewflow", "0015_task_scheduled")]
    operations = [migrations.RunSQL(
        "CREATE INDEX IF NOT EXISTS pathways_task_node_status "
        "ON viewflow_task (flow_task, status)",
        "DROP INDEX IF EXISTS pathways_task_node_status")]
