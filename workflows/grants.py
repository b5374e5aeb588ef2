"""Object permissions re-derived from relationships, to find and mend drift (issue 6, S4, S5).

Services grant and revoke as relationships start and end; this module says, from the rows
alone, what the grants should be, so a nightly check can prove nothing has drifted.
"""
from collections import namedtuple

from django.contrib.contenttypes.models import ContentType
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from intervenors.models import IntervenorCase
from referrals.models import Person, Referral
from reviews.models import Action, PanelMember, Review

Grant = namedtuple("Grant", "holder holder_id perm model object_pk")
MODELS = [Person, Referral, Review, Action, IntervenorCase]


def _group(org) -> int:
    return org.commissioners_group_id


def expected() -> set[Grant]:
    grants: set[Grant] = set()

    def add(holder, holder_id, perm, obj):
        if holder_id is not None:
            grants.add(Grant(holder, holder_id, perm, obj._meta.model_name, str(obj.pk)))

    for person in Person.objects.select_related("commissioner"):
        add("group", _group(person.commissioner), "view_person", person)
    for referral in Referral.objects.select_related("organisation", "person"):
        add("group", _group(referral.organisation), "view_referral", referral)
        add("group", _group(referral.organisation), "view_person", referral.person)
    for member in PanelMember.objects.filter(user__isnull=False).select_related(
            "review__person", "review__referral__organisation"):
        review = member.review
        add("user", member.user_id, "view_review", review)
        add("user", member.user_id, "view_person", review.person)
        add("user", member.user_id, "view_referral", review.referral)
        if member.role == PanelMember.PanelRole.CHAIR:
            add("user", member.user_id, "change_review", review)
            for action in review.actions.all():
                add("user", member.user_id, "view_action", action)
    for review in Review.objects.select_related("referral__organisation"):
        add("group", _group(review.referral.organisation), "view_review", review)
    for action in Action.objects.select_related("review__referral__organisation",
                                                "case__referral__organisation",
                                                "case__intervenor"):
        if action.case_id is None:
            add("group", _group(action.review.referral.organisation), "view_action", action)
        else:   # agreed on an intervenor case: read as the case is read (decision 0027)
            case = action.case
            add("group", _group(case.referral.organisation), "view_action", action)
            if case.intervenor_id and case.status != IntervenorCase.Status.WAITING:
                add("user", case.intervenor.user_id, "view_action", action)
        if action.owner_id is not None:
            add("user", action.owner_id, "view_action", action)
            add("user", action.owner_id, "change_action", action)
    for case in IntervenorCase.objects.select_related("referral__organisation", "intervenor",
                                                      "person"):
        add("group", _group(case.referral.organisation), "view_intervenorcase", case)
        if case.intervenor_id and case.status != IntervenorCase.Status.WAITING:
            user_id = case.intervenor.user_id
            add("user", user_id, "view_intervenorcase", case)
            add("user", user_id, "view_person", case.person)
            if case.status == IntervenorCase.Status.ACTIVE:
                add("user", user_id, "change_intervenorcase", case)
    return grants


def actual() -> set[Grant]:
    """Grants as stored: in each model's direct tables, plus any left in guardian's generic
    tables (there should be none; guardian would ignore them, so they count as drift)."""
    grants = set()
    for model in MODELS:
        name = model._meta.model_name
        for holder, table in (("user", get_user_obj_perms_model(model)),
                              ("group", get_group_obj_perms_model(model))):
            for holder_id, codename, pk in table.objects.values_list(
                    f"{holder}_id", "permission__codename", "content_object_id"):
                grants.add(Grant(holder, holder_id, codename, name, str(pk)))
    types = ContentType.objects.get_for_models(*MODELS).values()
    for holder, table in (("user", UserObjectPermission), ("group", GroupObjectPermission)):
        for holder_id, codename, model, pk in table.objects.filter(
                content_type__in=types).values_list(
                f"{holder}_id", "permission__codename", "content_type__model", "object_pk"):
            grants.add(Grant(holder, holder_id, codename, model, f"generic:{pk}"))
    return grants


def drift() -> tuple[set[Grant], set[Grant]]:
    """(missing, extra): grants the relationships call for but are absent, and the reverse.

    A former panel member or a reassigned intervenor keeps nothing: read after closure is the
    only grant that outlives a relationship, and it is part of `expected()`.
    """
    want, have = expected(), actual()
    return want - have, have - want


def mend(missing: set[Grant], extra: set[Grant]) -> None:
    from django.contrib.auth.models import Group
    from django.db import transaction
    from guardian.shortcuts import remove_perm

    from accounts.grants import grant as grant_to
    from accounts.models import User

    by_model = {m._meta.model_name: m for m in MODELS}
    with transaction.atomic():
        for grant, assign in [(g, True) for g in missing] + [(g, False) for g in extra]:
            if grant.object_pk.startswith("generic:"):   # a stray generic row: remove it
                table = UserObjectPermission if grant.holder == "user" else GroupObjectPermission
                table.objects.filter(**{f"{grant.holder}_id": grant.holder_id},
                                     permission__codename=grant.perm,
                                     content_type__model=grant.model,
                                     object_pk=grant.object_pk.removeprefix("generic:")).delete()
                continue
            holder = (User if grant.holder == "user" else Group).objects.get(pk=grant.holder_id)
            obj = by_model[grant.model].objects.get(pk=grant.object_pk)
            app = obj._meta.app_label
            (grant_to if assign else remove_perm)(f"{app}.{grant.perm}", holder, obj)
