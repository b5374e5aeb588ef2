"""Writes for users and organisations."""
import structlog
from django.contrib.auth.models import Group
from django.db import transaction

from audit.models import Decision
from audit.services import decision_record, stamp
from pathways.errors import DomainError, NotAllowedError

from .models import Organisation, User
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
    return user


@transaction.atomic
def user_update_account(*, user: User, by, reason: str, organisation=None,
                        is_active: bool | None = None) -> User:
    """Move a user to another organisation or (de)activate them, with a reason. Deactivation
    takes effect on their next request: sessions and tokens of inactive users are refused."""
    _require_account_manager(by, user)
    changes = []
    if organisation != user.organisation:
        changes.append(f"organisation {user.organisation or 'none'} → {organisation or 'none'}")
    if is_active is not None and is_active != user.is_active:
        changes.append("activated" if is_active else "deactivated")
    if not changes:
        return user
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for this change to the account.", field="reason")
    if is_active is not None:
        user.is_active = is_active
    stamp(user, by=by, reason=f"Account changed ({'; '.join(changes)}): {reason}")
    user_set_organisation(user=user, organisation=organisation)
    decision_record(actor=by, kind=Decision.Kind.ACCOUNT_CHANGED, subject=user, reason=reason,
                    summary=f"{user.username}: {'; '.join(changes)}",
                    facts={"changes": changes})
    return user
