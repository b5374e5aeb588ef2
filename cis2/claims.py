"""Reading the claims NHS CIS2 sends into an accounts.identity.Identity.

CIS2 names a person by `sub` (also `uid`), and lists the organisations they work for in
`nhsid_user_orgs` (scope associatedorgs) and in the organisation of each of their national
RBAC roles, `nhsid_nrbac_roles` (scope nationalrbacaccess). How strongly they signed in is
`authentication_assurance_level` ("3" for a smartcard or an authenticator app), or failing
that the level named in `acr` (as in "AAL3_ANY").
"""
import re

from accounts.identity import Identity

_ODS = re.compile(r"^[A-Z0-9]{3,10}$")
_ACR_LEVEL = re.compile(r"AAL(\d)", re.I)


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def organisations(claims: dict) -> tuple:
    """Each organisation CIS2 lists, once, as {"ods_code", "name"}; malformed codes dropped."""
    found: dict[str, str] = {}
    listed = [(org, "org_code", "org_name") for org in claims.get("nhsid_user_orgs") or []]
    listed += [(role, "org_code", "org_name") for role in claims.get("nhsid_nrbac_roles") or []]
    for item, code_key, name_key in listed:
        if not isinstance(item, dict):
            continue
        code = _text(item.get(code_key), 10).upper()
        if _ODS.match(code) and (code not in found or not found[code]):
            found[code] = _text(item.get(name_key), 200)
    return tuple({"ods_code": code, "name": name} for code, name in sorted(found.items()))


def assurance(claims: dict) -> int | None:
    level = claims.get("authentication_assurance_level")
    if isinstance(level, int | str) and str(level).strip().isdigit():
        return int(str(level).strip())
    match = _ACR_LEVEL.search(claims.get("acr") or "") if isinstance(claims.get("acr"), str) else None
    return int(match.group(1)) if match else None


def identity(id_claims: dict, userinfo: dict) -> Identity:
    """The person, from the verified ID token and the userinfo answer (already checked to be
    about the same subject). Assurance comes from the ID token alone: it is what was signed."""
    merged = {**userinfo, **id_claims}
    given, family = _text(merged.get("given_name"), 150), _text(merged.get("family_name"), 150)
    name = _text(merged.get("name"), 200) or f"{given} {family}".strip()
    return Identity(uid=str(id_claims["sub"])[:64], name=name, given_name=given,
                    family_name=family, email=_text(merged.get("email"), 254),
                    organisations=organisations(merged), assurance=assurance(id_claims))
