"""Malformed input on every API operation and every form (issue 10): control characters,
deep nesting, oversize strings and lists, non-ASCII digits and wrong types are a 4xx with a
message, never a 500, and nothing is saved.

API bodies are built from the OpenAPI schema, so a new operation is covered as soon as it is
documented; forms from the URL conf, so a new page with a form is covered too.
"""
import json
import re

import pytest
from rest_framework.test import APIClient

from audit.models import Decision
from intervenors.models import IntervenorCase
from referrals.models import Concern, Person, Referral
from reviews.models import Action, ActionUpdate, Review
from tests.workflows.test_access_matrix import EXPECTED, app_urls, object_url

pytestmark = pytest.mark.django_db
ROLES = ["commissioner", "coordinator", "intervenor", "oversight", "chair"]
MODELS = [Person, Referral, Concern, Review, Action, ActionUpdate, IntervenorCase, Decision]
HUGE = "x" * 100_000
ODD_DIGITS = "٩٤٣٤٧٦٥٩١٩"


def counts():
    return [m.objects.count() for m in MODELS]


def operations(schema):
    """(method, path, property schemas) for every operation that takes a body."""
    components = schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not body:
                continue
            ref = body["schema"].get("$ref", "")
            properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
            yield method, path, properties


def bad_values(prop):
    kind = prop.get("type")
    yield "\x00nul"
    yield HUGE
    yield ODD_DIGITS
    yield {"nested": {"deeper": [1, 2, 3]}}
    if kind == "array":
        yield ["a"] * 3000
    if kind in ("string", None):
        yield 12345
        yield ["a", "b"]
    if kind in ("integer", "number", "boolean"):
        yield "not a number"


def bad_bodies(properties):
    yield "[" * 3000 + "]" * 3000
    yield "[]"
    yield "not json at all"
    for name, prop in properties.items():
        for value in bad_values(prop):
            yield json.dumps({name: value, **{k: "\x07" for k in properties if k != name}})


@pytest.fixture
def schema(users):
    client = APIClient()
    client.force_authenticate(users["coordinator"])
    return client.get("/api/schema/", {"format": "json"}).json()


def test_every_api_operation_refuses_malformed_bodies_cleanly(users, schema):
    some_pk = {"referral": Referral.objects.first().pk, "case": IntervenorCase.objects.filter(
        status="active").first().pk, "action": Action.objects.filter(status="open").first().pk}
    before = counts()
    tried = 0
    for method, path, properties in operations(schema):
        target = ("action" if "/actions/" in path else "case" if "intervenor-cases" in path
                  else "referral")
        url = re.sub(r"\{[^}]+\}", str(some_pk[target]), path)
        for username in ROLES:
            client = APIClient()
            client.force_authenticate(users[username])
            for body in bad_bodies(properties):
                response = getattr(client, method)(url, body, content_type="application/json")
                assert 400 <= response.status_code < 500, (url, username, body[:80],
                                                           response.status_code)
                data = response.json()
                assert data.get("message"), (url, data)
                tried += 1
    assert tried > 300
    assert counts() == before


FORM_FIELDS = ["text", "reason", "summary", "findings", "nhs_number", "date_of_birth",
               "scheduled_for", "held_on", "due_date", "owner", "intervenor", "route", "chair",
               "outcome", "kind", "occurred_on", "plan", "evidence", "transition", "source",
               "severity", "description", "lts_start_date", "current_unit", "requested_route",
               "condition", "confirm", "recs-TOTAL_FORMS", "concerns-TOTAL_FORMS",
               "recs-0-due_date", "recs-0-owner", "concerns-0-description"]


def bad_forms():
    """(data, invalid): `invalid` data must save nothing; the rest is odd but may be valid
    free text (a reason written in Arabic-Indic digits is still a reason), so it need only
    not break anything."""
    yield dict.fromkeys(FORM_FIELDS, HUGE), True
    yield {name: ["1", "2", "3"] for name in FORM_FIELDS}, False   # a form reads the last
    yield {"recs-TOTAL_FORMS": "100000", "concerns-TOTAL_FORMS": "100000",
           "recs-INITIAL_FORMS": "-5", "concerns-INITIAL_FORMS": "x"}, True
    yield dict.fromkeys(FORM_FIELDS, "bad\x00value"), True
    yield dict.fromkeys(FORM_FIELDS, ODD_DIGITS), False
    yield dict.fromkeys(FORM_FIELDS, "not-a-uuid-or-date"), False


def test_every_form_refuses_malformed_posts_cleanly(client_for, users):
    from tests.workflows.test_access_matrix import objects as matrix_objects

    objects = matrix_objects.__wrapped__(users)
    tried = 0
    for name, route, _ in app_urls():
        kind = EXPECTED[name][0]
        url = object_url(route, kind, objects) if kind else "/" + route
        url = re.sub(r"<[^>]+>", "x", url)
        for username in ROLES:
            client = client_for(username)
            for data, invalid in bad_forms():
                before = counts()
                response = client.post(url, data)
                assert response.status_code < 500, (name, username, response.status_code)
                if invalid:
                    assert counts() == before, (name, username, list(data)[:3])
                tried += 1
    assert tried > 500
