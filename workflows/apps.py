from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from .audit import attribute_unclaimed_history

        pre_create_historical_record.connect(attribute_unclaimed_history,
                                             dispatch_uid="pathways_history_actor")
