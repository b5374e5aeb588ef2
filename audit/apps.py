from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self):
        from django.db.models.signals import post_migrate
        from simple_history.signals import pre_create_historical_record

        from .database import secure_audit_tables
        from .services import attribute_unclaimed_history

        pre_create_historical_record.connect(attribute_unclaimed_history,
                                             dispatch_uid="pathways_history_actor")
        # After every migrate, every history table (including any a later migration adds)
        # refuses UPDATE and DELETE, and the app's database role gets its limited grants.
        post_migrate.connect(secure_audit_tables, dispatch_uid="pathways_secure_audit")
