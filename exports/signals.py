"""When someone's access shrinks, what was made from their old access is closed.

An export is a file written from what its asker could see when they asked. Whenever a role, a
group or an object permission of theirs is taken away (a role withdrawn, a move to another
organisation, a panel left, a case handed on, a person transferred or erased), their open
exports are closed here, in the same transaction as the change, whichever service made it
(security round 3, finding 5). Receivers, not calls in each service: the class of change is
"a grant row disappears", and this catches every path that removes one.
"""
from django.apps import apps
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, pre_delete
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import User

from .services import exports_close_for


def _user_permission_removed(sender, instance, **kwargs):
    exports_close_for([instance.user_id], reason=f"a permission on a {sender._meta.verbose_name}"
                                                 " was removed")


def _group_permission_removed(sender, instance, **kwargs):
    members = User.objects.filter(groups=instance.group_id).values_list("pk", flat=True)
    exports_close_for(members, reason="a permission of one of their groups was removed")


def _group_being_deleted(sender, instance, **kwargs):
    exports_close_for(instance.user_set.values_list("pk", flat=True),
                      reason="one of their groups was deleted")


def _memberships_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_remove", "pre_clear"):
        return
    if not reverse:          # user.groups.remove(...) / .clear()
        users = [instance.pk]
    elif action == "pre_clear":   # group.user_set.clear()
        users = list(instance.user_set.values_list("pk", flat=True))
    else:                    # group.user_set.remove(...)
        users = list(pk_set or ())
    if users:
        exports_close_for(users, reason="a role or group was taken away")


def connect() -> None:
    """Every object-permission table (guardian's generic pair and each direct one), every
    group deletion and every change of group membership."""
    for model in apps.get_models():
        if issubclass(model, UserObjectPermissionBase):
            post_delete.connect(_user_permission_removed, sender=model,
                                dispatch_uid=f"exports-close-{model._meta.label}")
        elif issubclass(model, GroupObjectPermissionBase):
            post_delete.connect(_group_permission_removed, sender=model,
                                dispatch_uid=f"exports-close-{model._meta.label}")
    pre_delete.connect(_group_being_deleted, sender=Group, dispatch_uid="exports-close-group")
    m2m_changed.connect(_memberships_changed, sender=User.groups.through,
                        dispatch_uid="exports-close-membership")
