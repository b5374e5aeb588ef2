"""Impossible facts are refused with a message that says what to check (issue 32, first part):
the same rule in the form, the API and every service that records a person or an LTS start."""
from datetime import date

import pytest
from django.urls import reverse

from referrals.models import Person, Referral
from referrals.validation import OLDEST_AGE, YOUNGEST_IN_LTS
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
    validate_lts_start(date(2010 + YOUNGEST_IN_LTS, 6, 1), born)             # exactly 8


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
