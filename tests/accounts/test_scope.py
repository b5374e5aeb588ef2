"""accounts.selectors.scope reads direct grant tables itself: it must give exactly the rows
guardian's get_objects_for_user gives, for every role and every scoped kind of record, for
grants held by the user and grants held through a group."""
import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm, get_objects_for_user

from accounts.models import User
from accounts.selectors import scope
from intervenors.models import IntervenorCase
from referrals.models import Person, Referral
from reviews.models import Action, Review

pytestmark = pytest.mark.django_db

SCOPED = [("referrals.view_person", Person), ("referrals.view_referral", Referral),
          ("reviews.view_review", Review), ("reviews.view_action", Action),
          ("intervenors.view_intervenorcase", IntervenorCase)]


def guardians(user, perm, model):
    return set(get_objects_for_user(user, perm, klass=model.objects.all(),
                                    accept_global_perms=False, with_superuser=False)
               .values_list("pk", flat=True))


def ours(user, perm, model):
    return set(scope(user, perm, model.objects.all()).values_list("pk", flat=True))


def test_scope_equals_guardians_own_query_for_every_user_and_record(users):
    compared = seen = 0
    for user in User.objects.filter(is_active=True):
        for perm, model in SCOPED:
            if scope(user, perm, model.objects.all()).query.where:   # not a model-wide reader
                rows = ours(user, perm, model)
                assert rows == guardians(user, perm, model), (user, perm)
                compared += 1
                seen += bool(rows)
    assert compared > 20 and seen > 10


def test_a_grant_through_a_group_counts_and_one_for_another_kind_does_not(users):
    user = users["commissioner2"]
    action = Action.objects.exclude(pk__in=scope(user, "reviews.view_action",
                                                 Action.objects.all())).filter(
        case__isnull=True).first()
    review = action.review
    group = Group.objects.create(name="A panel's guests")
    user.groups.add(group)
    assign_perm("reviews.change_action", group, action)       # another permission
    assign_perm("reviews.view_review", group, review)         # another kind of record
    assert action.pk not in ours(user, "reviews.view_action", Action)
    assign_perm("reviews.view_action", group, action)
    assert action.pk in ours(user, "reviews.view_action", Action)
    assert ours(user, "reviews.view_action", Action) == guardians(user, "reviews.view_action",
                                                                 Action)
    user.groups.remove(group)
    assert action.pk not in ours(user, "reviews.view_action", Action)


def test_nobody_signed_out_or_disabled_sees_anything(users):
    user = users["commissioner"]
    assert ours(user, "referrals.view_person", Person)
    user.is_active = False
    assert not ours(user, "referrals.view_person", Person)
