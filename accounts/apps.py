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

        from axes.signals import user_locked_out

        user_locked_out.connect(_log_lockout, dispatch_uid="pathways_lockout_log")


def _log_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    """A lockout is a security event; the username typed is not logged (it may be anything)."""
    import structlog

    from .models import User

    user = User.objects.filter(username=username).only("pk").first() if username else None
    structlog.get_logger("pathways.security").warning(
        "sign_in_locked_out", user_id=user.pk if user else None, client=ip_address)
