"""Reads that cross the domain apps, so none of them needs to import another above it."""
from intervenors.selectors import cases_visible
from referrals.models import Person
from reviews.selectors import reviews_visible


def person_related(user, person: Person) -> dict:
    """Reviews and intervenor cases about this person that the user may see."""
    return {
        "reviews": list(reviews_visible(user).filter(person=person)),
        "cases": list(cases_visible(user).filter(person=person)),
    }


