"""Reads that cross the domain apps, so none of them needs to import another above it."""
from intervenors.selectors import cases_visible
from notifications.services import owner_bounces
from referrals.models import Person
from reviews.selectors import actions_visible, reviews_visible


def person_related(user, person: Person) -> dict:
    """Reviews and intervenor cases about this person that the user may see."""
    return {
        "reviews": list(reviews_visible(user).filter(person=person)),
        "cases": list(cases_visible(user).filter(person=person)),
    }




def case_actions(user, case):
    """The actions agreed on an intervenor case that the user may see (decision 0027), with
    what the case page's table shows."""
    return (actions_visible(user).filter(case=case).select_related(None)
            .select_related("owner_organisation").order_by("due_date", "pk"))


def owner_emails_undelivered(action) -> list:
    """The action's owner's emails about it that did not arrive and wait for follow-up
    (issue 43), for the action page."""
    return list(owner_bounces(action)) if action.owner_id else []
