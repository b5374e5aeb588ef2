from django.apps import AppConfig


class ClinicalSafetyConfig(AppConfig):
    name = "clinical_safety"
    verbose_name = "Clinical safety (DCB0129) and the data inventory"
