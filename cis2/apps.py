from django.apps import AppConfig


class Cis2Config(AppConfig):
    name = "cis2"
    verbose_name = "NHS CIS2 sign-in"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
