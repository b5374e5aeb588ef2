from django.apps import AppConfig


class IntervenorsConfig(AppConfig):
    name = "intervenors"
