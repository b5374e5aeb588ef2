from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import sync_role_permissions

        # Roles are created by migration 0002; their model permissions are set after each app's
        # post_migrate, because an app's permissions exist only once it has migrated.
        post_migrate.connect(sync_role_permissions, dispatch_uid="pathways_sync_roles")
