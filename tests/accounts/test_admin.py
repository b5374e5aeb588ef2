"""Administrators manage reference data through the admin; changes go through services."""
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from audit.models import Decision
from pathways.errors import NotAllowedError
from referrals.models import CqcRating, PriorityPolicy, Referral, Unit
from referrals.selectors import triage_queue

pytestmark = pytest.mark.django_db


def roles_of(user) -> set[str]:
    return User.objects.get(pk=user.pk).role_names & set(Role.values)


def test_a_new_priority_policy_needs_a_reason_and_old_snapshots_keep_their_version(
        client_for, users):
    admin = client_for("admin")
    form = {name: getattr(PriorityPolicy.objects.get(version=1), name)
            for name in PriorityPolicy.WEIGHT_FIELDS}
    form["points_inadequate"] = 25
    form["concern_points_cap"] = 40
    response = admin.post("/admin/referrals/prioritypolicy/add/", {**form, "reason": ""})
    assert response.status_code == 200 and PriorityPolicy.objects.count() == 1
    response = admin.post("/admin/referrals/prioritypolicy/add/",
                          {**form, "reason": "Inadequate units weigh more (panel decision)"})
    assert response.status_code == 302
    policy = PriorityPolicy.objects.get(version=2)
    assert policy.points_inadequate == 25 and policy.created_by == users["admin"]
    assert policy.concern_points_cap == 40
    assert Decision.objects.filter(kind="policy_changed", actor=users["admin"]).exists()
    snapshot = Referral.objects.exclude(priority_policy=None).first()
    assert snapshot.priority_policy.version == 1
    assert triage_queue(users["coordinator"])[0].priority.policy_version == 2


def test_recording_a_rating_in_the_admin_changes_the_unit_and_the_queue(client_for, users):
    unit = Unit.objects.get(name="Cedar Lodge")
    response = client_for("admin").post("/admin/referrals/cqcrating/add/", {
        "unit": str(unit.pk), "rating": "inadequate", "rated_on": str(date.today())})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.cqc_rating == "inadequate"
    assert CqcRating.objects.filter(unit=unit).count() == 2
    assert unit.history.latest().history_user == users["admin"]


def test_the_admin_holds_no_casework(client_for):
    admin = client_for("admin")
    for path in ("/admin/referrals/person/", "/admin/referrals/referral/",
                 "/admin/intervenors/intervenorcase/", "/admin/workflows/decision/"):
        assert admin.get(path).status_code == 404
    assert admin.get("/admin/accounts/user/").status_code == 200
    assert admin.get("/admin/referrals/unit/").status_code == 200
    assert client_for("coordinator").get("/admin/").status_code == 302


# The administrator manages accounts but cannot reach casework (issue 10, finding 2) -------

def _account_post(user, **changes):
    data = {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email or "x@example.nhs.uk",
            "job_title": user.job_title, "is_active": "on" if user.is_active else "",
            "organisation": str(user.organisation_id or ""),
            "roles": list(user.groups.filter(name__in=Role.values).values_list("name", flat=True)),
            "reason": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_the_account_form_has_no_superuser_staff_group_or_permission_fields(client_for, users):
    page = client_for("admin").get(f"/admin/accounts/user/{users['commissioner'].pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    for field in ("is_superuser", "is_staff", "user_permissions", "groups", "password"):
        assert f'name="{field}"' not in html, field
    assert 'value="Administrator"' not in html     # only a superuser offers that role


def test_the_administrator_cannot_make_itself_superuser_or_join_the_oversight_group(
        client_for, users):
    admin = users["admin"]
    url = f"/admin/accounts/user/{admin.pk}/change/"
    client_for("admin").post(url, _account_post(
        admin, roles=["Administrator", "Oversight group"], is_superuser="on",
        groups=[str(g.pk) for g in Group.objects.all()], reason="escalate"))
    assert not User.objects.get(pk=admin.pk).is_superuser
    assert roles_of(admin) == {"Administrator"}
    assert client_for("admin").get(reverse("referrals:queue")).status_code == 403
    assert client_for("admin").get(reverse("oversight:equality")).status_code == 403
    assert not Decision.objects.filter(kind="role_granted").exists()


def test_a_role_granted_by_an_administrator_needs_a_reason_and_is_recorded(client_for, users):
    target = users["commissioner"]
    url = f"/admin/accounts/user/{target.pk}/change/"
    response = client_for("admin").post(url, _account_post(
        target, roles=["Commissioner", "Senior intervenor"]))
    assert response.status_code == 200 and "Give the reason" in response.content.decode()
    assert roles_of(target) == {"Commissioner"}
    response = client_for("admin").post(url, _account_post(
        target, roles=["Commissioner", "Senior intervenor"],
        reason="Appointed as a senior intervenor (panel minute 12)"))
    assert response.status_code == 302
    assert roles_of(target) == {"Commissioner", "Senior intervenor"}
    decision = Decision.objects.get(kind="role_granted", subject_id=str(target.pk))
    assert decision.actor == users["admin"] and "panel minute 12" in decision.reason
    assert decision.facts == {"role": "Senior intervenor"}
    row = target.history.first()
    assert row.history_user == users["admin"] and "+Senior intervenor" in \
        row.history_change_reason
    client_for("admin").post(url, _account_post(target, roles=["Commissioner"],
                                                reason="Appointment ended"))
    assert Decision.objects.filter(kind="role_removed", subject_id=str(target.pk)).exists()


def test_administrators_cannot_grant_the_administrator_role_or_touch_a_superuser(users):
    from accounts.services import user_set_roles

    with pytest.raises(NotAllowedError):
        user_set_roles(user=users["commissioner"], roles=["Commissioner", "Administrator"],
                       by=users["admin"], reason="more admins")
    with pytest.raises(NotAllowedError):
        user_set_roles(user=users["admin"], roles=["Administrator", "Oversight group"],
                       by=users["admin"], reason="myself")
    root = User.objects.create_superuser("root", "root@example.nhs.uk", "a-long-password-123")
    with pytest.raises(NotAllowedError):
        user_set_roles(user=root, roles=["Commissioner"], by=users["admin"], reason="x")
    with pytest.raises(NotAllowedError):
        user_set_roles(user=users["commissioner"], roles=[], by=users["coordinator"],
                       reason="not an administrator")


def second_administrator():
    """Another administrator, appointed by a superuser (only a superuser gives that role)."""
    from accounts.services import user_set_roles

    root = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "root", "root@example.nhs.uk", "a-long-password-123")
    other = User.objects.create_user("admin2", "admin2@example.nhs.uk", first_name="Ola",
                                     last_name="Berg")
    user_set_roles(user=other, roles=["Administrator"], by=root, reason="Second administrator")
    return other


def test_the_administrator_never_sets_a_password_and_another_sends_the_new_accounts_link(
        client_for, users, mailoutbox, client, settings):
    settings.SITE_URL = "https://pathways.example.nhs.uk"
    admin = client_for("admin")
    target = users["oversight"]
    assert admin.get(f"/admin/accounts/user/{target.pk}/password/").status_code == 403
    response = admin.post("/admin/accounts/user/add/", {
        "username": "newcomm", "first_name": "Nia", "last_name": "Shah",
        "email": "newcomm@example.nhs.uk", "organisation": str(users["commissioner"].organisation_id),
        "is_active": "on", "roles": ["Commissioner"], "reason": "Joined the ICB team"}, follow=True)
    assert response.status_code == 200, response.content.decode()[:3000]
    new = User.objects.get(username="newcomm")
    assert not new.has_usable_password() and roles_of(new) == {"Commissioner"}
    assert new.organisation == users["commissioner"].organisation
    # Whoever typed the address does not send the link: another administrator checks it.
    assert mailoutbox == [] and new.email_set_by == users["admin"]
    assert "another administrator must check it" in response.content.decode()
    client.force_login(second_administrator())
    client.post("/admin/accounts/user/", {"action": "send_password_link",
                                          "_selected_action": [new.pk]})
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["newcomm@example.nhs.uk"]
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/password/" in line)
    assert link.startswith("https://pathways.example.nhs.uk/accounts/password/")   # SITE_URL
    path = link.split("pathways.example.nhs.uk", 1)[1]
    anonymous = client_for(None)
    form_page = anonymous.get(path, follow=True)
    assert "Set your password" in form_page.content.decode()
    done = anonymous.post(form_page.redirect_chain[-1][0], {
        "new_password1": "a-fresh-long-password-77", "new_password2": "a-fresh-long-password-77"})
    assert done.status_code == 302
    assert User.objects.get(pk=new.pk).check_password("a-fresh-long-password-77")


def test_deactivating_an_account_needs_a_reason_and_ends_its_session(client_for, users):
    target = users["commissioner2"]
    session = client_for("commissioner2")
    assert session.get("/referrals/").status_code == 200
    url = f"/admin/accounts/user/{target.pk}/change/"
    response = client_for("admin").post(url, _account_post(target, is_active="",
                                                           reason="Left the ICB"))
    assert response.status_code == 302
    assert not User.objects.get(pk=target.pk).is_active
    assert session.get("/referrals/").status_code == 302     # signed out at the next request
    assert Decision.objects.filter(kind="account_changed", subject_id=str(target.pk)).exists()


def test_the_lts_age_limits_change_in_the_admin_with_a_reason(client_for, users):
    from referrals.models import LtsAgeLimits
    from referrals.services import lts_age_limits_set

    limits = LtsAgeLimits.objects.first() or lts_age_limits_set(
        by=users["admin"], refuse_under=8, confirm_under=12, reason="The go-live setting.")
    admin = client_for("admin")
    url = f"/admin/referrals/ltsagelimits/{limits.pk}/change/"
    assert admin.get(url).status_code == 200
    refused = admin.post(url, {"refuse_under": 9, "confirm_under": 12, "reason": ""})
    assert refused.status_code == 200
    assert admin.post(url, {"refuse_under": 9, "confirm_under": 13,
                            "reason": "Oversight group, December meeting."}).status_code == 302
    limits.refresh_from_db()
    assert (limits.refuse_under, limits.confirm_under) == (9, 13)
    assert Decision.objects.filter(kind="lts_age_limits_changed", actor=users["admin"]).exists()
    assert client_for("coordinator").get(url).status_code in (302, 403, 404)
