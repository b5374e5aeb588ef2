"""The fourth outside probe's CIS2 findings (issue 40): a logout is honoured with the cache
away (finding 3), and forged tokens cannot make Pathways fetch CIS2's keys again and again
(finding 4)."""
import uuid

import pytest
from django.test import Client

from cis2 import client
from cis2.models import SeenLogoutToken
from tests.cis2.conftest import provider_key, sign
from tests.cis2.test_tokens import logout_claims, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_away(settings):
    """The shared cache pointed at a closed port, as in a Redis outage."""
    settings.CACHES = {"default": {"BACKEND": "pathways.cache.ForgivingRedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2,
                                               "socket_timeout": 0.2}}}


def test_a_logout_is_honoured_with_the_cache_away_and_refused_when_replayed(issuer,
                                                                            cache_away):
    token = sign(logout_claims(issuer), issuer.key)
    assert client.logout_token_verify(token)["sub"] == "cis2-person"
    assert SeenLogoutToken.objects.count() == 1
    refused("replayed", client.logout_token_verify, token)


def test_a_logout_ends_the_sessions_with_the_cache_away(issuer, users, cache_away):
    user = users["coordinator"]
    user.cis2_uid = "cis2-coordinator"
    user.save()
    browser = Client()
    browser.force_login(user)
    token = sign({**logout_claims(issuer), "sub": "cis2-coordinator"}, issuer.key)
    response = Client().post("/auth/cis2/backchannel-logout/", {"logout_token": token})
    assert response.status_code == 200
    assert browser.get("/referrals/queue/").status_code == 302


def test_seen_tokens_are_kept_only_while_a_replay_could_pass(issuer, time_machine):
    time_machine.move_to("2026-12-01 12:00:00Z", tick=False)
    first = sign(logout_claims(issuer, iat=None) | {"iat": 1796126400}, issuer.key)
    client.logout_token_verify(first)
    time_machine.move_to("2026-12-01 12:10:00Z", tick=False)     # past 5 minutes and leeway
    later = sign(logout_claims(issuer) | {"iat": 1796127000}, issuer.key)
    client.logout_token_verify(later)
    assert SeenLogoutToken.objects.count() == 1        # the first one's row is gone
    refused("expired", client.logout_token_verify, first)


@pytest.mark.parametrize("with_cache", [True, False])
def test_tokens_with_unknown_key_ids_make_at_most_one_fetch(issuer, with_cache, request):
    if not with_cache:
        request.getfixturevalue("cache_away")
    client.provider_keys()               # the keys as read at sign-in
    before = issuer.hits.get("/jwks", 0)
    for _ in range(25):
        forged = sign(logout_claims(issuer), provider_key(f"kid-{uuid.uuid4().hex[:8]}"))
        refused("unknown_key", client.logout_token_verify, forged)
    assert issuer.hits.get("/jwks", 0) - before <= 1


def test_a_key_rotation_still_reaches_us_within_the_minute(issuer):
    from joserfc.jwk import KeySet

    client.provider_keys()
    stranger = provider_key("not-yet")
    refused("unknown_key", client.logout_token_verify, sign(logout_claims(issuer), stranger))
    new = provider_key("provider-2")
    issuer.documents["/jwks"] = KeySet([issuer.key, new]).as_dict(private=False)
    token = sign(logout_claims(issuer), new)
    refused("unknown_key", client.logout_token_verify, token)     # within the minute
    client.keys_refresh._last -= client.KEYS_REFRESH_SECONDS     # a minute on
    assert client.logout_token_verify(sign(logout_claims(issuer), new))["sub"] == "cis2-person"


def test_the_back_channel_endpoint_is_throttled_per_address(issuer):
    codes = [Client().post("/auth/cis2/backchannel-logout/", {"logout_token": "x"},
                           REMOTE_ADDR="192.0.2.10").status_code for _ in range(32)]
    assert codes[:30] == [400] * 30 and codes[30:] == [429, 429]
    assert Client().post("/auth/cis2/backchannel-logout/", {"logout_token": "x"},
                         REMOTE_ADDR="192.0.2.11").status_code == 400
