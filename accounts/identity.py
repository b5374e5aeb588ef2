"""What Pathways does with a person NHS CIS2 has signed in (issue 31).

CIS2 says who someone is and where they work; what they may see stays Pathways' decision. An
account is bound to a CIS2 identity (its subject, `cis2_uid`) only by an administrator
approving an access request, never by matching an email address. A person whose Pathways
organisation CIS2 does not list keeps no casework (`accounts.services.organisation_check`).
Every outcome is a named event in the security log; those that change access are Decisions.
"""
import re
from dataclasses import dataclass, field

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import Decision
from audit.services import decision_record, stamp
from pathways.errors import DomainError, NotAllowedError

from .models import AccessRequest, Organisation, User, tokens_end
from .roles import Role
from .services import organisation_check, user_set_roles, user_update_account

security_log = structlog.get_logger("pathways.security")


@dataclass(frozen=True)
class Identity:
    """A person as NHS CIS2 vouched for them at one sign-in."""

    uid: str
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    # [{"ods_code": "QWE", "name": "NHS South West London ICB"}, ...], each code once.
    organisations: tuple = field(default_factory=tuple)
    assurance: int | None = None

    @property
    def ods_codes(self) -> list[str]:
        return [org["ods_code"] for org in self.organisations]


@dataclass(frozen=True)
class SignIn:
    """The outcome: `signed_in` (with the user), `waiting` (an access request, no access),
    `refused` (their request was refused) or `inactive` (their account is switched off)."""

    outcome: str
    user: User | None = None
    request: AccessRequest | None = None
    new_request: bool = False


def cis2_configured() -> bool:
    """Whether NHS CIS2 sign-in is set up: its metadata, our client id and our key."""
    return bool(settings.CIS2_SERVER_METADATA_URL and settings.CIS2_CLIENT_ID
                and settings.CIS2_PRIVATE_KEY.strip())


def assurance_sufficient(identity: Identity) -> bool:
    return identity.assurance is not None and identity.assurance >= settings.CIS2_MIN_ASSURANCE


@transaction.atomic
def identity_sign_in(identity: Identity) -> SignIn:
    """Decide what a CIS2 sign-in leads to (the assurance level is checked before this)."""
    now = timezone.now()
    user = User.objects.select_for_update(of=("self",)).select_related("organisation").filter(
        cis2_uid=identity.uid).first()
    if user is None:
        return _request_access(identity, now)
    if not user.is_active:
        security_log.warning("sign_in_refused", reason="inactive", user_id=user.pk)
        return SignIn("inactive", user=user)
    user.cis2_ods_codes = identity.ods_codes
    user.cis2_signed_in_at = now
    if not settings.PASSWORD_SIGN_IN and user.has_usable_password():
        # No password is left anywhere once sign-in is CIS2's: the first CIS2 sign-in of an
        # account that had one removes it (and, with it, any token issued under it).
        user.set_unusable_password()
    stamp(user, by=user, reason="Signed in with NHS CIS2")
    organisation_check(user, actor=user)
    security_log.info("signed_in", method="cis2", user_id=user.pk, assurance=identity.assurance,
                      organisation_confirmed=user.organisation_unconfirmed_since is None)
    return SignIn("signed_in", user=user)


def _request_access(identity: Identity, now) -> SignIn:
    facts = {"name": identity.name[:200], "email": identity.email[:254],
             "organisations": list(identity.organisations), "last_seen_at": now}
    request, created = AccessRequest.objects.select_for_update().get_or_create(
        cis2_uid=identity.uid, defaults={**facts, "requested_at": now})
    if not created:
        for name, value in facts.items():
            setattr(request, name, value)
        request.save()
    if request.status == AccessRequest.Status.REFUSED:
        security_log.warning("sign_in_refused", reason="access_request_refused",
                             access_request_id=str(request.pk))
        return SignIn("refused", request=request)
    security_log.info("access_requested" if created else "sign_in_waiting",
                      reason="unknown_person", access_request_id=str(request.pk),
                      ods_codes=identity.ods_codes)
    return SignIn("waiting", request=request, new_request=created)


def _pending(request: AccessRequest, by, reason: str, doing: str):
    """The request, locked and still undecided, and the reason given for deciding it."""
    if not (by.is_active and (by.is_superuser or by.has_role(Role.ADMINISTRATOR))):
        raise NotAllowedError("Only an administrator can decide access requests.")
    request = AccessRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != AccessRequest.Status.PENDING:
        raise DomainError("This request has already been decided.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(f"Give the reason for {doing} this request.", field="reason")
    return request, reason


def _username_for(request: AccessRequest) -> str:
    base = (request.email.split("@")[0] if request.email else "") or request.name
    base = re.sub(r"[^a-z0-9.]+", ".", base.lower()).strip(".")[:100] or "cis2"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


@transaction.atomic
def access_request_approve(*, request: AccessRequest, by, reason: str, roles,
                           organisation: Organisation | None, user: User | None = None) -> User:
    """Give a person NHS CIS2 signed in an account: a new one, or `user`, an existing account
    that has no CIS2 identity yet (someone who used a password before go-live). Binds the
    identity, sets the organisation and grants the roles, each a Decision with the reason."""
    request, reason = _pending(request, by, reason, "approving")
    if not roles:
        raise DomainError("Choose at least one role: an approved person with none could do "
                          "nothing.", field="roles")
    if user is None:
        given, _, family = request.name.partition(" ")
        user = User(username=_username_for(request), email=request.email,
                    first_name=given[:150], last_name=family[:150])
        user.set_unusable_password()
        stamp(user, by=by, reason=f"New account from an NHS CIS2 access request: {reason}")
        user.save()
        bound = "a new account"
    else:
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.pk == by.pk:
            raise NotAllowedError("Nobody approves a sign-in to their own account: ask another "
                                  "administrator.")
        if user.is_superuser and not by.is_superuser:
            raise NotAllowedError("Only a superuser can bind a superuser's account.")
        if user.cis2_uid:
            raise DomainError("That account already belongs to another NHS CIS2 identity.",
                              field="user")
        bound = f"the existing account {user.username}"
        if not settings.PASSWORD_SIGN_IN:
            user.set_unusable_password()
    user.cis2_uid = request.cis2_uid
    user.cis2_ods_codes = request.ods_codes
    stamp(user, by=by, reason=f"Bound to an NHS CIS2 identity: {reason}")
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise DomainError("That NHS CIS2 identity is already bound to an account.")
    user_update_account(user=user, by=by, reason=reason, organisation=organisation,
                        is_active=True)
    user_set_roles(user=user, roles=roles, by=by, reason=reason)
    organisation_check(user, actor=by)
    request.status = AccessRequest.Status.APPROVED
    request.user, request.decided_by, request.decided_at = user, by, timezone.now()
    request.reason = reason
    stamp(request, by=by, reason=reason).save()
    decision_record(actor=by, kind=Decision.Kind.ACCESS_REQUEST_APPROVED, subject=user,
                    reason=reason, summary=f"{request.name or request.cis2_uid} may sign in "
                                           f"with NHS CIS2 as {bound}",
                    facts={"access_request": str(request.pk), "account": user.username,
                           "roles": sorted(str(r) for r in roles),
                           "ods_codes": request.ods_codes})
    security_log.info("access_request_approved", access_request_id=str(request.pk),
                      user_id=user.pk, by_user_id=by.pk)
    return user


@transaction.atomic
def access_request_refuse(*, request: AccessRequest, by, reason: str) -> AccessRequest:
    """Refuse a request: the person keeps seeing that they have no access."""
    request, reason = _pending(request, by, reason, "refusing")
    request.status = AccessRequest.Status.REFUSED
    request.decided_by, request.decided_at, request.reason = by, timezone.now(), reason
    stamp(request, by=by, reason=reason).save()
    decision_record(actor=by, kind=Decision.Kind.ACCESS_REQUEST_REFUSED, subject=request,
                    reason=reason, summary=f"{request.name or request.cis2_uid} may not sign in",
                    facts={"ods_codes": request.ods_codes})
    security_log.info("access_request_refused", access_request_id=str(request.pk),
                      by_user_id=by.pk)
    return request


@transaction.atomic
def sessions_end(*, user: User, reason: str, by=None) -> None:
    """End every session and API token of the person at once (back-channel logout): the
    generation in each session's hash moves on, so no session signed before now matches."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.sessions_generation += 1
    stamp(locked, by=by or user, reason=reason).save(update_fields=["sessions_generation"])
    user.sessions_generation = locked.sessions_generation
    tokens = tokens_end(user)
    security_log.info("signed_out_everywhere", user_id=user.pk, tokens_ended=tokens,
                      reason=reason)
    decision_record(actor=by or user, kind=Decision.Kind.SESSIONS_ENDED, subject=user,
                    reason=reason, summary=f"{user.username}: every session and API token ended",
                    facts={"tokens_ended": tokens})
