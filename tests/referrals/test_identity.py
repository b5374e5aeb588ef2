"""Who a page about one person says they are (issue 44; decision 0022): identified to those
with a care or commissioning relationship, by initials to an action's owner, by reference alone
to everyone else (the oversight group included), and every identifying view in the access log."""
import pytest
from django.urls import reverse

from audit.models import AccessLogEntry
from intervenors.models import IntervenorCase
from referrals.identity import IDENTIFIED, INITIALS, REFERENCE, identity_for
from referrals.models import Person
from reviews.models import Action, Review

pytestmark = pytest.mark.django_db


def named(person: Person) -> Person:
    Person.objects.filter(pk=person.pk).update(given_name="Robin", family_name="Ashdown")
    person.refresh_from_db()
    return person


def spaced(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def last_view(user, person) -> AccessLogEntry:
    return AccessLogEntry.objects.filter(user=user, person=person).order_by("-id").first()


def test_the_commissioner_and_the_coordinator_see_who_the_person_is(users, client_for):
    person = named(Person.objects.filter(commissioner=users["commissioner"].organisation)
                   .first())
    for username in ("commissioner", "coordinator"):
        page = client_for(username).get(reverse("referrals:person", args=[person.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert 'aria-label="Who this page is about"' in html
        assert "Robin Ashdown" in html and spaced(person.nhs_number) in html
        assert f"{person.date_of_birth:%-d %B %Y}" in html
        assert last_view(users[username], person).identified is True


def test_the_oversight_group_keeps_the_reference(users, client_for):
    person = named(Person.objects.first())
    page = client_for("oversight").get(reverse("referrals:person", args=[person.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and person.reference in html
    assert "Ashdown" not in html and spaced(person.nhs_number) not in html
    assert "Who this page is about" not in html
    assert last_view(users["oversight"], person).identified is False


def test_an_actions_owner_sees_initials_unit_and_the_recommendation(users, client_for):
    action = Action.objects.filter(owner=users["wardmanager"], case__isnull=True).select_related(
        "person__current_unit", "recommendation").first()
    person = named(action.person)
    page = client_for("wardmanager").get(reverse("reviews:action", args=[action.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "R. A." in html and person.reference in html
    assert person.current_unit.name in html
    assert f"Recommendation {action.recommendation.number}" in html
    assert "Ashdown" not in html and spaced(person.nhs_number) not in html
    assert "Born" not in html
    assert last_view(users["wardmanager"], person).identified is True
    # The same page read by the oversight group: the reference only.
    html = client_for("oversight").get(reverse("reviews:action", args=[action.pk])) \
        .content.decode()
    assert "R. A." not in html and "Ashdown" not in html


def test_the_panel_and_the_intervenor_see_who_the_person_is(users, client_for):
    review = Review.objects.filter(panel__user=users["chair"]).first()
    person = named(review.person)
    html = client_for("chair").get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert "Robin Ashdown" in html
    case = IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                         status="active").first()
    person = named(case.person)
    html = client_for("intervenor").get(reverse("intervenors:case", args=[case.pk])) \
        .content.decode()
    assert "Robin Ashdown" in html and spaced(person.nhs_number) in html


def test_the_rule_by_relationship(users):
    """A commissioner of another organisation, an administrator, an intervenor without the case
    and an owner of nothing about the person are told the reference alone."""
    case = IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                         status="active").select_related("person").first()
    person = case.person
    assert identity_for(users["intervenor"], person).shown == IDENTIFIED
    assert identity_for(users["coordinator"], person).shown == IDENTIFIED
    for username in ("intervenor3", "oversight", "admin", "wardmanager"):
        assert identity_for(users[username], person).shown == REFERENCE, username
    other = "commissioner2" if person.commissioner == users["commissioner"].organisation \
        else "commissioner"
    assert identity_for(users[other], person).shown == REFERENCE
    assert identity_for(users["wardmanager"], person, owns_action=True).shown == INITIALS
    users["coordinator"].is_active = False
    assert identity_for(users["coordinator"], person).shown == REFERENCE
