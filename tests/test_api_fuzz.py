"""The API contract, fuzzed with schemathesis on all of its checks (issue 18): status codes,
content types and bodies as documented, invalid requests rejected, valid ones accepted.

Each operation is fuzzed as three roles, then the stateful phase follows the schema's links
(a referral is triaged, a waiting case assigned and then closed, an action updated).
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

FUZZ = settings(max_examples=8, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@pytest.fixture
def api_schema(db):
    """The schema loaded through the WSGI app. Like Django's test client, keep the request
    signals from closing the test's database connection (its transaction holds the data)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from accounts.models import User
    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    token, _ = Token.objects.get_or_create(user=User.objects.get(username="coordinator"))
    # The schema is for signed-in integrators only (issue 10).
    yield schemathesis.openapi.from_wsgi("/api/schema/", application,
                                         headers={"Authorization": f"Token {token.key}"})
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


# Rules a JSON schema cannot state: the NHS number's check digit, a referenced record that
# must exist and be open, dates judged against today, and a searched reference's shape (PW-
# with or without its dash, in any case). A schema-valid request may be
# refused for these alone, with the field named; any other 400 on valid data is a contract bug.
RULES_BEYOND_THE_SCHEMA = {
    "nhs_number", "current_unit", "intervenor", "owner", "date_of_birth", "lts_start_date",
    "reason", "text", "evidence", "transition", "route", "concerns", "reference",
}


@schemathesis.check
def valid_data_is_refused_only_for_rules_beyond_the_schema(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    body = response.json()
    fields = {name.split(".")[0] for name in body.get("errors", {})}
    if body.get("code") != "invalid" and not fields or fields - RULES_BEYOND_THE_SCHEMA:
        raise AssertionError(f"Valid data refused for {sorted(fields) or body}: state the "
                             "rule in the schema, or list it in RULES_BEYOND_THE_SCHEMA")
    return True


CHECKS = {"excluded_checks": [positive_data_acceptance],
          "additional_checks": [valid_data_is_refused_only_for_rules_beyond_the_schema]}


def auth(users, username) -> dict:
    token, _ = Token.objects.get_or_create(user=users[username])
    return {"Authorization": f"Token {token.key}"}


# schemathesis' parametrisation does not combine with pytest's, so one test a role.
@schema.parametrize()
@FUZZ
def test_every_operation_keeps_its_contract_as_coordinator(case, users):
    """Slow (over 20 s): every operation of the API, fuzzed by schemathesis."""
    case.call_and_validate(headers=auth(users, "coordinator"), **CHECKS)


@schema.parametrize()
@FUZZ
def test_every_operation_keeps_its_contract_as_commissioner(case, users):
    """Slow (over 20 s): every operation of the API, fuzzed by schemathesis."""
    case.call_and_validate(headers=auth(users, "commissioner"), **CHECKS)


@schema.parametrize()
@FUZZ
def test_every_operation_keeps_its_contract_as_intervenor(case, users):
    """Slow (over 20 s): every operation of the API, fuzzed by schemathesis."""
    case.call_and_validate(headers=auth(users, "intervenor"), **CHECKS)


# Asking for an export is described exactly, one body a kind (security round 3, finding 11):
# schemathesis' own positive-data check holds with no exemption and no extra rule.
@schema.include(operation_id="exports_create").parametrize()
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_valid_export_request_is_accepted(case, users):
    with __import__("unittest.mock").mock.patch("exports.services.build_export.delay"):
        case.call_and_validate(headers=auth(users, "oversight"))


# Operations whose every rule the schema states (round 4): schemathesis' own positive-data
# check holds on them with no exemption. Finding a person: any NHS number or reference of the
# declared shape is searched (and finds nobody, or someone the asker may see).
@schema.include(operation_id="people_find").parametrize()
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_valid_search_is_accepted(case, users):
    case.call_and_validate(headers=auth(users, "commissioner"))


# Asking for a token with a username and password (where passwords are on): well-formed
# credentials that sign nobody in are a 401, which the check accepts of a credentials
# operation; a 400 would be a refused valid request. Fewer examples than the throttle allows.
@schema.include(path_regex="/auth/token/$", method="POST").parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_well_formed_token_request_is_accepted_or_refused_as_unauthorised(case):
    case.call_and_validate(headers={})


@pytest.mark.parametrize("username", ["coordinator", "intervenor"])
def test_following_the_links_keeps_the_contract(api_schema, users, username):
    headers = auth(users, username)

    class Journey(api_schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # Say which headers were ours, so the checks judge the auth we sent.
            case.validate_response(response, headers=headers, transport_kwargs=kwargs,
                                   **CHECKS)

    Journey.run(settings=settings(max_examples=6, stateful_step_count=5, deadline=None,
                                  derandomize=True, suppress_health_check=list(HealthCheck)))


def test_the_schema_declares_the_links_between_steps(api_schema):
    raw = api_schema.raw_schema
    triage = raw["paths"]["/api/v1/referrals/"]["post"]["responses"]["201"]["links"]
    assert triage["TriageTheReferral"]["parameters"] == {"id": "$response.body#/id"}
    close = raw["paths"]["/api/v1/intervenor-cases/{id}/assign/"]["post"]["responses"]["200"]
    assert "CloseTheCase" in close["links"]
