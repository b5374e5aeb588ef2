"""Run the action-deadline sweep now (the same work Celery beat runs every hour)."""
from django.core.management.base import BaseCommand

from workflows.tasks import sweep_action_deadlines


class Command(BaseCommand):
    help = "Send due-soon and overdue notices and escalate actions 14+ days overdue (idempotent)."

    def handle(self, *args, **options):
        counts = sweep_action_deadlines()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
