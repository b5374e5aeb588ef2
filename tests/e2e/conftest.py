"""Browser journeys: Playwright driving Debian's Chromium against the live test server.

Locally, a machine without /usr/bin/chromium skips these; in CI they must run (CI=true).
Every page a journey visits is checked with axe-core against WCAG 2.2 A and AA rules.
"""
import os
import re
import shutil
import time

import pytest

from tests.conftest import require
from tests.demo_state import demo_loaded

CHROMIUM = "/usr/bin/chromium"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]



@pytest.fixture(scope="session")
def browser():
    require(shutil.which("chromium") is not None or os.path.exists(CHROMIUM),
            "Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread for the rest of the session;
    # the tests' own ORM calls (and the database flush after each) are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, settings):
    """The live server with the demo data loaded (transactional tests start empty)."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    demo_loaded()
    return live_server.url


def _server_idle(seconds: float = 10) -> None:
    """On SQLite the live server thread shares the test's in-memory database connection; wait
    until it has finished any request still in flight (say, one the last test's browser left
    behind) before the test uses the connection itself, so the two never overlap."""
    from django.db import connection

    deadline = time.monotonic() + seconds
    while ((connection.in_atomic_block or not connection.get_autocommit())
           and time.monotonic() < deadline):
        time.sleep(0.05)


@pytest.fixture
def page(browser, site):
    """A page that fails its test if the browser refuses anything under the CSP."""
    _server_idle()
    context = browser.new_context(base_url=site, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []
    page.on("console", lambda message: violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    _server_idle()
    assert not violations, "CSP violations:\n" + "\n".join(violations)


def sign_in(page, username):
    """Sign in by keyboard: Tab to each box, type, Enter."""
    from .keyboard import Keyboard

    keys = Keyboard(page)
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    keys.type(page.get_by_label("Username"), username)
    keys.type(page.get_by_label("Password"), "pathways-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def open_from_menu(page, name):
    """Follow a link in the main navigation by keyboard (everyone lands on "My work")."""
    from .keyboard import Keyboard

    nav = page.get_by_role("navigation", name="Main")
    link = nav.get_by_role("link", name=name, exact=True).first
    keys = Keyboard(page)
    if not link.is_visible():
        # The design system's header moves what does not fit into its "More" menu.
        keys.press(nav.get_by_role("button", name=re.compile("More$")), navigates=False)
    keys.press(link)


@pytest.fixture
def keys(page):
    from .keyboard import Keyboard

    return Keyboard(page)


def assert_accessible(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
