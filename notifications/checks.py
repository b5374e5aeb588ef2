"""The start-up check of the GOV.UK Notify settings (`manage.py check`, run by every deploy and
by `make test`): a key, template or callback token that is not well formed stops the start."""
from django.core import checks

from . import notify


@checks.register(checks.Tags.compatibility)
def notify_configuration(app_configs=None, **kwargs):
    return [checks.Error(message, id=f"pathways.N00{n}",
                         hint="docs/configuration.md, GOV.UK Notify")
            for n, message in enumerate(notify.configuration_errors(), start=1)]
