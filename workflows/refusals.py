"""Refusing a referral for a person recorded by another organisation (SECURITY.md S41).

Whoever may not see a person must not learn that they exist: the referral form, the API and
the caseload import all refuse alike, record the refusal as a decision on the person's record,
and tell the review coordinators, who can see the person. Refusals are counted: a few are
honest mistakes; more is someone learning who else holds a number, so past a limit in a day
nothing more is taken from that person, whatever the number.
"""
from datetime import timedelta

from django.utils import timezone

from audit.models import Decision
from audit.services import decision_record

from .deadlines import notify_person_elsewhere

# How many referrals (by form, API or import) for people recorded by other organisations one
# person may have refused in a day before Pathways stops taking referrals from them at all: a
# few are honest mistakes; more is someone learning who else holds a number (SECURITY.md S41).
ELSEWHERE_REFUSALS_PER_DAY = 5
ELSEWHERE_LIMIT = ("Pathways has refused several of your referrals today because the people "
                   "are recorded by other organisations, so it is not taking more referrals "
                   "from you for a day. The review coordinators have been told; contact "
                   "them.")


def elsewhere_refusals_exhausted(user) -> bool:
    since = timezone.now() - timedelta(days=1)
    return Decision.objects.filter(actor=user, kind=Decision.Kind.PERSON_ELSEWHERE_REFUSED,
                                   made_at__gte=since).count() >= ELSEWHERE_REFUSALS_PER_DAY


def person_elsewhere_refuse(person, *, asked_by, via: str) -> None:
    """Someone asked to refer a person recorded by another organisation, whom they may not
    see: refused, recorded as a decision on the person's record, and the coordinators told
    (once per person and organisation). The asker is told nothing of the person."""
    decision_record(actor=asked_by, kind=Decision.Kind.PERSON_ELSEWHERE_REFUSED, subject=person,
                    person=person, reason="The person is recorded by another organisation.",
                    summary=f"A referral for {person.reference} from "
                            f"{asked_by.organisation or 'an organisation'} was refused ({via})",
                    facts={"via": via})
    notify_person_elsewhere(person, asked_by=asked_by)
