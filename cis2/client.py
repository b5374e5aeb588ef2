"""The OpenID Connect exchange with NHS CIS2, with Authlib (the client) and joserfc (tokens).

Authorization code flow: `begin` sends the person to CIS2 with a fresh state, nonce and PKCE
verifier kept in their session; `complete` checks the state, swaps the code for tokens (the
client authenticated by a private_key_jwt assertion signed RS512, no client secret), verifies
the ID token and reads userinfo. Every failure is a `Refused` with a code the sign-in page
explains (`REFUSALS` in cis2.views); nothing half-signs anyone in.

`logout_token_verify` checks a back-channel logout token (OpenID Connect Back-Channel Logout
1.0, section 2.6) before any session is ended.
"""
import datetime
import hmac
import json
import threading
import time
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import KeySet
from joserfc.util import urlsafe_b64decode

from accounts.identity import cis2_configured

from .keys import SIGNING_ALG, signing_key

FLOW_KEY = "cis2_flow"
FLOW_SECONDS = 10 * 60          # a sign-in started longer ago than this is started again
LEEWAY = 60                     # seconds of clock difference allowed either way
LOGOUT_TOKEN_SECONDS = 5 * 60   # a logout token issued longer ago than this is refused
TIMEOUT = 10
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# A token naming a key we do not hold makes us read the provider's keys again, but at most
# once this often in a process: anyone can forge a token with a new key id, and each must not
# cost a fetch from CIS2 (round 4, finding 4).
KEYS_REFRESH_SECONDS = 60


class Refused(Exception):
    """A sign-in (or logout token) that Pathways does not accept, and why (`code`)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


def enabled() -> bool:
    return cis2_configured()


def redirect_uri() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("cis2:callback")


def signed_out_uri() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("cis2:signed_out")


def _fetch_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise Refused("provider_unavailable", f"{url}: {error}")
    if not isinstance(document, dict):
        raise Refused("provider_unavailable", f"{url}: not a JSON object")
    return document


class ProcessCopies:
    """The provider's documents as this process last read them, for when the shared cache is
    away: without them every token checked during a Redis outage would fetch from CIS2."""

    def __init__(self):
        self._documents: dict[str, tuple[float, dict]] = {}

    def get(self, key: str) -> dict | None:
        kept = self._documents.get(key)
        if kept is None or time.monotonic() - kept[0] > settings.CIS2_METADATA_SECONDS:
            return None
        return kept[1]

    def set(self, key: str, document: dict) -> None:
        self._documents[key] = (time.monotonic(), document)

    def clear(self) -> None:
        self._documents.clear()


class OncePer:
    """Says yes at most once every `seconds` in this process (and across its threads)."""

    def __init__(self, seconds: float):
        self.seconds, self._last, self._lock = seconds, None, threading.Lock()

    def allowed(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._last < self.seconds:
                return False
            self._last = now
            return True

    def reset(self) -> None:
        self._last = None


process_copies = ProcessCopies()
keys_refresh = OncePer(KEYS_REFRESH_SECONDS)


def _document(key: str, url: str, *, refresh: bool, check=None) -> dict:
    """A provider document: the shared cache's copy, else this process's, else fetched (and
    then checked by `check`) and kept in both for CIS2_METADATA_SECONDS."""
    document = None if refresh else (cache.get(key) or process_copies.get(key))
    if document is None:
        document = _fetch_json(url)
        if check is not None:
            check(document)
        cache.set(key, document, settings.CIS2_METADATA_SECONDS)
        process_copies.set(key, document)
    return document


def _check_metadata(document: dict) -> None:
    missing = {"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"} - set(document)
    if missing:
        raise Refused("provider_unavailable", f"metadata lacks {', '.join(sorted(missing))}")


def metadata(refresh: bool = False) -> dict:
    """The provider's discovery document, kept CIS2_METADATA_SECONDS."""
    url = settings.CIS2_SERVER_METADATA_URL
    return _document(f"cis2:metadata:{url}", url, refresh=refresh, check=_check_metadata)


def provider_keys(refresh: bool = False) -> KeySet:
    """The provider's signing keys (its JWKS), read again when a token names a key not in it:
    that is how a provider's key rotation reaches us."""
    uri = metadata()["jwks_uri"]
    document = _document(f"cis2:jwks:{uri}", uri, refresh=refresh)
    try:
        return KeySet.import_key_set(document)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise Refused("provider_unavailable", f"unreadable JWKS: {error}")


def _client(**kwargs) -> OAuth2Session:
    return OAuth2Session(settings.CIS2_CLIENT_ID, scope=settings.CIS2_SCOPES,
                         redirect_uri=redirect_uri(), code_challenge_method="S256", **kwargs)


def begin(session, next_url: str = "") -> str:
    """Start a sign-in: remember state, nonce and PKCE verifier; the URL to send them to."""
    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
    session[FLOW_KEY] = {"state": state, "nonce": nonce, "verifier": verifier,
                         "next": next_url, "at": time.time()}
    url, _ = _client().create_authorization_url(
        metadata()["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier)
    return url


def complete(session, params) -> tuple[dict, dict, str]:
    """Finish a sign-in from the callback's query `params`: the verified ID token's claims,
    the userinfo answer, and where the person was going."""
    flow = session.pop(FLOW_KEY, None)
    if not isinstance(flow, dict):
        raise Refused("no_flow")           # no sign-in started here, or this answer was used
    if time.time() - flow.get("at", 0) > FLOW_SECONDS:
        raise Refused("expired_flow")
    if not hmac.compare_digest(str(params.get("state", "")), str(flow.get("state", ""))):
        raise Refused("state")
    if params.get("error"):
        raise Refused("cancelled" if params["error"] == "access_denied" else "provider_error",
                      str(params.get("error_description", params["error"]))[:200])
    document = metadata()
    # RFC 9207: a provider that names itself in the answer must be the one we asked.
    if "iss" in params and params["iss"] != document["issuer"]:
        raise Refused("issuer", "authorization response from another issuer")
    code, verifier = params.get("code"), flow.get("verifier")
    if not code:
        raise Refused("provider_error", "no authorization code")
    if not verifier:
        raise Refused("pkce")
    key = signing_key()
    client = _client(client_secret=key, token_endpoint_auth_method="private_key_jwt")
    client.register_client_auth_method(PrivateKeyJWT(
        document["token_endpoint"], headers={"kid": key.kid}, alg=SIGNING_ALG))
    try:
        token = client.fetch_token(document["token_endpoint"], grant_type="authorization_code",
                                   code=code, code_verifier=verifier, timeout=TIMEOUT)
    except Exception as error:  # Authlib raises its OAuthError, requests its own, or ValueError
        raise Refused("token", str(error)[:300])
    if not token.get("id_token"):
        raise Refused("token", "no ID token")
    claims = id_token_verify(token["id_token"], nonce=flow["nonce"])
    userinfo = {}
    if document.get("userinfo_endpoint"):
        try:
            response = client.get(document["userinfo_endpoint"], timeout=TIMEOUT)
            response.raise_for_status()
            userinfo = response.json()
        except (requests.RequestException, ValueError) as error:
            raise Refused("userinfo", str(error)[:300])
        if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
            raise Refused("userinfo", "userinfo is about someone else")
    return claims, userinfo, flow.get("next") or ""


def _header(raw: str) -> dict:
    try:
        header = json.loads(urlsafe_b64decode(raw.split(".")[0].encode()))
    except (ValueError, TypeError, IndexError):
        raise Refused("malformed", "unreadable token header")
    if not isinstance(header, dict):
        raise Refused("malformed", "unreadable token header")
    return header


def _verified(raw) -> dict:
    """The claims of a token signed by one of the provider's keys with an algorithm it names,
    before any claim is checked."""
    if not isinstance(raw, str) or raw.count(".") != 2:
        raise Refused("malformed", "not a signed JWT")
    header = _header(raw)
    allowed = [alg for alg in metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
               if alg != "none" and not alg.startswith("HS")]
    alg = header.get("alg")
    if alg not in allowed:
        raise Refused("algorithm", f"{alg!r} is not one the provider signs with")
    kid = header.get("kid")
    keys = provider_keys()
    if kid is not None and kid not in {key.kid for key in keys}:
        if keys_refresh.allowed():     # a rotation reaches us within a minute
            keys = provider_keys(refresh=True)
        if kid not in {key.kid for key in keys}:
            raise Refused("unknown_key", f"no provider key {kid!r}")
    try:
        return jwt.decode(raw, keys, algorithms=[alg]).claims
    except BadSignatureError:
        raise Refused("signature")
    except (JoseError, ValueError) as error:
        raise Refused("malformed", str(error)[:200])


def _verified_for_us(raw) -> dict:
    """A token signed by the provider (`_verified`), issued by it, for this client: among
    several audiences ours counts only when the token was issued to us (azp)."""
    claims = _verified(raw)
    if claims.get("iss") != metadata()["issuer"]:
        raise Refused("issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if settings.CIS2_CLIENT_ID not in audiences or (
            len(audiences) > 1 and claims.get("azp") != settings.CIS2_CLIENT_ID):
        raise Refused("audience")
    return claims


def _number(claims: dict, name: str) -> int:
    value = claims.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise Refused("malformed", f"no {name}")
    return int(value)


def id_token_verify(raw, *, nonce: str, now: float | None = None) -> dict:
    """The ID token's claims once its signature, issuer, audience, lifetime and nonce hold
    (OpenID Connect Core 1.0, section 3.1.3.7)."""
    now = time.time() if now is None else now
    claims = _verified_for_us(raw)
    if _number(claims, "exp") + LEEWAY < now:
        raise Refused("expired")
    if _number(claims, "iat") - LEEWAY > now:
        raise Refused("not_yet_valid")
    if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise Refused("nonce")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise Refused("malformed", "no subject")
    return claims


def logout_token_verify(raw, *, now: float | None = None) -> dict:
    """A back-channel logout token's claims once it is signed by the provider, for us, recent,
    a logout event, about someone, and not seen before."""
    now = time.time() if now is None else now
    claims = _verified_for_us(raw)
    issued = _number(claims, "iat")
    if issued - LEEWAY > now or issued + LOGOUT_TOKEN_SECONDS + LEEWAY < now:
        raise Refused("expired")
    if "exp" in claims and _number(claims, "exp") + LEEWAY < now:
        raise Refused("expired")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
        raise Refused("malformed", "not a logout event")
    if "nonce" in claims:
        raise Refused("malformed", "a logout token carries no nonce")
    if not (isinstance(claims.get("sub"), str) and claims["sub"]):
        raise Refused("malformed", "no subject")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise Refused("malformed", "no jti")
    if not _first_sight(f"{claims['iss'][:250]}:{jti[:200]}"):
        raise Refused("replayed")
    return claims


def _first_sight(key: str) -> bool:
    """Whether this logout token is new, noting it if so (in the database: see
    SeenLogoutToken). Kept until a replay would be refused as expired anyway."""
    from .models import SeenLogoutToken

    now = timezone.now()
    SeenLogoutToken.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            SeenLogoutToken.objects.create(key=key, expires_at=now + datetime.timedelta(
                seconds=LOGOUT_TOKEN_SECONDS + 2 * LEEWAY))
    except IntegrityError:
        return False
    return True


def end_session_url() -> str | None:
    """Where to send someone signing out so that CIS2 signs them out too (RP-initiated
    logout), or None when the provider offers no such endpoint."""
    try:
        endpoint = metadata().get("end_session_endpoint")
    except Refused:
        return None
    if not endpoint:
        return None
    query = urlencode({"client_id": settings.CIS2_CLIENT_ID,
                       "post_logout_redirect_uri": signed_out_uri()})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
