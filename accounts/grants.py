"""Granting an object permission to a person or a group: the one way services grant.

What guardian's `assign_perm` does, into each model's own permission table, in one statement
rather than its five (two reads for the permission, one for the content type, a read and an
insert for the grant). Inside an import's batch (`pathways.batch`) the grants are written
together when the file is in, a thousand to a statement. A grant that already exists is
passed over, as `assign_perm` passes over it. Revoking stays guardian's `remove_perm`.
"""
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from pathways import batch


def permission_id(perm: str, model: type[models.Model]) -> int:
    """The id of "app_label.codename" for `model` (read once a batch). A permission of another
    model is refused, as guardian refuses it."""
    app_label, codename = perm.split(".")
    content_type = ContentType.objects.get_for_model(model)     # Django keeps these
    if content_type.app_label != app_label:
        raise ValueError(f"{perm} is not a permission of {model.__name__}.")
    return batch.once(("permission", content_type.pk, codename), lambda: Permission.objects.only(
        "pk").get(content_type=content_type, codename=codename).pk)


def grant(perm: str, holder, obj: models.Model) -> None:
    """Let `holder` (a user or a group) hold `perm` on `obj`, which must be saved."""
    if obj.pk is None or obj._state.adding:
        raise ValueError(f"{obj!r} must be saved before anything is granted on it.")
    if isinstance(holder, Group):
        table, field = get_group_obj_perms_model(obj), "group"
    else:
        table, field = get_user_obj_perms_model(obj), "user"
    if table._meta.get_field("content_object").remote_field.model is not type(obj):
        raise ValueError(f"{type(obj).__name__} has no permission table of its own.")
    batch.later(table(permission_id=permission_id(perm, type(obj)), content_object=obj,
                      **{field: holder}))
