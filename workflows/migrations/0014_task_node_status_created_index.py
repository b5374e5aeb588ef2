"""viewflow's task table indexed by step, status and opening time: My work cuts each step's
open tasks at the day of its fiftieth oldest (workflows.inbox) by reading this index in order.
It replaces 0013's index on (step, status), which it covers. SQL, as in 0013: the table is
viewflow's."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("workflows", "0013_task_node_status_index")]
    operations = [migrations.RunSQL(
        ["CREATE INDEX IF NOT EXISTS pathways_task_node_status_created "
         "ON viewflow_task (flow_task, status, created)",
         "DROP INDEX IF EXISTS pathways_task_node_status"],
        ["CREATE INDEX IF NOT EXISTS pathways_task_node_status "
         "ON viewflow_task (flow_task, status)",
         "DROP INDEX IF EXISTS pathways_task_node_status_created"])]
