"""A user's roles and permissions read in one query (User.load_access) equal what Django reads
in three, for every demo user, a direct grant, a superuser and someone switched off."""
import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User

pytestmark = pytest.mark.django_db


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def _django_reads(user) -> tuple[set, set]:
    fresh = _fresh(user)
    return (set(fresh.groups.values_list("name", flat=True)),
            ModelBackend().get_all_permissions(fresh))


def test_every_demo_users_roles_and_permissions_equal_djangos(users):
    assert len(users) >= 8
    for user in users.values():
        roles, perms = _django_reads(user)
        mine = _fresh(user)
        assert mine.role_names == roles, user.username
        assert mine.get_all_permissions() == perms, user.username


def test_a_direct_permission_counts_and_one_query_reads_all(users):
    user = users["commissioner"]
    user.user_permissions.add(Permission.objects.get(codename="view_accesslogentry"))
    expected = _django_reads(user)[1]
    mine = _fresh(user)
    with CaptureQueriesContext(connection) as read:
        assert mine.has_perm("audit.view_accesslogentry")
        assert mine.has_role("Commissioner")
        assert mine.get_all_permissions() == expected
    assert len(read) == 1


def test_a_superuser_has_every_permission_and_a_switched_off_user_none(users):
    admin = _fresh(users["admin"])
    admin.is_superuser = True
    assert admin.get_all_permissions() == {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")}
    off = _fresh(users["coordinator"])
    off.is_active = False
    assert off.get_all_permissions() == set()
    assert not off.has_perm("referrals.triage_referral")
