"""Deployment checks (`manage.py check --deploy`): someone must be able to sign in, and a
CIS2 configuration must be usable before the first person tries it."""
from django.conf import settings
from django.core.checks import Error, Warning, register


@register(deploy=True)
def sign_in_configured(app_configs, **kwargs):
    from .client import enabled
    from .keys import public_jwks

    problems = []
    partly = any([settings.CIS2_SERVER_METADATA_URL, settings.CIS2_CLIENT_ID,
                  settings.CIS2_PRIVATE_KEY.strip()])
    if partly and not enabled():
        problems.append(Error(
            "NHS CIS2 sign-in is half set up: CIS2_SERVER_METADATA_URL, CIS2_CLIENT_ID and "
            "CIS2_PRIVATE_KEY are all needed.", id="cis2.E001"))
    if enabled():
        try:
            public_jwks()
        except Exception as error:  # any failure to read the key is the same problem
            problems.append(Error(f"CIS2_PRIVATE_KEY cannot be read as an RSA key: {error}",
                                  id="cis2.E002"))
    if not enabled() and not settings.PASSWORD_SIGN_IN:
        problems.append(Warning(
            "Nobody can sign in: NHS CIS2 is not configured and passwords are off.",
            hint="Set the CIS2_* settings (docs/operations.md).", id="cis2.W001"))
    if enabled() and settings.PASSWORD_SIGN_IN:
        problems.append(Warning(
            "Passwords are on beside NHS CIS2 sign-in.",
            hint="Production signs in through CIS2 alone: unset PASSWORD_SIGN_IN.", id="cis2.W002"))
    return problems
