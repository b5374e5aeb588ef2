"""Every way an ID token, an authorization answer or a logout token can be wrong is refused
(issue 31). The provider's discovery document and keys are served over real HTTP on
loopback; the tokens are signed here, each broken in one way."""
import base64
import json
import time
import uuid

import pytest
from joserfc.jwk import KeySet

from cis2 import client
from cis2.client import LOGOUT_EVENT, Refused
from tests.cis2.conftest import CLIENT_ID, provider_key, sign

pytestmark = pytest.mark.django_db    # seen logout tokens are kept in the database


def id_claims(server, **changes):
    now = int(time.time())
    claims = {"iss": server.url, "aud": CLIENT_ID, "sub": "cis2-person", "iat": now,
              "exp": now + 300, "nonce": "the-nonce", "authentication_assurance_level": "3"}
    return {k: v for k, v in {**claims, **changes}.items() if v is not None}


def refused(code, call, *args, **kwargs):
    with pytest.raises(Refused) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def test_a_well_formed_id_token_is_accepted(issuer):
    claims = client.id_token_verify(sign(id_claims(issuer), issuer.key), nonce="the-nonce")
    assert claims["sub"] == "cis2-person"


def test_a_token_signed_by_another_key_under_the_providers_key_id_is_refused(issuer):
    forger = provider_key(issuer.key.kid)
    refused("signature", client.id_token_verify, sign(id_claims(issuer), forger),
            nonce="the-nonce")


def test_a_token_for_another_client_is_refused(issuer):
    refused("audience", client.id_token_verify,
            sign(id_claims(issuer, aud="someone-else"), issuer.key), nonce="the-nonce")
    # Among several audiences, ours is not enough unless the token was issued to us (azp).
    refused("audience", client.id_token_verify,
            sign(id_claims(issuer, aud=[CLIENT_ID, "other"]), issuer.key), nonce="the-nonce")


def test_an_expired_token_is_refused(issuer):
    past = int(time.time()) - 3600
    refused("expired", client.id_token_verify,
            sign(id_claims(issuer, iat=past - 300, exp=past), issuer.key), nonce="the-nonce")


def test_a_token_from_another_issuer_is_refused(issuer):
    refused("issuer", client.id_token_verify,
            sign(id_claims(issuer, iss="https://elsewhere.example"), issuer.key),
            nonce="the-nonce")


def test_a_token_replayed_into_another_sign_in_fails_its_nonce(issuer):
    token = sign(id_claims(issuer, nonce="an-earlier-sign-in"), issuer.key)
    refused("nonce", client.id_token_verify, token, nonce="this-sign-in")
    refused("nonce", client.id_token_verify, sign(id_claims(issuer, nonce=None), issuer.key),
            nonce="this-sign-in")


def test_an_unknown_key_id_reads_the_providers_keys_again_then_refuses(issuer):
    stranger = provider_key("not-published")
    before = issuer.hits.get("/jwks", 0)
    refused("unknown_key", client.id_token_verify, sign(id_claims(issuer), stranger),
            nonce="the-nonce")
    assert issuer.hits["/jwks"] == before + 2      # once as kept, once read again


def test_a_provider_key_rotation_is_picked_up_without_a_restart(issuer):
    client.id_token_verify(sign(id_claims(issuer), issuer.key), nonce="the-nonce")  # keys kept
    new = provider_key("provider-2")
    issuer.documents["/jwks"] = KeySet([issuer.key, new]).as_dict(private=False)
    assert client.id_token_verify(sign(id_claims(issuer), new), nonce="the-nonce")


@pytest.mark.parametrize("alg", ["HS256", "none", "RS256"])
def test_an_algorithm_the_provider_does_not_sign_with_is_refused(issuer, alg):
    raw = sign(id_claims(issuer), issuer.key)
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg, "kid": issuer.key.kid}).encode())
    token = ".".join([header.decode().rstrip("="), *raw.split(".")[1:]])
    refused("algorithm", client.id_token_verify, token, nonce="the-nonce")


def test_garbage_is_refused_as_malformed(issuer):
    for raw in ["", "a.b", "not.a.token", None, 42]:
        refused("malformed", client.id_token_verify, raw, nonce="the-nonce")


# --- the authorization answer -----------------------------------------------------------------

def started(session):
    client.begin(session, "/referrals/queue/")
    return session[client.FLOW_KEY]


def test_a_wrong_state_is_refused_and_the_sign_in_cannot_be_retried(issuer):
    session = {}
    flow = started(session)
    refused("state", client.complete, session, {"state": "forged", "code": "x"})
    refused("no_flow", client.complete, session, {"state": flow["state"], "code": "x"})


def test_an_answer_used_twice_is_refused_the_second_time(issuer):
    session = {}
    flow = started(session)
    session_copy = dict(session)
    with pytest.raises(Refused):       # the code is no good here: no token endpoint answers
        client.complete(session, {"state": flow["state"], "code": "x"})
    refused("no_flow", client.complete, session, {"state": flow["state"], "code": "x"})
    assert client.FLOW_KEY in session_copy


def test_a_sign_in_without_its_pkce_verifier_is_refused(issuer):
    session = {}
    flow = started(session)
    del session[client.FLOW_KEY]["verifier"]
    refused("pkce", client.complete, session, {"state": flow["state"], "code": "x"})


def test_the_authorization_request_carries_state_nonce_and_an_s256_challenge(issuer):
    from urllib.parse import parse_qs, urlsplit

    session = {}
    url = client.begin(session, "")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    flow = session[client.FLOW_KEY]
    assert query["state"] == flow["state"] and query["nonce"] == flow["nonce"]
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] and flow["verifier"] not in url
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["scope"] == "openid profile email nationalrbacaccess associatedorgs"


def test_an_answer_naming_another_issuer_is_refused(issuer):
    session = {}
    flow = started(session)
    refused("issuer", client.complete, session,
            {"state": flow["state"], "code": "x", "iss": "https://elsewhere.example"})


def test_a_sign_in_left_too_long_is_refused(issuer):
    session = {}
    flow = started(session)
    session[client.FLOW_KEY]["at"] -= client.FLOW_SECONDS + 1
    refused("expired_flow", client.complete, session, {"state": flow["state"], "code": "x"})


def test_a_provider_that_cannot_be_reached_is_said_so(issuer, settings):
    settings.CIS2_SERVER_METADATA_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    refused("provider_unavailable", client.begin, {}, "")


# --- back-channel logout tokens ---------------------------------------------------------------

def logout_claims(server, **changes):
    claims = {"iss": server.url, "aud": CLIENT_ID, "sub": "cis2-person",
              "iat": int(time.time()), "jti": uuid.uuid4().hex, "sid": "s1",
              "events": {LOGOUT_EVENT: {}}}
    return {k: v for k, v in {**claims, **changes}.items() if v is not None}


def test_a_logout_token_is_accepted_once(issuer):
    token = sign(logout_claims(issuer), issuer.key)
    assert client.logout_token_verify(token)["sub"] == "cis2-person"
    refused("replayed", client.logout_token_verify, token)


@pytest.mark.parametrize("changes, code", [
    ({"events": None}, "malformed"),
    ({"events": {"http://example.com/other": {}}}, "malformed"),
    ({"nonce": "n"}, "malformed"),
    ({"sub": None}, "malformed"),
    ({"jti": None}, "malformed"),
    ({"iat": int(time.time()) - 3600}, "expired"),
    ({"aud": "someone-else"}, "audience"),
    ({"iss": "https://elsewhere.example"}, "issuer"),
])
def test_a_wrong_logout_token_is_refused(issuer, changes, code):
    refused(code, client.logout_token_verify, sign(logout_claims(issuer, **changes), issuer.key))


def test_a_forged_logout_token_is_refused(issuer):
    refused("signature", client.logout_token_verify,
            sign(logout_claims(issuer), provider_key(issuer.key.kid)))
