"""Malformed input on every API operation and every form (issue 10): control characters,
deep nesting, oversize strings and lists, non-ASCII digits and wrong types are a 4xx with a
message, never a 500, and nothing is saved.

API bodies are built from the OpenAPI schema, so a new operation is covered as soon as it is
documented; forms from the URL conf, so a new page with a form is covered too.
"""
import json
import re
from pathlib import Path

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
            component = components.get(ref.rsplit("/", 1)[-1], {})
            properties = dict(component.get("properties", {}))
            for choice in component.get("oneOf", []):     # one body a kind: all their fields
                properties |= components[choice["$ref"].rsplit("/", 1)[-1]]["properties"]
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


ROOT = Path(__file__).resolve().parents[2]
READS = re.compile(r"""request\.(?:POST|GET|query_params|data)(?:\.get|\.getlist)?[(\[]\s*["'](\w+)["']""")


def parameter_names() -> set[str]:
    """Every parameter a view reads by name, and every field of every form in the product
    (security round 3, finding 7): a new parameter is fuzzed as soon as it is read."""
    import importlib
    import inspect

    from django import forms

    names = set()
    for path in ROOT.glob("*/*.py"):
        if path.parent.name in ("tests", "config", ".venv") or path.parent.name.startswith("."):
            continue
        names |= set(READS.findall(path.read_text()))
        if path.name == "forms.py":
            module = importlib.import_module(f"{path.parent.name}.forms")
            for _, form in inspect.getmembers(module, inspect.isclass):
                if issubclass(form, forms.BaseForm) and form.__module__ == module.__name__:
                    for name, field in form.base_fields.items():
                        names.add(name)
                        if isinstance(field.widget, forms.MultiWidget):   # date parts
                            names |= {f"{name}{suffix}" for suffix in field.widget.widgets_names}
    return names


def test_the_parameter_scan_finds_what_the_views_read():
    names = parameter_names()
    assert {"to", "reason", "page", "kind", "nhs_number", "start_day"} <= names, sorted(names)


def bad_forms(names):
    """(data, invalid): `invalid` data must save nothing; the rest is odd but may be valid
    free text (a reason written in Arabic-Indic digits is still a reason), so it need only
    not break anything. The oversize values go to the free-text fields only (every field at
    100,000 characters is over a megabyte a request); every other odd value to every name."""
    yield dict.fromkeys(FORM_FIELDS, HUGE), True
    yield {name: ["1", "2", "3"] for name in names}, False   # a form reads the last
    yield {"recs-TOTAL_FORMS": "100000", "concerns-TOTAL_FORMS": "100000",
           "recs-INITIAL_FORMS": "-5", "concerns-INITIAL_FORMS": "x"}, True
    yield dict.fromkeys(names, "bad\x00value"), True
    yield dict.fromkeys(names, ODD_DIGITS), False
    yield dict.fromkeys(names, "not-a-uuid-or-date"), False
    yield dict.fromkeys(names, "9" * 40), False


@pytest.mark.parametrize("username", ROLES)
def test_every_form_refuses_malformed_posts_cleanly(client_for, users, username):
    """Every form (URL) as each role, each with every bad body, counting the rows before and
    after each (a test a role, so that parallel workers share them)."""
    from tests.workflows.test_access_matrix import objects as matrix_objects

    objects = matrix_objects.__wrapped__(users)
    names = sorted(parameter_names() | set(FORM_FIELDS))
    tried = 0
    for name, route, _ in app_urls():
        kind = EXPECTED[name][0]
        url = object_url(route, kind, objects) if kind else "/" + route
        url = re.sub(r"<[^>]+>", "x", url)
        client = client_for(username)
        for data, invalid in bad_forms(names):
            before = counts()
            response = client.post(url, data)
            assert response.status_code < 500, (name, username, response.status_code)
            if invalid:
                assert counts() == before, (name, username, list(data)[:3])
            tried += 1
    assert tried > 100


HUGE_NUMBERS = ["9" * 19, "9" * 40, "-1", "١٢٣", "1e9"]


@pytest.mark.parametrize("username", ROLES)
def test_every_page_takes_any_parameter_with_any_number_without_a_500(client_for, users,
                                                                      username):
    """Every GET page, as each role, with every parameter the code reads set to huge, negative
    and odd numbers, all at once and one list's page alone (a test a role). Up to about 22 s
    for a role that reaches many pages: some 60 pages × 15 requests, which is its point."""
    from tests.workflows.test_access_matrix import objects as matrix_objects

    objects = matrix_objects.__wrapped__(users)
    names = sorted(parameter_names())
    tried = 0
    for name, route, _ in app_urls():
        kind = EXPECTED[name][0]
        url = object_url(route, kind, objects) if kind else "/" + route
        if "<" in url or name in ("logout",):
            continue
        client = client_for(username)
        for value in HUGE_NUMBERS:
            for query in (dict.fromkeys(names, value), {"page": value}, {"notes": value}):
                response = client.get(url, query)
                assert response.status_code < 500, (name, username, value,
                                                    response.status_code)
                tried += 1
    assert tried > 200


def test_every_api_list_takes_any_query_parameter_without_a_500(users, schema):
    """Every GET operation of the API, each of its query parameters a huge or odd number: a
    400 naming the parameter, or an answer, never a 500."""
    some_pk = {"referral": Referral.objects.first().pk, "case": IntervenorCase.objects.filter(
        status="active").first().pk, "action": Action.objects.filter(status="open").first().pk}
    tried = 0
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if not operation:
            continue
        target = ("action" if "/actions/" in path else "case" if "intervenor-cases" in path
                  else "referral")
        url = re.sub(r"\{[^}]+\}", str(some_pk[target]), path)
        params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        for username in ROLES:
            client = APIClient()
            client.force_authenticate(users[username])
            for value in HUGE_NUMBERS:
                for query in [{p: value} for p in params] or [{}]:
                    response = client.get(url, query)
                    assert response.status_code < 500, (url, username, query,
                                                        response.status_code)
                    if response.status_code == 400:
                        assert set(response.json().get("errors", {})) & set(query), (
                            url, query, response.json())
                    tried += 1
    assert tried > 200
