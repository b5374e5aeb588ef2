"""The REST API: tokens, contracts per role, errors, CSV writing and query counts."""
import csv
import io
import uuid
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from audit.models import Decision
from intervenors.models import IntervenorCase
from intervenors.selectors import waiting_list
from referrals.models import Referral, Unit
from reviews.models import Action
from tests.factories import UnitFactory, make_referral, months_ago, valid_nhs_number

pytestmark = pytest.mark.django_db


def token_for(username):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": username,
                                                    "password": "pathways-demo"}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def api():
    def make(username=None):
        client = APIClient()
        if username:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(username)}")
        return client
    return make


def test_an_integrator_raises_triages_reads_the_queue_and_assigns_over_http(api, users):
    commissioner, coordinator = api("commissioner"), api("coordinator")
    unit = Unit.objects.get(name="Willow Ward")
    body = {"nhs_number": valid_nhs_number(), "date_of_birth": "1988-02-03",
            "condition": "autism", "current_unit": str(unit.pk),
            "lts_start_date": str(months_ago(24)), "requested_route": "intervenor",
            "reason": "Stuck for system reasons.",
            "concerns": [{"source": "family", "category": "restraint", "severity": "high",
                          "description": "Daily restraint."}]}
    response = commissioner.post("/api/v1/referrals/", body, format="json")
    assert response.status_code == 201, response.json()
    referral = response.json()
    assert referral["status"] == "submitted" and referral["priority_score"] == 24 + 20 + 10

    queue = coordinator.get("/api/v1/queue/").json()
    row = next(r for r in queue["results"] if r["referral_id"] == referral["id"])
    assert row["score"] == 54
    assert [c["key"] for c in row["score_breakdown"]["components"]] == [
        "lts_length", "cqc_rating", "concerns"]

    response = coordinator.post(f"/api/v1/referrals/{referral['id']}/triage/",
                                {"route": "intervenor", "reason": "Meets criteria"},
                                format="json")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    case = IntervenorCase.objects.get(referral_id=referral["id"])
    listing = coordinator.get("/api/v1/intervenor-cases/", {"status": "waiting"}).json()
    assert str(case.pk) in {c["id"] for c in listing["results"]}

    response = coordinator.post(f"/api/v1/intervenor-cases/{case.pk}/assign/", {
        "intervenor": str(users["intervenor3"].intervenor_profile.pk),
        "reason": "Region match"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "active"
    decision = Decision.objects.get(subject_id=str(case.pk), kind="case_assigned")
    assert decision.actor == users["coordinator"] and decision.reason == "Region match"


def test_the_capacity_error_over_the_api(api, users):
    case = waiting_list(users["coordinator"])[0].case
    response = api("coordinator").post(f"/api/v1/intervenor-cases/{case.pk}/assign/", {
        "intervenor": str(users["intervenor"].intervenor_profile.pk)}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "intervenor_capacity"
    assert "already has 3 active cases" in response.json()["message"]


def test_closing_over_the_api_proposes_then_confirms(api, users):
    case = IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                         status="active").first()
    url = f"/api/v1/intervenor-cases/{case.pk}/close/"
    assert api("intervenor").post(url, {"outcome": "discharged"},
                                  format="json").status_code == 400
    response = api("intervenor").post(url, {"outcome": "discharged", "reason": "Home"},
                                      format="json")
    assert response.json()["proposed_outcome"] == "discharged"
    mismatch = api("coordinator").post(url, {"outcome": "other", "reason": "x"}, format="json")
    assert mismatch.status_code == 409 and mismatch.json()["code"] == "outcome_mismatch"
    done = api("coordinator").post(url, {"outcome": "discharged", "reason": "Confirmed"},
                                   format="json")
    assert done.json()["status"] == "closed"
    assert api("intervenor2").post(url, {"outcome": "discharged", "reason": "x"},
                                   format="json").status_code == 404


def test_bad_input_is_a_400_with_field_errors_and_saves_nothing(api):
    before = Referral.objects.count()
    response = api("commissioner").post("/api/v1/referrals/", {
        "nhs_number": "9434765918", "date_of_birth": "1990-01-01", "condition": "autism",
        "current_unit": str(uuid.uuid4()), "lts_start_date": "2999-01-01",
        "requested_route": "nonsense", "reason": "x" * 5000}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {"current_unit", "requested_route", "reason"} <= set(body["errors"])
    response = api("commissioner").post("/api/v1/referrals/", {
        "nhs_number": "9434765918", "date_of_birth": "1990-01-01", "condition": "autism",
        "current_unit": str(Unit.objects.first().pk), "lts_start_date": "2020-01-01",
        "requested_route": "review", "reason": "x"}, format="json")
    assert response.status_code == 400 and "check digit" in response.json()["message"]
    assert api("commissioner").post("/api/v1/referrals/", "not json", content_type=
                                    "application/json").status_code == 400
    assert Referral.objects.count() == before


def test_server_set_fields_cannot_be_written(api):
    referral = Referral.objects.filter(status="submitted").first()
    client = api("coordinator")
    assert client.patch(f"/api/v1/referrals/{referral.pk}/", {"status": "accepted",
                                                              "priority_score": 1},
                        format="json").status_code == 405
    referral.refresh_from_db()
    assert referral.status == "submitted"


ENDPOINTS = ["/api/v1/referrals/{}/", "/api/v1/people/{}/", "/api/v1/people/{}/timeline/",
             "/api/v1/reviews/{}/", "/api/v1/actions/{}/updates/"]


@pytest.mark.parametrize("username", ["commissioner", "commissioner2", "coordinator", "chair",
                                      "chair2", "intervenor", "oversight", "expert"])
def test_guessed_ids_are_404_with_a_json_body(api, username):
    client = api(username)
    for template in ENDPOINTS:
        response = client.get(template.format(uuid.uuid4()))
        assert response.status_code in (403, 404), (template, response.status_code)
        assert response.json()["code"] in ("not_found", "permission_denied")


def test_another_organisations_records_are_invisible_over_the_api(api):
    a_referral = Referral.objects.filter(organisation__name__startswith="North").first()
    b = api("commissioner2")
    assert b.get(f"/api/v1/referrals/{a_referral.pk}/").status_code == 404
    assert b.get(f"/api/v1/people/{a_referral.person_id}/").status_code == 404
    ids = {r["id"] for r in b.get("/api/v1/referrals/", {"page_size": 200}).json()["results"]}
    assert str(a_referral.pk) not in ids
    assert not Referral.objects.filter(pk__in=ids, organisation__name__startswith="North")


@pytest.mark.parametrize("username,path,status", [
    (None, "/api/v1/referrals/", 401),
    ("commissioner", "/api/v1/queue/", 403),
    ("intervenor", "/api/v1/intervenors/", 403),
    ("chair", "/api/v1/intervenor-cases/", 403),
    ("oversight", "/api/v1/queue/", 200),
    ("coordinator", "/api/v1/intervenors/", 200),
])
def test_role_checks_on_lists(api, username, path, status):
    response = api(username).get(path)
    assert response.status_code == status
    if status != 200:
        assert {"code", "message"} <= set(response.json())


def test_only_coordinators_triage_over_the_api(api):
    referral = Referral.objects.filter(status="submitted",
                                       organisation__name__startswith="North").first()
    response = api("commissioner").post(f"/api/v1/referrals/{referral.pk}/triage/",
                                        {"route": "review"}, format="json")
    assert response.status_code == 403
    declined = api("coordinator").post(f"/api/v1/referrals/{referral.pk}/triage/",
                                       {"route": "decline", "reason": ""}, format="json")
    assert declined.status_code == 400 and declined.json()["errors"]["reason"]


def test_intervenors_list_shows_active_case_counts(api):
    rows = {r["name"]: r for r in api("coordinator").get("/api/v1/intervenors/").json()[
        "results"]}
    assert rows["Grace Murphy"]["active_case_count"] == 3
    assert rows["Iona Campbell"]["active_case_count"] == 0


def test_actions_filter_by_overdue_and_owner(api, users):
    org = users["commissioner"].organisation
    rows = api("oversight").get("/api/v1/actions/", {"overdue": "true"}).json()["results"]
    assert rows and all(r["overdue"] for r in rows)
    mine = api("oversight").get("/api/v1/actions/", {"owner_organisation": str(org.pk)}).json()
    assert {r["owner_organisation_id"] for r in mine["results"]} == {str(org.pk)}
    assert api("oversight").get("/api/v1/actions/", {"status": "bogus"}).status_code == 400


def test_action_updates_over_the_api_follow_the_same_rules(api, users):
    action = Action.objects.filter(status="open",
                                   owner_organisation=users["commissioner"].organisation).first()
    url = f"/api/v1/actions/{action.pk}/updates/"
    response = api("commissioner").post(url, {"text": "Done", "transition": "complete"},
                                        format="json")
    assert response.status_code == 400 and "evidence" in response.json()["message"]
    response = api("commissioner").post(url, {"text": "Started", "transition": "start"},
                                        format="json")
    assert response.status_code == 201 and response.json()["new_status"] == "in_progress"
    assert api("commissioner").post(url, {"text": "x", "transition": "verify"},
                                    format="json").status_code == 403
    assert api("commissioner2").post(url, {"text": "x"}, format="json").status_code == 404


def test_tokens_can_be_revoked_and_wrong_passwords_are_refused():
    client = APIClient()
    bad = client.post("/api/v1/auth/token/", {"username": "coordinator", "password": "no"},
                      format="json")
    # Well formed, signing nobody in: 401 with the Error body (round 4), not 400.
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_credentials"
    assert bad["WWW-Authenticate"] == 'Token realm="api"'
    malformed = client.post("/api/v1/auth/token/", {"username": "coordinator"}, format="json")
    assert malformed.status_code == 400 and malformed.json()["code"] == "invalid"
    token = token_for("coordinator")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/queue/").status_code == 200
    assert client.delete("/api/v1/auth/token/revoke/").status_code == 204
    assert client.get("/api/v1/queue/").status_code == 401


def test_the_token_endpoint_is_throttled():
    client = APIClient()
    codes = [client.post("/api/v1/auth/token/", {"username": "x", "password": "y"},
                         format="json").status_code for _ in range(12)]
    assert codes[-1] == 429


def test_the_schema_and_docs_are_served_to_signed_in_users_only(client, users):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/")["Location"].startswith("/accounts/login/?next=/api/docs/")
    client.force_login(users["commissioner"])
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/intervenor-cases/{id}/assign/" in (
        schema.content)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn." not in docs.content


def test_csv_cells_that_a_spreadsheet_would_run_are_kept_as_text():
    from pathways.csvfile import csv_text

    cells = ["=1+1", "+44 20", "-2", "@SUM(A1)", "\tx", "\rx", "plain", None, 7, date(2026, 1, 2)]
    text, count = csv_text(["a"] * len(cells), [cells] * 3)
    rows = list(csv.reader(io.StringIO(text)))
    assert count == 3
    assert rows[1:] == [["'=1+1", "'+44 20", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "plain", "",
                         "7", "2026-01-02"]] * 3


def _count(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path, {"page_size": 200}).status_code == 200
    return len(ctx.captured_queries)


LISTS = ["/api/v1/referrals/", "/api/v1/queue/", "/api/v1/intervenor-cases/",
         "/api/v1/actions/", "/api/v1/reviews/", "/api/v1/intervenors/"]


def test_list_endpoints_cost_the_same_at_two_sizes(api, users):
    client = api("oversight")
    unit = UnitFactory()
    small = {path: _count(client, path) for path in LISTS}
    for _ in range(20):
        make_referral(by=users["commissioner"], unit=unit)
    assert {path: _count(client, path) for path in LISTS} == small
