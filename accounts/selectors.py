"""Scoping helpers every domain selector uses: deny by default, model-wide reads by role."""
from django.contrib.contenttypes.models import ContentType
from guardian.shortcuts import get_objects_for_user
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

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
    model = queryset.model
    by_user, by_group = get_user_obj_perms_model(model), get_group_obj_perms_model(model)
    if by_user.objects.is_generic() or by_group.objects.is_generic():
        return get_objects_for_user(
            user, perm, klass=queryset, accept_global_perms=False, with_superuser=False
        )
    # Direct grant tables (issue 12): the keys granted to the user or to one of their groups,
    # as one UNION, so the database reads those rows by primary key. Guardian's own query ORs
    # two subqueries, which makes it read every row of the table to test each one.
    # tests/accounts/test_scope.py holds the two equal.
    codename = perm.split(".", 1)[1]
    granted = {"permission__content_type": ContentType.objects.get_for_model(model),
               "permission__codename": codename}
    keys = by_user.objects.filter(user=user, **granted).values("content_object").union(
        by_group.objects.filter(group__user=user, **granted).values("content_object"))
    return queryset.filter(pk__in=keys)
