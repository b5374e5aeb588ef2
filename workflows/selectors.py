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


def exports_mine(user):
    """One's own exports, newest first, without their files. Nobody sees another's, and
    nobody an export of a list their role no longer lets them export."""
    from .exports import exportable_kinds
    from .models import Export

    return Export.objects.filter(requested_by=user,
                                 kind__in=exportable_kinds(user)).defer("csv")


def export_get(user, pk):
    return exports_mine(user).get(pk=pk)
