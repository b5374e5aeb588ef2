"""API authentication. Kept apart from pathways.api: DRF imports authentication classes while
it is still loading its views, so this module must not import them."""
from datetime import timedelta

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_expired(token) -> bool:
    from django.conf import settings
    from django.utils import timezone

    return token.created < timezone.now() - timedelta(seconds=settings.API_TOKEN_SECONDS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """API tokens live for API_TOKEN_SECONDS from issue (issue 10); an expired one is removed
    and the caller told to ask for a new one."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(
                "This token has expired; request a new one from /api/v1/auth/token/.",
                code="token_expired")
        return user, token
