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
    # Wrong credentials are 401 (API 2.4.0) until the throttle answers 429.
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]


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


# Finding 8: the lower findings ------------------------------------------------------------

def test_a_nul_byte_in_a_query_is_a_400_on_pages_and_api(client_for):
    coordinator = client_for("coordinator")
    for url in ("/api/v1/referrals/?status=%00", "/api/v1/queue/?region=a%00b",
                "/referrals/queue/?region=%00", "/actions/?status=%00", "/api/v1/actions/?x%00=1"):
        response = coordinator.get(url)
        assert response.status_code == 400, url
        assert "control character" in response.content.decode()


def test_a_nul_byte_in_a_posted_form_is_a_400_and_saves_nothing(client_for):
    from django.urls import reverse

    from tests.referrals.test_views import referral_form

    before = Referral.objects.count()
    response = client_for("commissioner").post(reverse("referrals:create"),
                                               referral_form(reason="No\x00provider"))
    assert response.status_code == 400 and Referral.objects.count() == before


def test_deeply_nested_json_is_a_400(users):
    for depth in (30, 5000):
        body = "[" * depth + "]" * depth
        response = api(users["commissioner"]).post("/api/v1/referrals/", body,
                                                    content_type="application/json")
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
        assert "nested" in response.json()["message"]


def test_a_referral_carries_a_bounded_list_of_concerns(users):
    concern = {"source": "family", "category": "other", "severity": "high",
               "description": "Worried"}
    before = Referral.objects.count()
    response = api(users["commissioner"]).post(
        "/api/v1/referrals/", referral_body("9434765919", concerns=[concern] * 3000),
        format="json")
    assert response.status_code == 400 and "concerns" in response.json()["errors"]
    assert Referral.objects.count() == before


def test_tokens_expire_and_expired_ones_are_replaced(users, settings):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    client = APIClient()
    issued = client.post("/api/v1/auth/token/", {"username": "coordinator",
                                                 "password": "pathways-demo"}, format="json")
    key = issued.json()["token"]
    assert "expires_at" in issued.json()
    Token.objects.filter(key=key).update(
        created=timezone.now() - timedelta(seconds=settings.API_TOKEN_SECONDS + 1))
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    refused = client.get("/api/v1/queue/")
    assert refused.status_code == 401 and refused.json()["code"] == "token_expired"
    assert not Token.objects.filter(key=key).exists()
    fresh = APIClient().post("/api/v1/auth/token/", {"username": "coordinator",
                                                     "password": "pathways-demo"},
                             format="json").json()["token"]
    assert fresh != key


def test_a_session_ends_at_its_absolute_lifetime_however_active(client_for, settings):
    import time

    from accounts.middleware import SIGNED_IN_AT

    client = client_for("coordinator")
    assert client.get("/referrals/queue/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get("/referrals/queue/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/referrals/queue/").status_code == 302     # signed out for good


def test_resolving_a_concern_is_a_decision(users):
    from audit.models import Decision
    from referrals.models import Concern
    from referrals.services import concern_resolve

    concern = Concern.objects.filter(status="open").first()
    concern_resolve(concern=concern, by=users["coordinator"], reason="Family visits restored")
    decision = Decision.objects.get(kind="concern_resolved", subject_id=str(concern.pk))
    assert decision.reason == "Family visits restored" and decision.person == concern.person


def test_returning_a_case_to_casework_is_recorded_as_such(users):
    from audit.models import Decision
    from intervenors.models import IntervenorCase
    from workflows import services as flow

    case = IntervenorCase.objects.filter(status="active", intervenor__user=users["intervenor"]
                                         ).first()
    flow.case_propose_closure(case=case, by=users["intervenor"], outcome="discharged",
                              reason="Moved on")
    flow.case_confirm_closure(case=case, by=users["coordinator"], confirm=False,
                              reason="The commissioner has not agreed the placement")
    latest = Decision.objects.filter(subject_id=str(case.pk)).order_by("-made_at").first()
    assert latest.kind == "case_closure_returned"
    assert latest.get_kind_display() == "Case returned to casework"
