"""The sign-in pages and endpoints through Django's test client: the published keys, the
back-channel logout, the approval page, and production with no password anywhere (issue 31).
The full exchange with a real provider is the browser journey (tests/e2e/test_cis2_journey.py)."""
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import authenticate
from django.test import Client
from joserfc.jwk import RSAKey

from accounts.identity import Identity, identity_sign_in
from accounts.models import AccessRequest, User
from accounts.roles import Role
from accounts.services import api_token_issue, password_link_send, user_update_account
from audit.models import Decision
from cis2.client import LOGOUT_EVENT
from pathways.errors import NotAllowedError
from tests.cis2.conftest import CLIENT_ID, sign
from tests.cis2.provider import private_key_pem

pytestmark = pytest.mark.django_db


def test_pathways_publishes_its_public_keys_and_no_private_part(issuer, settings):
    own = RSAKey.import_key(settings.CIS2_PRIVATE_KEY)
    next_key = RSAKey.import_key(private_key_pem())
    public_pem = next_key.as_pem(private=False).decode()
    settings.CIS2_EXTRA_PUBLIC_KEYS = public_pem          # a rotation under way: both published
    response = Client().get("/auth/cis2/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert {key["kid"] for key in keys} == {own.thumbprint(), next_key.thumbprint()}
    for key in keys:
        assert key["alg"] == "RS512" and key["use"] == "sig" and key["kty"] == "RSA"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_nothing_of_cis2_exists_until_it_is_set_up(client):
    for url in ("/auth/cis2/sign-in/", "/auth/cis2/callback/", "/auth/cis2/jwks.json"):
        assert client.get(url).status_code == 404
    assert client.post("/auth/cis2/backchannel-logout/").status_code == 404


def logout_token(issuer, sub, **changes):
    claims = {"iss": issuer.url, "aud": CLIENT_ID, "sub": sub, "iat": int(time.time()),
              "jti": uuid.uuid4().hex, "events": {LOGOUT_EVENT: {}}, **changes}
    return sign(claims, issuer.key)


def test_a_back_channel_logout_ends_the_persons_sessions_and_token(issuer, users):
    user = users["coordinator"]
    user.cis2_uid = "cis2-coordinator"
    user.save()
    browser = Client()
    browser.force_login(user)
    token, _ = api_token_issue(user)
    provider = Client(enforce_csrf_checks=True)           # a server-to-server POST, no session
    response = provider.post("/auth/cis2/backchannel-logout/",
                             {"logout_token": logout_token(issuer, "cis2-coordinator")})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert browser.get("/referrals/queue/").status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(
        "/api/v1/me/tasks/").status_code == 401


def test_a_wrong_logout_token_ends_nothing(issuer, users):
    user = users["coordinator"]
    user.cis2_uid = "cis2-coordinator"
    user.save()
    browser = Client()
    browser.force_login(user)
    for data in ({}, {"logout_token": "nonsense"},
                 {"logout_token": logout_token(issuer, "cis2-coordinator", nonce="n")},
                 {"logout_token": logout_token(issuer, "cis2-coordinator", aud="other")}):
        response = Client().post("/auth/cis2/backchannel-logout/", data)
        assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert browser.get("/referrals/queue/").status_code == 200
    assert not Decision.objects.filter(kind=Decision.Kind.SESSIONS_ENDED).exists()


def test_the_sign_in_page_says_which_way_in_is_on(issuer, settings, client):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with NHS CIS2" in page and "Password sign-in is on beside NHS CIS2" in page
    settings.PASSWORD_SIGN_IN = False
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with NHS CIS2" in page and 'name="password"' not in page
    settings.CIS2_CLIENT_ID = ""
    assert "Sign-in is not set up" in client.get("/accounts/login/").content.decode()


def test_signing_in_starts_at_the_provider_with_the_way_back(issuer, client):
    response = client.get("/auth/cis2/sign-in/?next=/referrals/queue/")
    assert response.status_code == 302 and response["Location"].startswith(f"{issuer.url}/auth?")
    assert "code_challenge=" in response["Location"]
    assert client.session["cis2_flow"]["next"] == "/referrals/queue/"


def test_an_administrator_approves_a_request_from_the_admin(users, client_for):
    identity_sign_in(Identity(uid="cis2-new", name="Nia Patel", email="nia.patel@nhs.example",
                              organisations=({"ods_code": "QMJ", "name": "NCL ICB"},),
                              assurance=3))
    request = AccessRequest.objects.get()
    admin = client_for("admin")
    url = f"/admin/accounts/accessrequest/{request.pk}/change/"
    form = admin.get(url)
    assert form.status_code == 200 and "Nia Patel" in form.content.decode()
    refused = admin.post(url, {"decision": "approve", "decision_reason": "New commissioner"})
    assert refused.status_code == 200 and "Choose at least one role" in refused.content.decode()
    org = users["commissioner"].organisation
    done = admin.post(url, {"decision": "approve", "roles": [Role.COMMISSIONER.value],
                            "organisation": org.pk, "decision_reason": "New commissioner"})
    assert done.status_code == 302
    user = User.objects.get(cis2_uid="cis2-new")
    assert user.has_role(Role.COMMISSIONER) and user.organisation == org
    assert AccessRequest.objects.get().status == AccessRequest.Status.APPROVED
    assert admin.get(url).status_code == 200           # read only once decided
    assert client_for("coordinator").get(url).status_code in (302, 403)


# --- production: no password anywhere ---------------------------------------------------------

@pytest.fixture
def no_passwords(settings):
    settings.PASSWORD_SIGN_IN = False


def test_every_password_route_answers_404(no_passwords, users, client_for):
    anyone = Client()
    assert anyone.post("/accounts/login/", {"username": "coordinator",
                                            "password": "pathways-demo"}).status_code == 404
    assert anyone.get("/accounts/password/MQ/set-password/").status_code == 404
    assert anyone.get("/accounts/password/done/").status_code == 404
    admin = client_for("admin")
    assert admin.get("/admin/password_change/").status_code == 404
    assert admin.get(f"/admin/accounts/user/{users['coordinator'].pk}/password/").status_code == 404
    response = anyone.post("/api/v1/auth/token/", {"username": "coordinator",
                                                   "password": "pathways-demo"})
    assert response.status_code == 403 and "NHS CIS2" in response.json()["message"]
    from django.test import RequestFactory

    assert authenticate(RequestFactory().post("/accounts/login/"), username="coordinator",
                        password="pathways-demo") is None


def test_the_admin_has_no_sign_in_form_and_no_password_action(no_passwords, client_for):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    changelist = client_for("admin").get("/admin/accounts/user/").content.decode()
    assert "send_password_link" not in changelist


def test_the_security_probes_takeover_path_has_nothing_left_to_use(no_passwords, users):
    admin, victim = users["admin"], users["coordinator"]
    user_update_account(user=victim, by=admin, reason="Typo in address",
                        email="attacker@example.com", organisation=victim.organisation)
    superuser = User.objects.create(username="root", is_superuser=True, is_staff=True)
    for sender in (admin, superuser):
        with pytest.raises(NotAllowedError, match="Passwords are switched off"):
            password_link_send(user=victim, by=sender)


def test_a_token_comes_from_a_signed_in_session(no_passwords, client_for):
    browser = client_for("coordinator")
    response = browser.post("/api/v1/auth/token/", content_type="application/json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/tasks/").status_code == 200
    assert client_for("coordinator").post("/api/v1/auth/token/", {"username": "x"},
                                          content_type="application/json").status_code == 400
    page = browser.post("/accounts/api-token/")
    assert page.status_code == 200 and 'id="api-token"' in page.content.decode()
    assert Client(HTTP_AUTHORIZATION=f"Token {token}").get(
        "/api/v1/me/tasks/").status_code == 401             # the page's new token replaced it


@pytest.mark.parametrize("debug, flag, expected", [
    ("false", None, "False"), ("true", None, "True"), ("false", "true", "True")])
def test_passwords_are_off_in_production_unless_switched_on(debug, flag, expected):
    env = {"DEBUG": debug, "DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin"}
    if flag is not None:
        env["PASSWORD_SIGN_IN"] = flag
    script = "from django.conf import settings; print(settings.PASSWORD_SIGN_IN)"
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, cwd=django_settings.BASE_DIR, check=True)
    assert result.stdout.strip() == expected


def test_passwords_end_leaves_no_password_anywhere(settings, users):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("passwords_end")                  # passwords still on: refused
    assert User.objects.get(username="coordinator").has_usable_password()
    settings.PASSWORD_SIGN_IN = False
    out = StringIO()
    call_command("passwords_end", stdout=out)
    assert "Removed the password" in out.getvalue()
    assert not any(user.has_usable_password() for user in User.objects.all())
    assert User.history.filter(history_change_reason__startswith="Passwords ended").exists()
