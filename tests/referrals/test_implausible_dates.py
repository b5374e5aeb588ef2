"""Impossible facts are refused with a message that says what to check (issue 32, first part):
the same rule in the form, the API and every service that records a person or an LTS start."""
from datetime import date

import pytest
from django.urls import reverse

from referrals.models import LtsAgeLimits, Person, Referral
from referrals.validation import OLDEST_AGE
from tests.security.test_findings import api, referral_body

pytestmark = pytest.mark.django_db
NEW_NUMBER = "9434765919"


def counts():
    return Person.objects.count(), Referral.objects.count()


@pytest.mark.parametrize("field,overrides", [
    ("date_of_birth", {"date_of_birth": "1880-03-01", "lts_start_date": "1990-01-01"}),
    ("lts_start_date", {"date_of_birth": "2024-01-01", "lts_start_date": "2025-02-01"}),
    ("lts_start_date", {"date_of_birth": "2010-06-01", "lts_start_date": "2018-05-31"}),
])
def test_the_api_refuses_an_implausible_person_and_saves_nothing(users, field, overrides):
    Person.objects.filter(nhs_number=NEW_NUMBER).delete()
    before = counts()
    response = api(users["commissioner"]).post("/api/v1/referrals/",
                                               referral_body(NEW_NUMBER, **overrides),
                                               format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert "Check" in response.json()["message"] or "Check" in str(response.json()["errors"])
    assert counts() == before


def test_the_edges_are_allowed():
    from referrals.validation import validate_date_of_birth, validate_lts_start

    today = date(2026, 12, 4)
    validate_date_of_birth(date(today.year - OLDEST_AGE, 12, 4), today)     # exactly 110
    born = date(2010, 6, 1)
    youngest = LtsAgeLimits.current().refuse_under
    validate_lts_start(date(2010 + youngest, 6, 1), born)                    # exactly 8


def test_the_form_says_what_to_check(client_for):
    from tests.referrals.test_views import referral_form

    Person.objects.filter(nhs_number=NEW_NUMBER).delete()
    before = counts()
    page = client_for("commissioner").post(reverse("referrals:create"), referral_form(
        nhs_number=NEW_NUMBER, date_of_birth_day="1", date_of_birth_month="3",
        date_of_birth_year="1880"))
    text = page.content.decode()
    assert page.status_code in (200, 400) and "over 110" in text
    assert counts() == before


def test_the_limits_are_data_changed_with_a_reason_as_a_decision(users):
    from audit.models import Decision
    from pathways.errors import DomainError
    from referrals.services import lts_age_limits_set
    from referrals.validation import validate_lts_start

    born = date(2010, 6, 1)
    with pytest.raises(DomainError, match="Say why"):
        lts_age_limits_set(by=users["admin"], refuse_under=10, confirm_under=12, reason=" ")
    with pytest.raises(DomainError, match="no higher"):
        lts_age_limits_set(by=users["admin"], refuse_under=13, confirm_under=12, reason="x")
    limits = lts_age_limits_set(by=users["admin"], refuse_under=10, confirm_under=13,
                                reason="The oversight group's review of the cohort.")
    assert LtsAgeLimits.current() == limits and LtsAgeLimits.objects.count() == 1
    with pytest.raises(DomainError, match="younger than 10"):
        validate_lts_start(date(2019, 6, 1), born)                           # 9
    decision = Decision.objects.get(kind=Decision.Kind.LTS_AGE_LIMITS_CHANGED)
    assert decision.facts["to"] == [10, 13] and decision.actor == users["admin"]
    assert limits.history.latest().history_change_reason.startswith("The oversight group")


def young_referral(users, age=9):
    """A referral, awaiting triage, for someone who was `age` when LTS began."""
    from referrals.models import Unit
    from tests.factories import valid_nhs_number
    from workflows.services import referral_raise_for

    today = date.today()
    born = date(today.year - 15, 1, 10)
    return referral_raise_for(
        user=users["commissioner"], nhs_number=valid_nhs_number(), date_of_birth=born,
        condition="autism", current_unit=Unit.objects.first(),
        lts_start_date=date(born.year + age, 3, 1), requested_route="review",
        reason="Young start.")


def test_a_young_start_is_accepted_at_triage_only_with_the_dates_confirmed(users, client_for):
    from pathways.errors import DomainError
    from workflows.services import referral_triage

    referral = young_referral(users)
    with pytest.raises(DomainError, match="would have been 9 when"):
        referral_triage(referral=referral, by=users["coordinator"], route="review", reason="")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED
    # Declining needs no confirmation; accepting through the page asks for it, then takes it.
    client = client_for("coordinator")
    url = reverse("referrals:triage", args=[referral.pk])
    page = client.get(url).content.decode()
    assert "I have checked the date of birth" in page and "would have been 9" in page
    refused = client.post(url, {"route": "review", "reason": ""})
    assert refused.status_code == 200 and "Check the date of birth" in refused.content.decode()
    assert client.post(url, {"route": "review", "reason": "", "dates_confirmed": "on"}
                       ).status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.dates_confirmed_by == users["coordinator"]
    older = young_referral(users, age=12)
    assert "I have checked the date of birth" not in client.get(
        reverse("referrals:triage", args=[older.pk])).content.decode()


def test_the_api_asks_for_the_same_confirmation(users):
    referral = young_referral(users, age=11)
    client = api(users["coordinator"])
    url = f"/api/v1/referrals/{referral.pk}/triage/"
    refused = client.post(url, {"route": "both"}, format="json")
    assert refused.status_code in (400, 409), refused.content
    assert refused.json()["code"] == "dates_need_confirming"
    accepted = client.post(url, {"route": "both", "dates_confirmed": True}, format="json")
    assert accepted.status_code == 200, accepted.content


def test_lts_cannot_begin_before_the_admission_or_before_the_unit_opened(users, client_for):
    from referrals.models import Unit
    from tests.factories import valid_nhs_number

    unit = Unit.objects.get(site_code="RZR01")
    unit.opened_on = date(2015, 4, 1)
    unit.save()
    before = counts()
    client = api(users["commissioner"])
    for overrides, message in [
        ({"lts_start_date": "2014-12-01"}, "opened on 1 April 2015"),
        ({"lts_start_date": "2020-01-01", "admitted_on": "2021-03-02"},
         "before the admission on 2 March 2021"),
    ]:
        body = referral_body(valid_nhs_number(), **overrides)
        body["current_unit"] = str(unit.pk)
        response = client.post("/api/v1/referrals/", body, format="json")
        assert response.status_code == 400, response.content
        assert message in str(response.json()), response.json()
    assert counts() == before
    body = referral_body(valid_nhs_number(), lts_start_date="2021-03-10", admitted_on="2021-03-02")
    body["current_unit"] = str(unit.pk)
    assert client.post("/api/v1/referrals/", body, format="json").status_code == 201
    episode = Person.objects.get(nhs_number=body["nhs_number"]).lts_episodes.get()
    assert episode.admitted_on == date(2021, 3, 2)


def test_the_import_holds_the_same_rules(users):
    from imports.services import import_check
    from referrals.models import Unit
    from tests.imports.test_imports import as_csv, row

    Unit.objects.filter(site_code="RZR01").update(opened_on=date(2015, 4, 1))
    run = import_check(kind="people", file_name="dates.csv", by=users["coordinator"],
                       content=as_csv([row(lts_start_date="2014-12-01"),
                                       row(lts_start_date="2020-01-01",
                                           admission_date="02/03/2021"),
                                       row(date_of_birth="1880-01-01"),
                                       row(date_of_birth="2015-01-01",
                                           lts_start_date="2020-01-01")]))
    assert [(e["row"], e["column"]) for e in run.errors] == [
        (2, "lts_start_date"), (3, "lts_start_date"), (4, "date_of_birth"), (5, "lts_start_date")]


def test_the_form_refuses_a_start_before_the_admission_and_keeps_the_admission(client_for):
    from tests.factories import months_ago
    from tests.referrals.test_views import referral_form

    start, admitted = months_ago(30), months_ago(20)
    before = counts()
    client = client_for("commissioner")
    page = client.post(reverse("referrals:create"), referral_form(
        lts_start_date=str(start), admitted_on_day=str(admitted.day),
        admitted_on_month=str(admitted.month), admitted_on_year=str(admitted.year)))
    assert "cannot have begun before the date admitted" in page.content.decode()
    assert counts() == before
    data = referral_form(lts_start_date=str(admitted), admitted_on_day=str(start.day),
                         admitted_on_month=str(start.month), admitted_on_year=str(start.year))
    assert client.post(reverse("referrals:create"), data).status_code == 302
    episode = Person.objects.get(nhs_number=data["nhs_number"]).lts_episodes.get()
    assert episode.admitted_on == start
