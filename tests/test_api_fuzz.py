"""schemathesis against the live OpenAPI schema, as two roles: no server errors, and every
documented response matches the schema."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
FUZZ = settings(max_examples=6, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@pytest.fixture
def api_schema(db):
    """The schema loaded through the WSGI app. Like Django's test client, keep the request
    signals from closing the test's database connection (its transaction holds the data)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    from accounts.models import User

    token, _ = Token.objects.get_or_create(user=User.objects.get(username="coordinator"))
    # The schema is for signed-in integrators only (issue 10).
    yield schemathesis.openapi.from_wsgi("/api/schema/", application,
                                         headers={"Authorization": f"Token {token.key}"})
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


def call_as(case, users, username):
    token, _ = Token.objects.get_or_create(user=users[username])
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_api_as_coordinator(case, users):
    call_as(case, users, "coordinator")


@schema.parametrize()
@FUZZ
def test_api_as_commissioner(case, users):
    call_as(case, users, "commissioner")
