"""Scoping helpers every domain selector uses: deny by default, model-wide reads by role."""
from guardian.shortcuts import get_objects_for_user

from .roles import Role

# Only these roles may read casework model-wide (SECURITY.md S3); any other holder of a
# global permission is still scoped to its objects.
MODEL_WIDE_READERS = (Role.COORDINATOR, Role.OVERSIGHT)


def reads_everything(user, perm: str) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and any(user.has_role(role) for role in MODEL_WIDE_READERS)
        and user.has_perm(perm)
    )


def scope(user, perm: str, queryset):
    """Rows of `queryset` on which `user` holds `perm`: model-wide by role, else by object."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if reads_everything(user, perm):
        return queryset
    return get_objects_for_user(
        user, perm, klass=queryset, accept_global_perms=False, with_superuser=False
    )
