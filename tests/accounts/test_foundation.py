"""The ground everything stands on: sign-in, homes, no-access, settings and demo data."""
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from accounts.roles import ROLE_PERMISSIONS, Role

pytestmark = pytest.mark.django_db

HOMES = {  # everyone who does casework starts on "My work"
    **dict.fromkeys(["commissioner", "commissioner2", "coordinator", "chair", "chair2", "expert",
                     "intervenor", "intervenor2", "intervenor3", "oversight", "wardmanager"],
                    "/work/"),
    "admin": "/admin/",
}
HEADINGS = {
    "/work/": "<h1>My work</h1>",
    "/referrals/": "My organisation&#x27;s referrals",
    "/referrals/queue/": "Triage queue",
    "/reviews/": "eviews",
    "/intervenors/caseload/": "My caseload",
    "/actions/": "Actions from reviews and senior intervenors",
    "/admin/": "Site administration",
}


@pytest.mark.parametrize("username", sorted(HOMES))
def test_each_demo_user_signs_in_with_the_password_and_lands_on_their_home(client, username):
    response = client.post(reverse("login"), {"username": username,
                                              "password": "pathways-demo"}, follow=True)
    assert response.redirect_chain[-1][0] == HOMES[username]
    assert response.status_code == 200
    assert HEADINGS[HOMES[username]] in response.content.decode()


def test_wrong_password_shows_a_clear_error_and_signs_nobody_in(client):
    response = client.post(reverse("login"), {"username": "coordinator", "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_even_with_the_right_password(client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "chair", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "chair", "password": "pathways-demo"})
    assert response.status_code == 429
    assert "locked" in response.content.decode()


def test_a_user_without_a_role_sees_the_no_access_page(client):
    user = User.objects.create_user("norole", password="a-long-password-123")
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/referrals/queue/", "/reviews/", "/intervenors/caseload/"])
def test_anonymous_people_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_rotates_the_session_and_logout_ends_it(client):
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    client.post(reverse("login"), {"username": "coordinator", "password": "pathways-demo"})
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after
    client.post(reverse("logout"))
    assert client.get("/referrals/queue/").status_code == 302


def test_the_header_links_to_a_sign_out_page_and_only_its_post_signs_out(client_for):
    client = client_for("coordinator")
    header = client.get("/work/").content.decode()
    assert f'href="{reverse("logout")}"' in header
    page = client.get(reverse("logout"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Sign out of Pathways" in body and 'name="csrfmiddlewaretoken"' in body
    assert client.get("/referrals/queue/").status_code == 200     # a GET signs nobody out
    client.post(reverse("logout"))
    assert client.get("/referrals/queue/").status_code == 302
    assert client.get(reverse("logout"))["Location"] == reverse("cis2:signed_out")


def test_signed_in_pages_are_not_stored_by_caches(client_for):
    response = client_for("coordinator").get("/referrals/queue/")
    assert response["Cache-Control"] == "no-store"


def test_check_deploy_passes_with_production_settings():
    from tests.cis2.provider import private_key_pem

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**env, "DEBUG": "false", "SECRET_KEY": "x" * 20 + "production-secret-" + "y" * 30,
           "ALLOWED_HOSTS": "pathways.example.nhs.uk", "SECURE_SSL_REDIRECT": "true",
           # Production signs in through NHS CIS2 (issue 31); its key comes as one line.
           "CIS2_SERVER_METADATA_URL": "https://cis2.example.nhs.uk/.well-known/openid-configuration",
           "CIS2_CLIENT_ID": "pathways", "CIS2_PRIVATE_KEY": private_key_pem().replace("\n", "\\n")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_local_fallback_secret_key():
    env = {**os.environ, "DEBUG": "false", "SECURE_SSL_REDIRECT": "true"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, check=False)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_migrations_are_in_step_with_models():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_seed_demo_twice_gives_the_same_counts(django_db_blocker):
    from django.apps import apps

    def counts():
        return {m._meta.label: m.objects.count() for m in apps.get_models()}

    before = counts()
    call_command("seed_demo", force=True, verbosity=0, history=False)
    assert counts() == before
    assert before["referrals.Person"] == 40
    # With its three years of history (as `make run` loads it), once and once only.
    call_command("seed_demo", force=True, verbosity=0)
    with_history = counts()
    assert with_history["referrals.Person"] == 1040
    call_command("seed_demo", force=True, verbosity=0)
    assert counts() == with_history


def test_seed_demo_refuses_without_debug_or_force(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", verbosity=0)


def test_every_role_exists_with_exactly_its_declared_permissions():
    from django.contrib.auth.models import Group

    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(perms), role
    assert {str(r) for r in Role} <= set(Group.objects.values_list("name", flat=True))


def test_only_coordinators_and_oversight_hold_model_wide_casework_reads():
    from django.contrib.auth.models import Group

    casework = {"person", "referral", "review", "action", "intervenorcase"}
    for group in Group.objects.exclude(name__in=[Role.COORDINATOR, Role.OVERSIGHT]):
        for perm in group.permissions.all():
            assert not (perm.codename.startswith("view_")
                        and perm.content_type.model in casework), (group.name, perm.codename)


def test_celery_runs_eagerly_without_a_broker_url():
    if os.environ.get("REDIS_URL"):
        assert settings.CELERY_BROKER_URL.startswith("redis://")
    else:
        assert settings.CELERY_BROKER_URL == "memory://"
