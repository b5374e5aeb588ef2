"""A member of staff signs in with NHS CIS2 (issue 31), in Chromium, by keyboard, with axe on
every Pathways page: against a real, certified OpenID Connect provider started on loopback
(tests/oidc_provider), with passwords off as in production.

They are refused at a low assurance level, wait for approval, are approved, sign in, make an
API token, and sign out; CIS2's back-channel logout then ends their session on another
device and their token.
"""
import time

import pytest
import requests
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.identity import access_request_approve
from accounts.models import AccessRequest, Organisation, User
from accounts.roles import Role
from cis2.keys import public_jwks
from notifications.models import Notice
from tests.cis2.provider import OidcProvider, private_key_pem

from .conftest import _server_idle, assert_accessible
from .keyboard import Keyboard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIENT_ID = "pathways-e2e"


@pytest.fixture
def cis2(site, settings):
    """Pathways as a CIS2 client of a provider that knows its public keys."""
    settings.PASSWORD_SIGN_IN = False
    settings.SITE_URL = site
    settings.CIS2_CLIENT_ID = CLIENT_ID
    settings.CIS2_PRIVATE_KEY = private_key_pem()
    provider = OidcProvider(client_id=CLIENT_ID, client_jwks=public_jwks(), site_url=site)
    settings.CIS2_SERVER_METADATA_URL = provider.metadata_url
    cache.clear()
    yield provider
    provider.stop()


def sign_in_at_cis2(page, keys, login, site):
    """From Pathways' sign-in page through the provider's own sign-in form, by keyboard."""
    page.goto("/accounts/login/")
    keys.press(page.get_by_role("button", name="Sign in with NHS CIS2"))
    keys.type(page.get_by_placeholder("Enter any login"), login)
    keys.type(page.get_by_placeholder("and password"), "not-checked-by-the-test-provider")
    with page.expect_navigation(url=lambda url: url.startswith(site)):
        page.keyboard.press("Enter")


def api_status(site, token):
    return requests.get(f"{site}/api/v1/me/tasks/", headers={"Authorization": f"Token {token}"},
                        timeout=10).status_code


def test_staff_sign_in_with_nhs_cis2(browser, page, keys, site, cis2):
    # Pathways publishes the keys the provider was given, at the address registered with it.
    assert page.request.get(f"{site}/auth/cis2/jwks.json").json() == public_jwks()

    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Pathways")
    expect(page.get_by_label("Password")).to_have_count(0)     # passwords are off
    expect(page.get_by_text("a password or a text message code is not enough")).to_be_visible()
    assert_accessible(page)

    # A password and a text message are assurance level 2: refused, and told why.
    sign_in_at_cis2(page, keys, "cis2-low-assurance", site)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign in with your smartcard or authenticator app")
    expect(page.get_by_text("This sign-in was at level 2")).to_be_visible()
    assert_accessible(page)

    # Someone Pathways does not know: no access, a request for an administrator.
    page.context.clear_cookies()
    sign_in_at_cis2(page, keys, "cis2-amara-osei", site)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your access to Pathways is waiting for approval")
    expect(page.get_by_text("NHS North Central London ICB (QMJ)")).to_be_visible()
    assert_accessible(page)
    page.goto("/work/")
    assert "/accounts/login/" in page.url
    _server_idle()
    assert Notice.objects.filter(user__username="admin",
                                 notification__kind="access_requested").exists()

    # An administrator approves them as a commissioner at their ICB.
    _server_idle()
    access_request_approve(
        request=AccessRequest.objects.get(cis2_uid="cis2-amara-osei"),
        by=User.objects.get(username="admin"), reason="New commissioner at NCL ICB",
        roles=[Role.COMMISSIONER], organisation=Organisation.objects.get(ods_code="QMJ"))

    # Signed in to CIS2 already, they come straight back signed in to Pathways.
    page.goto("/accounts/login/")
    keys.press(page.get_by_role("button", name="Sign in with NHS CIS2"))
    page.wait_for_url(f"{site}/work/")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(
        "Amara Osei, North Central London ICB")
    assert_accessible(page)

    # A token for a system of theirs, made from this session.
    page.goto("/accounts/api-token/")
    keys.press(page.get_by_role("button", name="Make a token"))
    token = page.locator("#api-token").inner_text()
    assert_accessible(page)
    assert api_status(site, token) == 200

    # The same person on another device.
    other = browser.new_context(base_url=site, locale="en-GB")
    other_page = other.new_page()
    sign_in_at_cis2(other_page, Keyboard(other_page), "cis2-amara-osei", site)
    other_page.wait_for_url(f"{site}/work/")

    # Signing out of Pathways signs them out of CIS2 too: the header's link, then the button
    # that signs out (a POST)...
    keys.press(page.get_by_role("link", name="Sign out"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign out of Pathways")
    assert_accessible(page)
    keys.press(page.get_by_role("button", name="Sign out"))
    expect(page.get_by_role("button", name="Yes, sign me out")).to_be_focused()
    with page.expect_navigation(url=f"{site}/auth/cis2/signed-out/"):
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out of Pathways")
    assert_accessible(page)

    # ...and CIS2's back-channel logout ends their other session and their token.
    deadline = time.monotonic() + 10
    while api_status(site, token) != 401 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert api_status(site, token) == 401, "\n".join(cis2.log)
    other_page.goto("/work/")
    assert "/accounts/login/" in other_page.url
    other.close()
