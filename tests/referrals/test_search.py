"""Finding a person (issue 32): by reference or NHS number in any spacing, for everyone who
works with people; by name and date of birth for coordinators and the oversight group. Only
among the people the searcher may see, each found record in the access log."""
import pytest
from django.test import Client

from audit.models import AccessLogEntry
from referrals.models import Person
from referrals.search import search_read
from referrals.selectors import people_visible

pytestmark = pytest.mark.django_db


def spaced(nhs_number: str) -> str:
    return f"{nhs_number[:3]} {nhs_number[3:6]}-{nhs_number[6:]}"


@pytest.mark.parametrize("text, kind, value", [
    ("PW-7K2M9Q", "reference", "PW-7K2M9Q"),
    (" pw-7k2m9q ", "reference", "PW-7K2M9Q"),
    ("PW7K2M9Q", "reference", "PW-7K2M9Q"),
    ("943 476 5919", "nhs_number", "9434765919"),
    ("943-476-5919", "nhs_number", "9434765919"),
    ("9434765919", "nhs_number", "9434765919"),
    ("Smith", "", ""),
    ("94347659", "", ""),
    ("", "", ""),
])
def test_the_search_box_reads_references_and_nhs_numbers(text, kind, value):
    search = search_read(text)
    assert (search.kind, search.value) == (kind, value)


def test_a_commissioner_finds_their_own_organisations_person_and_it_is_logged(users):
    commissioner = users["commissioner"]
    mine = people_visible(commissioner).first()
    client = Client()
    client.force_login(commissioner)
    for text in (mine.reference, mine.reference.lower(), spaced(mine.nhs_number)):
        response = client.get("/people/find/", {"q": text})
        assert response.status_code == 302 and response["Location"] == f"/people/{mine.pk}/"
    before = AccessLogEntry.objects.filter(person=mine, user=commissioner).count()
    client.get(f"/people/{mine.pk}/")
    assert AccessLogEntry.objects.filter(person=mine, user=commissioner).count() == before + 1


def test_another_organisations_person_is_simply_not_found(users):
    commissioner = users["commissioner"]
    theirs = Person.objects.exclude(pk__in=people_visible(commissioner)).first()
    nobody = Client()
    nobody.force_login(commissioner)
    for text in (theirs.reference, theirs.nhs_number):
        page = nobody.get("/people/find/", {"q": text})
        assert page.status_code == 200
        body = page.content.decode()
        assert "No person found" in body and f"/people/{theirs.pk}/" not in body
    unknown = nobody.get("/people/find/", {"q": "PW-ZZZZZZ"}).content.decode()
    assert "No person found" in unknown      # the same answer as for someone else's person


def test_an_intervenor_finds_only_the_people_on_their_caseload(users):
    intervenor = users["intervenor3"]          # no cases
    person = Person.objects.first()
    client = Client()
    client.force_login(intervenor)
    assert "No person found" in client.get("/people/find/", {"q": person.reference}).content.decode()


def test_those_who_may_see_names_search_by_name_and_date_of_birth(users):
    """Issue 44: the banner's rule. Coordinators find anyone by name; a commissioner finds
    their own organisation's people and nobody else's; the oversight group, which sees
    references only, has no name search."""
    mine = people_visible(users["commissioner"]).first()
    theirs = Person.objects.exclude(pk__in=people_visible(users["commissioner"])).first()
    for person, family in ((mine, "Ashdown"), (theirs, "Bellamy")):
        Person.objects.filter(pk=person.pk).update(given_name="Robin", family_name=family)
        person.refresh_from_db()

    def query(person):
        return {"name": f"{person.given_name} {person.family_name}".upper(),
                "born_day": person.date_of_birth.day, "born_month": person.date_of_birth.month,
                "born_year": person.date_of_birth.year}

    def client(username):
        c = Client()
        c.force_login(users[username])
        return c

    found = client("coordinator").get("/people/find/", query(theirs))
    assert found.status_code == 302 and found["Location"] == f"/people/{theirs.pk}/"
    commissioner = client("commissioner")
    page = commissioner.get("/people/find/").content.decode()
    assert "Search by name and date of birth instead" in page
    assert "or by their name with their date of birth" in page
    found = commissioner.get("/people/find/", query(mine))
    assert found.status_code == 302 and found["Location"] == f"/people/{mine.pk}/"
    # Another organisation's person answers as nobody does.
    other = commissioner.get("/people/find/", query(theirs)).content.decode()
    nobody = commissioner.get("/people/find/", {**query(theirs), "name": "Nobody Atall"})
    assert f"/people/{theirs.pk}/" not in other and "No person found" in other
    assert "No person found" in nobody.content.decode()
    oversight = client("oversight").get("/people/find/", query(mine)).content.decode()
    assert "Search by name" not in oversight and f"/people/{mine.pk}/" not in oversight


def test_an_unreadable_search_says_what_to_enter(users):
    client = Client()
    client.force_login(users["coordinator"])
    page = client.get("/people/find/", {"q": "Smith"}).content.decode()
    assert "Enter a reference like PW-7K2M9Q or a 10-digit NHS number" in page
    page = client.get("/people/find/", {"q": ""}).content.decode()
    assert "Enter a reference or an NHS number" in page


def test_the_header_has_the_search_box_for_people_who_work_with_people(users):
    client = Client()
    client.force_login(users["commissioner"])
    page = client.get("/referrals/").content.decode()
    assert 'id="search-field"' in page and 'action="/people/find/"' in page
    admin = Client()
    admin.force_login(users["admin"])
    assert 'id="search-field"' not in admin.get("/accounts/api-token/").content.decode()


def test_the_api_finds_by_nhs_number_or_reference_within_scope(users):
    commissioner = users["commissioner"]
    mine = people_visible(commissioner).first()
    theirs = Person.objects.exclude(pk__in=people_visible(commissioner)).first()
    api = Client()
    api.force_login(commissioner)
    found = api.get("/api/v1/people/", {"nhs_number": spaced(mine.nhs_number)}).json()
    assert [row["reference"] for row in found["results"]] == [mine.reference]
    assert AccessLogEntry.objects.filter(person=mine, user=commissioner,
                                         path="/api/v1/people/").exists()
    found = api.get("/api/v1/people/", {"reference": mine.reference.lower()}).json()
    assert [row["id"] for row in found["results"]] == [str(mine.pk)]
    assert api.get("/api/v1/people/", {"reference": theirs.reference}).json()["results"] == []
    assert api.get("/api/v1/people/", {"nhs_number": theirs.nhs_number}).json()["results"] == []
    both = api.get("/api/v1/people/", {"reference": mine.reference,
                                       "nhs_number": theirs.nhs_number}).json()
    assert both["results"] == []
    assert api.get("/api/v1/people/").json()["results"] == []       # nothing asked
    for bad in ({"nhs_number": "123"}, {"reference": "Smith"}):
        response = api.get("/api/v1/people/", bad)
        assert response.status_code == 400 and response.json()["code"] == "invalid"
