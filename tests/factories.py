"""Factories for tests: plain model factories, plus helpers that go through the services so
the objects carry the same permissions, history and flow state as real ones."""
import itertools
from datetime import date, timedelta

import factory

from accounts.models import Organisation, User
from referrals.models import Person, Unit
from referrals.services import person_create
from workflows import services as flow

_nhs = itertools.count(1)


def valid_nhs_number() -> str:
    """A fresh valid NHS number outside the demo block."""
    while True:
        base = f"{700_000_000 + next(_nhs) * 131:09d}"
        total = sum(int(d) * (10 - i) for i, d in enumerate(base))
        check = (11 - total % 11) % 11
        if check != 10:
            return base + str(check)


def months_ago(months: int, today: date | None = None) -> date:
    today = today or date.today()
    year, month = divmod(today.month - 1 - months, 12)
    return today.replace(year=today.year + year, month=month + 1, day=min(today.day, 28))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Test organisation {n}")
    kind = Organisation.Kind.ICB


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    provider = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.PROVIDER)
    name = factory.Sequence(lambda n: f"Test ward {n}")
    region = "london"
    cqc_rating = "good"


def person_details(*, by: User, age: int = 30, unit: Unit | None = None, **extra) -> dict:
    """What `person_create` (or a first referral's `new_person`) takes, for a new person."""
    today = date.today()
    return {"nhs_number": valid_nhs_number(), "condition": "autism",
            "date_of_birth": today.replace(year=today.year - age) - timedelta(days=30),
            "commissioner": by.organisation, "current_unit": unit, **extra}


def make_person(*, by: User, age: int = 30, unit: Unit | None = None, **extra) -> Person:
    return person_create(by=by, **person_details(by=by, age=age, unit=unit, **extra))


def make_referral(*, by: User, unit: Unit, age: int = 30, lts_months: int = 6,
                  route: str = "review", concerns=()):
    """A new person's first referral, as the referral form raises one (decision 0030)."""
    return flow.referral_raise(
        raised_by=by, new_person=person_details(by=by, age=age, unit=unit),
        reason="Test referral", requested_route=route, unit=unit,
        lts_start_date=months_ago(lts_months), concerns=list(concerns))


def covering_every_region(intervenor):
    """An intervenor who covers every region, for tests about other rules than the region
    (choosing someone who does not cover the person's region needs a reason)."""
    from accounts.models import Region

    intervenor.regions = list(Region.values)
    intervenor.save(update_fields=["regions"])
    return intervenor
