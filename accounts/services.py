"""Writes for users and organisations."""
from django.contrib.auth.models import Group
from django.db import transaction

from .models import Organisation, User


def organisation_members_group(organisation: Organisation) -> Group:
    """The group that carries object permissions granted to the whole organisation."""
    if organisation.members_group_id is None:
        group, _ = Group.objects.get_or_create(name=f"Members of organisation {organisation.pk}")
        organisation.members_group = group
        organisation.save(update_fields=["members_group"])
    return organisation.members_group


@transaction.atomic
def user_set_organisation(*, user: User, organisation: Organisation | None) -> User:
    """Move a user into an organisation; access granted to the old one ends at once."""
    if user.organisation_id and user.organisation_id != getattr(organisation, "pk", None):
        old = Organisation.objects.get(pk=user.organisation_id)
        if old.members_group_id:
            user.groups.remove(old.members_group)
    user.organisation = organisation
    user.save()
    if organisation is not None:
        user.groups.add(organisation_members_group(organisation))
    return user
