"""The token tests' provider: a discovery document and keys over real HTTP (DocumentServer),
and Pathways set up as its client."""
import pytest
from django.core.cache import cache
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.cis2.provider import DocumentServer, private_key_pem

CLIENT_ID = "pathways-test-client"


def provider_key(kid: str) -> RSAKey:
    key = RSAKey.import_key(private_key_pem())
    key.ensure_kid()
    return RSAKey.import_key({**key.as_dict(private=True), "kid": kid})


@pytest.fixture
def issuer(settings):
    """A provider that publishes one key (`issuer.key`) and Pathways configured for it."""
    server = DocumentServer()
    key = provider_key("provider-1")
    server.documents["/.well-known/openid-configuration"] = {
        "issuer": server.url, "authorization_endpoint": f"{server.url}/auth",
        "token_endpoint": f"{server.url}/token", "jwks_uri": f"{server.url}/jwks",
        "id_token_signing_alg_values_supported": ["RS512"]}
    server.documents["/jwks"] = KeySet([key]).as_dict(private=False)
    settings.CIS2_SERVER_METADATA_URL = f"{server.url}/.well-known/openid-configuration"
    settings.CIS2_CLIENT_ID = CLIENT_ID
    settings.CIS2_PRIVATE_KEY = private_key_pem()
    forget_the_provider()
    server.key = key
    yield server
    server.stop()
    forget_the_provider()


def forget_the_provider():
    """What Pathways remembers of a provider, in the cache and in this process."""
    from cis2 import client, views

    cache.clear()
    client.process_copies.clear()
    client.keys_refresh.reset()
    views.logout_posts.counts.clear()


def sign(claims: dict, key: RSAKey, alg: str = "RS512", kid: str | None = None) -> str:
    header = {"alg": alg, "kid": kid or key.kid}
    return jwt.encode(header, claims, key, algorithms=[alg])


