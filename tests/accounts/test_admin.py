"""Administrators manage reference data through the admin; changes go through services."""
from datetime import date

import pytest

from audit.models import Decision
from referrals.models import CqcRating, PriorityPolicy, Referral, Unit
from referrals.selectors import triage_queue

pytestmark = pytest.mark.django_db


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
