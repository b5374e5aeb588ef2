"""Each finding of the outside probe (issue 10), closed by a change and held by a test."""
import pytest
from rest_framework.test import APIClient

from pathways.errors import DomainError
from referrals.models import Person, Referral, Unit
from referrals.validation import validate_nhs_number

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def referral_body(nhs_number, **overrides):
    body = {"nhs_number": nhs_number, "date_of_birth": "1990-01-01", "condition": "autism",
            "current_unit": str(Unit.objects.first().pk), "lts_start_date": "2020-01-01",
            "requested_route": "review", "reason": "No provider has been found."}
    body.update(overrides)
    return body


# Finding 3: another organisation's person is revealed by the API -------------------------

@pytest.mark.parametrize("with_open_referral", [True, False])
def test_the_api_says_the_same_about_another_organisations_person_and_reveals_nothing(
        users, with_open_referral):
    people = Person.objects.filter(commissioner__name__startswith="North")
    person = (people.filter(referrals__status="submitted") if with_open_referral
              else people.exclude(referrals__status__in=Referral.OPEN_STATUSES)).first()
    before = Referral.objects.count()
    response = api(users["commissioner2"]).post("/api/v1/referrals/",
                                                referral_body(person.nhs_number), format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "person_elsewhere"
    text = response.content.decode()
    assert person.reference not in text and str(person.pk) not in text
    for referral in person.referrals.all():
        assert str(referral.pk) not in text
    assert "submitted" not in text.lower() and "raised" not in text.lower()
    assert Referral.objects.count() == before


def test_the_page_and_the_api_give_the_same_message(users, client_for):
    from django.urls import reverse

    from tests.referrals.test_views import referral_form

    person = Person.objects.filter(commissioner__name__startswith="North",
                                   referrals__status="submitted").first()
    page = client_for("commissioner2").post(reverse("referrals:create"),
                                            referral_form(nhs_number=person.nhs_number))
    message = api(users["commissioner2"]).post(
        "/api/v1/referrals/", referral_body(person.nhs_number), format="json").json()["message"]
    assert message in page.content.decode().replace("&#x27;", "'")


# Finding 4: non-ASCII digits passed NHS number validation --------------------------------

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("table", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
def test_only_ascii_digits_make_an_nhs_number(table):
    with pytest.raises(DomainError, match="10 digits"):
        validate_nhs_number("9434765919".translate(table))
    with pytest.raises(DomainError, match="10 digits"):
        validate_nhs_number("943476591" + "9".translate(table))


def test_an_nhs_number_is_normalised_once_spaces_allowed_nothing_else():
    assert validate_nhs_number("943 476 5919") == "9434765919"
    assert validate_nhs_number(" 943\t476 5919 ") == "9434765919"
    for value in ("943-476-5919", "943\u00a0476\u00a05919", "9434765919\x00", "+9434765919"):
        with pytest.raises(DomainError):
            validate_nhs_number(value)


def test_a_second_person_cannot_be_made_with_the_same_number_in_other_digits(users):
    person = Person.objects.filter(commissioner__name__startswith="North").first()
    disguised = person.nhs_number.translate(ARABIC_INDIC)
    before = (Person.objects.count(), Referral.objects.count())
    response = api(users["commissioner2"]).post("/api/v1/referrals/",
                                                referral_body(disguised), format="json")
    assert response.status_code == 400
    assert "nhs_number" in response.json()["errors"]
    assert (Person.objects.count(), Referral.objects.count()) == before


# Finding 5: one trusted client address for throttle and lockout --------------------------

def _token_attempts(headers_for, count=12):
    client = APIClient()
    return [client.post("/api/v1/auth/token/", {"username": "x", "password": "y"},
                        format="json", **headers_for(n)).status_code for n in range(count)]


def test_random_forwarded_for_values_do_not_escape_the_token_throttle():
    codes = _token_attempts(lambda n: {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}"})
    assert codes[:10] == [400] * 10 and codes[10:] == [429, 429]


def test_behind_one_proxy_the_proxys_view_of_the_client_counts(settings):
    from django.test import RequestFactory

    from accounts.network import client_address

    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5",
                                   HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_address(request) == "198.51.100.7"       # the client-written 1.2.3.4 ignored
    garbage = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="nonsense")
    assert client_address(garbage) == "10.0.0.5"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.5"


def _sign_in(client, password, address, forwarded=""):
    extra = {"REMOTE_ADDR": address}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": "commissioner", "password": password},
                       **extra)


def test_failing_someones_sign_in_from_one_address_does_not_lock_them_out_elsewhere():
    from django.test import Client

    attacker = Client()
    for n in range(6):
        _sign_in(attacker, "wrong", "192.0.2.66", forwarded=f"198.51.100.{n}")
    locked = _sign_in(attacker, "pathways-demo", "192.0.2.66")
    assert locked.status_code == 429        # the attacker's own address is locked out
    owner = _sign_in(Client(), "pathways-demo", "192.0.2.10")
    assert owner.status_code == 302          # the person still signs in from their own
