"""Who owns an action, who may move it, and separation of duties (issue 10, finding 1).

An action is owned by one named person. Staff organisations (CQC, NHS England) are never
owners; the oversight group follows actions up but never verifies one it owns or completed.
"""
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Organisation, User
from accounts.roles import Role
from accounts.services import user_set_organisation
from audit.models import Decision
from pathways.errors import ConflictError, DomainError, NotAllowedError
from reviews import selectors
from reviews.models import Action
from reviews.services import action_set_owner, action_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(users):
    return Action.objects.filter(status="open", owner=users["commissioner"]).first()


def make_user(username, *roles, organisation=None):
    user = User.objects.create_user(username, password="a-long-password-123",
                                    email=f"{username}@example.nhs.uk")
    user.groups.add(*Group.objects.filter(name__in=[str(r) for r in roles]))
    if organisation is not None:
        user_set_organisation(user=user, organisation=organisation)
    return User.objects.get(pk=user.pk)


def test_staff_of_cqc_and_nhs_england_see_no_action_they_do_not_own(users, action):
    """The probe's finding: naming CQC as owner let every CQC user move the action."""
    cqc = Organisation.objects.get(kind="cqc")
    other_cqc_user = make_user("another-cqc-reviewer", Role.CHAIR, organisation=cqc)
    assert not selectors.actions_visible(other_cqc_user).exists()
    assert not selectors.actions_visible(users["chair2"]).filter(
        review__panel__user=users["chair"]).exclude(review__panel__user=users["chair2"]).exists()
    for username in ("chair2", "intervenor", "wardmanager"):
        with pytest.raises(NotAllowedError):
            action_update(action=action, by=users[username], text="Not mine",
                          transition="start")
    action.refresh_from_db()
    assert action.status == "open"


def test_a_coordinator_or_the_oversight_group_cannot_be_named_owner(users, action):
    for username in ("coordinator", "oversight", "chair", "admin"):
        with pytest.raises(DomainError):
            action_set_owner(action=action, by=users["coordinator"], owner=users[username],
                             reason="probe")


def test_only_the_owner_starts_and_completes_and_someone_else_verifies(users, action):
    with pytest.raises(NotAllowedError, match="named owner"):
        action_update(action=action, by=users["oversight"], text="Done", transition="complete",
                      evidence="x")
    action_update(action=action, by=users["commissioner"], text="Done",
                  transition="complete", evidence="Signed plan")
    action.refresh_from_db()
    assert action.completed_by == users["commissioner"]
    with pytest.raises(NotAllowedError):
        action_update(action=action, by=users["commissioner"], text="Verify my own",
                      transition="verify")
    action_update(action=action, by=users["oversight"], text="Checked", transition="verify")
    action.refresh_from_db()
    assert (action.status, action.verified_by) == ("verified", users["oversight"])


def test_someone_holding_two_roles_cannot_verify_what_they_completed(users, action):
    nhse = Organisation.objects.get(name="NHS England")
    both = make_user("owner-and-oversight", Role.OVERSIGHT, Role.ACTION_OWNER, organisation=nhse)
    action_set_owner(action=action, by=users["coordinator"], owner=both, reason="Handover")
    action_update(action=action, by=both, text="Done", transition="complete", evidence="Plan")
    action.refresh_from_db()
    with pytest.raises(NotAllowedError, match="someone else"):
        action_update(action=action, by=both, text="Self-check", transition="verify")
    with pytest.raises(NotAllowedError):
        action_update(action=action, by=both, text="Reopen mine", transition="reopen")
    assert ("verify", "Verify completion") not in selectors.action_transitions_for(both, action)
    action_update(action=action, by=users["oversight"], text="Checked", transition="verify")


def test_changing_the_owner_moves_access_at_once_and_is_a_decision(users, action, client_for):
    old, new = users["commissioner"], users["wardmanager"]
    page = reverse("reviews:action", args=[action.pk])
    assert client_for("wardmanager").get(page).status_code == 404
    response = client_for("coordinator").post(
        reverse("reviews:action_owner", args=[action.pk]),
        {"owner": new.pk, "reason": "The ward now leads this"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.owner, action.owner_organisation) == (new, new.organisation)
    assert client_for("wardmanager").get(page).status_code == 200
    # The old owner's organisation referred the person, so it still reads the action, but
    # the old owner can no longer change it.
    assert client_for("commissioner").post(page, {"text": "x"}).status_code == 403
    assert not old.has_perm("reviews.change_action", action)
    decision = Decision.objects.filter(kind="action_owner_changed",
                                       subject_id=str(action.pk)).get()
    assert decision.actor == users["coordinator"] and decision.reason == "The ward now leads this"
    assert action.history.first().history_change_reason == "The ward now leads this"


def test_changing_the_owner_needs_a_reason_and_an_open_action(users, action, client_for):
    response = client_for("coordinator").post(
        reverse("reviews:action_owner", args=[action.pk]), {"owner": users["wardmanager"].pk})
    assert response.status_code == 400
    assert "Give the reason for changing the owner" in response.content.decode()
    with pytest.raises(NotAllowedError):
        action_set_owner(action=action, by=users["oversight"], owner=users["wardmanager"],
                         reason="not theirs to do")
    action_update(action=action, by=users["commissioner"], text="Done",
                  transition="complete", evidence="Plan")
    with pytest.raises(ConflictError):
        action_set_owner(action=action, by=users["coordinator"], owner=users["wardmanager"],
                         reason="too late")


def test_the_api_refuses_what_the_pages_refuse(users, action):
    def api(username):
        client = APIClient()
        client.force_authenticate(users[username])
        return client

    url = f"/api/v1/actions/{action.pk}/updates/"
    refused = api("oversight").post(url, {"text": "x", "transition": "complete",
                                          "evidence": "y"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    owner_url = f"/api/v1/actions/{action.pk}/owner/"
    assert api("chair").post(owner_url, {"owner": users["wardmanager"].pk, "reason": "r"},
                             format="json").status_code == 403
    bad = api("coordinator").post(owner_url, {"owner": users["oversight"].pk, "reason": "r"},
                                  format="json")
    assert bad.status_code == 400 and "owner" in bad.json()["errors"]
    good = api("coordinator").post(owner_url, {"owner": users["wardmanager"].pk,
                                               "reason": "Ward leads"}, format="json")
    assert good.status_code == 200 and good.json()["owner_id"] == users["wardmanager"].pk


def test_an_action_issued_before_named_owners_can_be_given_one(users, action):
    Action.objects.filter(pk=action.pk).update(owner=None)   # as migrated from the old model
    action.refresh_from_db()
    assert selectors.action_transitions_for(users["commissioner"], action) == []
    action_set_owner(action=action, by=users["coordinator"], owner=users["commissioner"],
                     reason="Named after the move to personal owners")
    action.refresh_from_db()
    assert action.owner == users["commissioner"]
    owner = User.objects.get(pk=users["commissioner"].pk)   # a fresh permission cache
    assert owner.has_perm("reviews.change_action", action)


def test_the_migration_to_named_owners_derives_the_grants_the_relationships_call_for(users):
    """reviews 0003 run over existing actions: organisation-wide grants go, owners matched by
    name get theirs, the referring commissioners keep read access; nothing drifts after."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission

    from workflows.grants import drift

    migration = importlib.import_module("reviews.migrations.0003_actions_owned_by_people")
    # Actions agreed on cases came later (reviews 0015): the migration never saw one.
    Action.objects.filter(case__isnull=False).delete()
    action = Action.objects.filter(owner=users["commissioner"]).first()
    cqc = Organisation.objects.get(kind="cqc")
    cqc_group = Group.objects.create(name="CQC staff (old style)")
    # The old, too-wide grant, in guardian's generic table as it was stored then.
    GroupObjectPermission.objects.create(
        group=cqc_group, permission=Permission.objects.get(codename="change_action"),
        content_type=ContentType.objects.get_for_model(Action), object_pk=str(action.pk))
    migration.forward(apps, None)
    # Later migrations then move every grant to the direct tables (workflows 0006).
    importlib.import_module("workflows.migrations.0006_grants_to_direct_tables").forward(
        apps, None)
    missing, extra = drift()
    assert not missing and not extra
    assert cqc.pk and not cqc_group.groupobjectpermission_set.exists()
    assert not cqc_group.actiongroupobjectpermission_set.exists()


def test_the_action_page_offers_each_person_only_the_boxes_they_can_use(users, action,
                                                                        client_for):
    """Issue 44: the owner sees no cancelling reason; the evidence box sits under "completed";
    each reader is told what happens next."""
    page = reverse("reviews:action", args=[action.pk])
    owner = client_for("commissioner").get(page).content.decode()
    assert "Evidence of completion" in owner and "Reason for cancelling" not in owner
    # The evidence box belongs to "completed": the page's script shows it only then.
    assert owner.index('data-reveal-value="complete"') < owner.index("Evidence of completion")
    assert "comes back to you" in owner

    follower = client_for("oversight").get(page).content.decode()
    assert "Reason for cancelling" in follower and "Evidence of completion" not in follower
    assert f"{action.owner_name} works on it" in follower

    # A box for a change not offered is not read either: the owner cannot cancel by posting.
    response = client_for("commissioner").post(page, {"text": "Done", "transition": "cancel",
                                                      "reason": "Not needed"})
    assert response.status_code == 400
    action.refresh_from_db()
    assert action.status == "open"
