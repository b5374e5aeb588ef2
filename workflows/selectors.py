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
    """One's own exports, newest first, without their files. Nobody sees another's, nobody an
    export of a list their role no longer lets them export, and nobody one asked for while
    they worked for another organisation (security round 3, finding 5)."""
    from .exports import exportable_kinds
    from .models import Export

    return Export.objects.filter(requested_by=user, organisation_id=user.organisation_id,
                                 kind__in=exportable_kinds(user)).defer("csv")


def export_get(user, pk):
    """One's own export; one past its time is expired here and now, whatever a sweep has done
    (security round 3, finding 2), so its page says so and its file is never served."""
    from .exports import export_expire

    export = exports_mine(user).get(pk=pk)
    if export.status == export.Status.READY and export.expired():
        export_expire(export, reason="opened after its time")
    return export
