"""Writes for users and organisations."""
from urllib.parse import urlsplit

import structlog
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit.models import Decision
from audit.services import decision_record, stamp
from pathways.errors import DomainError, NotAllowedError

from .models import Organisation, User, tokens_end
from .roles import Role

security_log = structlog.get_logger("pathways.security")


def commissioners_group(organisation: Organisation) -> Group:
    """The commissioners of an organisation: what the commissioning organisation that referred
    a person may read is granted to this group. Only people who hold the Commissioner role in
    that organisation are in it, never all its staff (CQC and NHS England are organisations
    too; issue 10)."""
    if organisation.commissioners_group_id is None:
        group, _ = Group.objects.get_or_create(
            name=f"Commissioners of organisation {organisation.pk}")
        organisation.commissioners_group = group
        organisation.save(update_fields=["commissioners_group"])
    return organisation.commissioners_group


def sync_commissioning_access(user: User) -> None:
    """Keep the user in their own organisation's commissioners group exactly when they hold
    the Commissioner role there, and in no other organisation's."""
    groups = Group.objects.filter(commissioning_organisation__isnull=False)
    user.groups.remove(*groups.exclude(commissioning_organisation=user.organisation_id)
                       if user.organisation_id else groups)
    if user.organisation_id is None:
        return
    own = commissioners_group(user.organisation)
    if user.groups.filter(name=Role.COMMISSIONER).exists():
        user.groups.add(own)
    else:
        user.groups.remove(own)


@transaction.atomic
def user_set_organisation(*, user: User, organisation: Organisation | None) -> User:
    """Move a user into an organisation; access granted through the old one ends at once."""
    user.organisation = organisation
    user.save()
    sync_commissioning_access(user)
    return user


def _require_account_manager(by, user) -> None:
    """Administrators manage accounts but never hold more than they were given."""
    if not (by.is_active and (by.is_superuser or by.has_role(Role.ADMINISTRATOR))):
        raise NotAllowedError("Only an administrator can change accounts.")
    if user.pk == by.pk:
        raise NotAllowedError("Nobody can change their own roles or account: ask another "
                              "administrator.")
    if user.is_superuser and not by.is_superuser:
        raise NotAllowedError("Only a superuser can change a superuser's account.")


@transaction.atomic
def user_set_roles(*, user: User, roles, by, reason: str) -> User:
    """Grant and remove roles. Each grant or removal is a Decision with the reason and a
    history row on the user; the Administrator role is a superuser's to give (issue 10)."""
    _require_account_manager(by, user)
    reason = (reason or "").strip()
    wanted = {Role(r) for r in roles}
    current = {Role(name) for name in user.groups.filter(
        name__in=Role.values).values_list("name", flat=True)}
    added, removed = wanted - current, current - wanted
    if not added and not removed:
        return user
    if not reason:
        raise DomainError("Give the reason for changing this person's roles.", field="reason")
    if Role.ADMINISTRATOR in added | removed and not by.is_superuser:
        raise NotAllowedError("Only a superuser can grant or remove the Administrator role.")
    user.groups.add(*Group.objects.filter(name__in=[str(r) for r in added]))
    user.groups.remove(*Group.objects.filter(name__in=[str(r) for r in removed]))
    sync_commissioning_access(user)
    if not user.is_superuser:
        user.is_staff = Role.ADMINISTRATOR in wanted     # the admin site follows the role
    change = ", ".join([f"+{r}" for r in sorted(added)] + [f"-{r}" for r in sorted(removed)])
    stamp(user, by=by, reason=f"Roles changed ({change}): {reason}").save()
    for role in sorted(added):
        security_log.info("role_granted", user_id=user.pk, role=str(role), by_user_id=by.pk)
    for role in sorted(removed):
        security_log.info("role_removed", user_id=user.pk, role=str(role), by_user_id=by.pk)
    for role in sorted(added):
        decision_record(actor=by, kind=Decision.Kind.ROLE_GRANTED, subject=user, reason=reason,
                        summary=f"{user.username} granted the role {role}",
                        facts={"role": str(role)})
    for role in sorted(removed):
        decision_record(actor=by, kind=Decision.Kind.ROLE_REMOVED, subject=user, reason=reason,
                        summary=f"{user.username} no longer holds the role {role}",
                        facts={"role": str(role)})
    user._role_names = {str(r) for r in wanted}
    if removed:
        tokens_end(user)     # a token must not outlive the role it was used under
    return user


@transaction.atomic
def user_update_account(*, user: User, by, reason: str, organisation=None,
                        is_active: bool | None = None, email: str | None = None,
                        username: str | None = None) -> User:
    """Change who an account is (its sign-in name or email address), move it to another
    organisation or (de)activate it: each an account decision with a reason (security round 3,
    finding 1). Deactivation takes effect on the person's next request: sessions and tokens of
    inactive users are refused. A new email address is told to the old one, and remembered as
    set by this administrator, who may then never send a set-password link to it."""
    _require_account_manager(by, user)
    changes = []
    email = None if email is None else email.strip()
    username = None if username is None else username.strip()
    if username is not None and username != user.username:
        changes.append(f"sign-in name {user.username} → {username}")
    if email is not None and email.lower() != (user.email or "").lower():
        changes.append("email address changed")
    if organisation != user.organisation:
        changes.append(f"organisation {user.organisation or 'none'} → {organisation or 'none'}")
    if is_active is not None and is_active != user.is_active:
        changes.append("activated" if is_active else "deactivated")
    if not changes:
        return user
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for this change to the account.", field="reason")
    old_email = user.email
    if username is not None:
        user.username = username
    if email is not None and email.lower() != (old_email or "").lower():
        user.email, user.email_set_by, user.email_set_at = email, by, timezone.now()
        transaction.on_commit(lambda: _tell_old_address(user, old_email, by))
        security_log.info("email_changed", user_id=user.pk, by_user_id=by.pk)
    if is_active is not None:
        user.is_active = is_active
    stamp(user, by=by, reason=f"Account changed ({'; '.join(changes)}): {reason}")
    user_set_organisation(user=user, organisation=organisation)
    if not user.is_active:
        tokens_end(user)
    if user.cis2_uid:
        organisation_check(user, actor=by)
    decision_record(actor=by, kind=Decision.Kind.ACCOUNT_CHANGED, subject=user, reason=reason,
                    summary=f"{user.username}: {'; '.join(changes)}",
                    facts={"changes": changes})
    return user


def _tell_old_address(user: User, old_email: str, by) -> None:
    """The person hears at the address they had that it was changed, and by whom: if they did
    not ask for it, they can say so before anyone uses the new one."""
    if not old_email:
        return
    send_mail(
        "Pathways: the email address of your account was changed",
        f"The email address of your Pathways account ({user.get_username()}) was changed by "
        f"an administrator, {by.get_full_name() or by.get_username()}, on "
        f"{timezone.localtime():%d %b %Y at %H:%M}.\n\n"
        "If you did not ask for this, tell your organisation's information governance lead "
        "and the Pathways service desk now.",
        settings.DEFAULT_FROM_EMAIL, [old_email])


def _password_link_refusal(user: User, by) -> str | None:
    """Why `by` may not email `user` a link to set a password, or None when they may.

    The link is a credential: whoever reads the mailbox it goes to holds the account. So it
    never goes to an address that the administrator sending it set themselves (they could have
    set their own), nor to their own account, a superuser's, or an inactive one. Another
    administrator, or a superuser, sends it after checking the address."""
    if not settings.PASSWORD_SIGN_IN:
        return "Passwords are switched off: people sign in with NHS CIS2."
    if not (by.is_active and (by.is_superuser or by.has_role(Role.ADMINISTRATOR))):
        return "Only an administrator can send a link to set a password."
    if user.pk == by.pk:
        return "Nobody sends a link to set their own password: ask another administrator."
    if user.is_superuser and not by.is_superuser:
        return "Only a superuser can act on a superuser's account."
    if not user.is_active or not user.email:
        return "The account is switched off or has no email address."
    if user.email_set_by_id == by.pk and not by.is_superuser:
        return ("You set this account's email address, so another administrator must check "
                "it and send the link.")
    return None


def password_link_send(*, user: User, by) -> None:
    """Email `user` a link to set a new password, built from SITE_URL (never from the address
    a request came in on: security round 3, finding 8)."""
    from django.contrib.auth.forms import PasswordResetForm

    refusal = _password_link_refusal(user, by)
    if refusal is not None:
        raise NotAllowedError(refusal)
    site = urlsplit(settings.SITE_URL)

    class OneAccount(PasswordResetForm):
        def get_users(self, email):
            return [user]

    form = OneAccount({"email": user.email})
    form.is_valid()
    form.save(domain_override=site.netloc, use_https=site.scheme == "https",
              email_template_name="registration/password_set_email.jinja",
              subject_template_name="registration/password_set_subject.jinja")
    security_log.info("password_link_sent", user_id=user.pk, by_user_id=by.pk)
    decision_record(actor=by, kind=Decision.Kind.ACCOUNT_CHANGED, subject=user,
                    reason="A link to set a password, sent from the administration site",
                    summary=f"{user.username}: a link to set a new password was emailed",
                    facts={"changes": ["password link emailed"]})


def organisation_confirmed(user: User) -> bool:
    """Whether NHS CIS2 lists the user's Pathways organisation (by its ODS code) among the
    organisations they work for, as of their last CIS2 sign-in."""
    org = user.organisation
    return bool(org is not None and org.ods_code and org.ods_code in (user.cis2_ods_codes or []))


def organisation_check(user: User, *, actor) -> bool:
    """Withhold casework from a CIS2-signed-in person whose organisation CIS2 does not confirm,
    or give it back once it does; each change a Decision (by `actor`: the person at sign-in, or
    the administrator who changed their organisation). Saves the user; True when confirmed."""
    confirmed = organisation_confirmed(user)
    if confirmed == (user.organisation_unconfirmed_since is None):
        user.save()
        return confirmed
    org = user.organisation
    named = f"{org} ({org.ods_code or 'no ODS code'})" if org is not None else "no organisation"
    listed = ", ".join(user.cis2_ods_codes or []) or "none"
    facts = {"organisation": str(org or ""), "ods_code": getattr(org, "ods_code", None) or "",
             "cis2_ods_codes": list(user.cis2_ods_codes or [])}
    if confirmed:
        user.organisation_unconfirmed_since = None
        stamp(user, by=actor, reason="Organisation confirmed by NHS CIS2").save()
        decision_record(actor=actor, kind=Decision.Kind.ACCESS_RESTORED, subject=user,
                        reason="NHS CIS2 lists their organisation again",
                        summary=f"{user.username}: casework access back ({named})", facts=facts)
        security_log.info("organisation_confirmed", user_id=user.pk, ods_code=facts["ods_code"])
    else:
        user.organisation_unconfirmed_since = timezone.now()
        stamp(user, by=actor, reason="Organisation not confirmed by NHS CIS2").save()
        decision_record(
            actor=actor, kind=Decision.Kind.ACCESS_WITHHELD, subject=user,
            reason=f"NHS CIS2 lists their organisations as {listed}; Pathways has {named}",
            summary=f"{user.username}: casework withheld until their organisation is confirmed",
            facts=facts)
        security_log.warning("organisation_mismatch", user_id=user.pk, ods_code=facts["ods_code"],
                             cis2_ods_codes=facts["cis2_ods_codes"])
    for cached in ("_role_names", "_perm_cache"):     # read access again on next use
        user.__dict__.pop(cached, None)
    return confirmed


def api_token_issue(user: User):
    """A new API token for a signed-in person, and when it expires. Any earlier token of
    theirs ends: one token a person, so revoking it is one step."""
    from datetime import timedelta

    from rest_framework.authtoken.models import Token

    tokens_end(user)
    token = Token.objects.create(user=user)
    security_log.info("api_token_issued", user_id=user.pk)
    return token, token.created + timedelta(seconds=settings.API_TOKEN_SECONDS)
