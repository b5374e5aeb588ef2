"""Pathways' own keys for private_key_jwt: the private key signs the client assertions sent
to CIS2's token endpoint; the public keys are published at /auth/cis2/jwks.json, where CIS2
reads them. Each key's id is its RFC 7638 thumbprint, so the same key always has the same id.

During a rotation the new key and the old are both published (CIS2_EXTRA_PUBLIC_KEYS holds
the one not signing): docs/operations.md gives the steps.
"""
import re
from functools import lru_cache

from django.conf import settings
from joserfc.jwk import RSAKey

SIGNING_ALG = "RS512"
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.S)


@lru_cache(maxsize=4)
def _load(pem: str) -> RSAKey:
    key = RSAKey.import_key(pem)
    key.ensure_kid()
    return key


def signing_key() -> RSAKey:
    """The private key (with its kid) that signs client assertions."""
    return _load(settings.CIS2_PRIVATE_KEY.strip())


def public_jwks() -> dict:
    """Every key CIS2 may see an assertion signed with, public halves only."""
    pems = [settings.CIS2_PRIVATE_KEY.strip(), *_PEM_BLOCK.findall(settings.CIS2_EXTRA_PUBLIC_KEYS)]
    keys, seen = [], set()
    for pem in filter(None, pems):
        key = _load(pem)
        if key.kid in seen:
            continue
        seen.add(key.kid)
        keys.append({**key.as_dict(private=False), "kid": key.kid, "use": "sig",
                     "alg": SIGNING_ALG})
    return {"keys": keys}
