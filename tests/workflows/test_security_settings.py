"""Promises kept by configuration: flow locks, sessions, accounts switched off."""
import pytest
from django.conf import settings
from viewflow.workflow.lock import SelectForUpdateLock

from workflows.flows import IntervenorFlow, ReferralFlow, ReviewFlow

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("flow", [ReferralFlow, ReviewFlow, IntervenorFlow])
def test_every_flow_locks_its_process_row_and_waits(flow):
    """S21: not viewflow's default no_lock; wait for the lock rather than fail at once."""
    assert isinstance(flow.lock_impl, SelectForUpdateLock)
    assert flow.lock_impl.nowait is False


def test_sessions_expire_when_idle_and_cookies_are_not_readable_by_scripts():
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_a_disabled_account_loses_access_on_its_next_request(client_for, users):
    client = client_for("coordinator")
    assert client.get("/referrals/queue/").status_code == 200
    users["coordinator"].is_active = False
    users["coordinator"].save()
    response = client.get("/referrals/queue/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_leaving_an_organisation_ends_access_to_its_people_at_once(client_for, users):
    from accounts.services import user_set_organisation
    from referrals.models import Referral

    # A referral the commissioner sees only through their organisation (no panel seat).
    referral = Referral.objects.filter(organisation__name__startswith="North",
                                       status="submitted").first()
    client = client_for("commissioner")
    assert client.get(f"/referrals/{referral.pk}/").status_code == 200
    user_set_organisation(user=users["commissioner"],
                          organisation=users["commissioner2"].organisation)
    assert client.get(f"/referrals/{referral.pk}/").status_code == 404


def test_a_global_permission_given_by_mistake_does_not_widen_a_commissioners_lists(
        client_for, users):
    """S3: model-wide reads come only through the coordinator and oversight roles."""
    from django.contrib.auth.models import Permission

    from referrals.models import Referral

    perm = Permission.objects.get(codename="view_referral")
    users["commissioner2"].user_permissions.add(perm)
    page = client_for("commissioner2").get("/referrals/").content.decode()
    for referral in Referral.objects.filter(organisation__name__startswith="North"):
        assert referral.person.reference not in page


def test_repeated_refused_ids_raise_one_alert(client_for, caplog):
    import uuid

    client = client_for("commissioner2")
    with caplog.at_level("WARNING", logger="pathways.security"):
        for _ in range(7):
            assert client.get(f"/referrals/{uuid.uuid4()}/").status_code == 404
    alerts = [r for r in caplog.records
              if r.levelname == "ERROR" and "access_alert" in r.getMessage()]
    assert len(alerts) == 1
    assert "\n" not in alerts[0].getMessage()


def test_an_unexpected_error_shows_the_plain_error_page_not_a_trace(client_for, monkeypatch):
    from referrals import views

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(views.selectors, "triage_queue", broken)
    client = client_for("coordinator")
    client.raise_request_exception = False
    response = client.get("/referrals/queue/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in body
    assert "database on fire" not in body and "Traceback" not in body
