"""Shared fixtures. The demo data is loaded once into the test database and every ordinary
test runs inside a transaction that is rolled back, so tests see the same starting state."""
import contextlib
import logging
import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from tests.parallel import own_redis_databases

own_redis_databases(settings)

# Passwords hashed quickly (tests/hashers.py says why, and why servers still read them).
settings.PASSWORD_HASHERS = ["tests.hashers.QuickPBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]

# An undefined name in one of our Jinja pages fails the test that draws it (config/jinja2.py):
# every page is drawn for every role by tests/workflows/test_access_matrix.py.
settings.TEMPLATES_STRICT_UNDEFINED = True

IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str, *, needed_in_ci: bool = True):
    """Skip when a service is missing locally; fail in CI, where it must be there."""
    if condition:
        return
    if IN_CI and needed_in_ci:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


def database_url_is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.fixture
def postgres():
    """For tests that need PostgreSQL itself (row locks, triggers, real threads)."""
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)",
            needed_in_ci=database_url_is_postgres())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", force=True, verbosity=0, history=False)


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    """Tests run tasks in-process; only the worker smoke test talks to a real broker."""
    from django.core.cache import cache

    from config.celery import app

    cache.clear()   # throttle counters
    settings.SECURE_SSL_REDIRECT = False
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


NOTIFY_CALLBACK_TOKEN = "a-callback-token-of-ours"


@pytest.fixture
def notify_service(settings):
    """GOV.UK Notify for this test: our local server speaking its v2 API
    (tests/notify_server.py), with a live key, one template and the callback token set."""
    from tests.notify_server import FakeNotify

    server = FakeNotify().start()
    settings.NOTIFY_API_KEY = server.service.api_key("live")
    settings.NOTIFY_BASE_URL = server.url
    settings.NOTIFY_TEMPLATE_ID = server.template()
    settings.NOTIFY_TEMPLATE_IDS = {}
    settings.NOTIFY_CALLBACK_BEARER_TOKEN = NOTIFY_CALLBACK_TOKEN
    settings.NOTIFY_TIMEOUT = 2
    server.callback_token = NOTIFY_CALLBACK_TOKEN
    yield server
    server.stop()


@pytest.fixture
def users(db):
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def client_for(client, users):
    """client_for("coordinator") → a test client signed in as that demo user."""
    from django.test import Client

    def make(username):
        c = Client()
        if username is not None:
            c.force_login(users[username])
        return c

    return make


# No personal data in logs (issue 17): everything the app logs during the whole run is kept
# and, at the end, searched for the demo people's NHS numbers and for the free text the demo
# and the tests write into records. A hit fails the run.
class _LogCollector(logging.Handler):
    lines: list[str] = []

    def emit(self, record):
        with contextlib.suppress(Exception):   # a line that cannot be formatted is not kept
            self.lines.append(self.format(record))


FREE_TEXT_SENTINELS = ["Fictional demo", "no community provider", "Restrained daily",
                       "Family cannot visit", "Demo concern raised", "No discharge plan",
                       "Daily plan agreed", "Signed activity plan", "The ward now leads"]


def pytest_configure(config):
    from django.conf import settings as django_settings

    collector = _LogCollector()
    collector.setFormatter(logging.Formatter("%(name)s %(message)s %(args)s"))
    if django_settings.configured:
        from config.observability import logging_config

        formatter = logging_config()["formatters"]["json"]
        from structlog.stdlib import ProcessorFormatter

        collector.setFormatter(ProcessorFormatter(
            processor=formatter["processor"], foreign_pre_chain=formatter["foreign_pre_chain"]))
    logging.getLogger().addHandler(collector)    # every logger's lines reach the root
    config._pathways_logs = collector


def pytest_sessionfinish(session, exitstatus):
    collector = getattr(session.config, "_pathways_logs", None)
    if collector is None or not collector.lines:
        return
    from demo.management.commands.seed_demo import PEOPLE, demo_nhs_number

    numbers = {demo_nhs_number(i) for i in range(len(PEOPLE))}
    leaks = [line for line in collector.lines
             if any(n in line for n in numbers) or any(
                 s.lower() in line.lower() for s in FREE_TEXT_SENTINELS)]
    if leaks:
        print("\nPersonal data found in the logs:\n" + "\n".join(leaks[:20]))
        session.exitstatus = 1
