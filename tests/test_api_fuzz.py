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
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


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
