from django.apps import AppConfig

# The apps whose models hold what people type (and their history tables).
OWN_APPS = ("accounts", "audit", "referrals", "reviews", "intervenors", "workflows")


class PathwaysConfig(AppConfig):
    """Plumbing every app shares: errors, paging, CSV, the API's conventions, text hygiene."""

    name = "pathways"

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import pre_save

        from .text import strip_bidi_controls_before_save

        for config in apps.get_app_configs():
            if config.name in OWN_APPS:
                for model in config.get_models():
                    pre_save.connect(strip_bidi_controls_before_save, sender=model,
                                     dispatch_uid=f"bidi-{model._meta.label}")
