"""A person's first referral, raised with their details (`new_person`) rather than a recorded
person: they are recorded in the same step, nothing about them is looked up, and the priority
snapshot is handed the facts as written (decision 0030). These tests hold that what is handed
is exactly what reading the person back would give, so the shortcut can never change a score."""
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.errors import ConflictError, DomainError
from referrals import services
from referrals.models import Concern, CqcRatingValue, Person, Referral
from referrals.priority import Weights
from referrals.selectors import person_priority
from tests.factories import UnitFactory, make_person, person_details
from workflows import services as flow

pytestmark = pytest.mark.django_db

TODAY = date.today()


def details(by, unit, *, age_days=30 * 365, **extra) -> dict:
    return person_details(by=by, unit=unit, date_of_birth=TODAY - timedelta(days=age_days),
                          **extra)


def read_back(referral: Referral) -> dict:
    """The breakdown the snapshot would store had it read the person from the database."""
    fresh = Referral.objects.select_related("person__current_unit").get(pk=referral.pk)
    weights = Weights.from_policy(services.policy_current())
    return person_priority(fresh.person, weights=weights).as_dict()


concern = st.fixed_dictionaries({
    "kind": st.sampled_from(Concern.Kind.values),
    "source": st.sampled_from(Concern.REQUEST_SOURCES),
    "category": st.sampled_from(Concern.Category.values),
    "severity": st.sampled_from(Concern.Severity.values),
    "description": st.just("Raised with the referral."),
    "raised_on": st.integers(min_value=0, max_value=400).map(lambda d: TODAY - timedelta(d)),
})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(age_days=st.integers(min_value=14 * 365, max_value=80 * 365),
       in_lts_days=st.integers(min_value=0, max_value=9 * 365),
       rating=st.sampled_from(CqcRatingValue.values),
       concerns=st.lists(concern, max_size=3))
def test_a_new_persons_snapshot_is_what_reading_them_back_gives(users, age_days, in_lts_days,
                                                                 rating, concerns):
    by = users["commissioner"]
    unit = UnitFactory(cqc_rating=rating, opened_on=None)
    # LTS began at least 12 years after birth: younger is refused as a likely mistyped date.
    start = max(TODAY - timedelta(days=in_lts_days), TODAY - timedelta(days=age_days - 12 * 366))
    referral = flow.referral_raise(
        raised_by=by, new_person=details(by, unit, age_days=age_days), reason="First referral",
        requested_route="review", unit=unit, lts_start_date=start, concerns=concerns)
    stored = Referral.objects.get(pk=referral.pk).priority_breakdown
    assert stored == read_back(referral)
    assert stored["days_in_lts"] == (TODAY - start).days
    assert "facts_at_submit" not in referral.__dict__      # taken by the snapshot


def test_a_second_snapshot_of_the_same_referral_reads_afresh(users):
    """What the first referral handed over is used once: a later snapshot sees what changed."""
    by = users["commissioner"]
    unit = UnitFactory()
    referral = flow.referral_raise(
        raised_by=by, new_person=details(by, unit), reason="First referral",
        requested_route="review", unit=unit, lts_start_date=TODAY - timedelta(days=90))
    first = referral.priority_score
    services.concern_raise(person=referral.person, by=by, source="family",
                           category="restraint", severity="high",
                           description="Restraint used daily.")
    services.referral_snapshot_priority(referral=referral)
    assert referral.priority_score > first
    assert referral.priority_breakdown == read_back(referral)


def test_a_new_person_and_their_first_referral_are_recorded_in_one_step(users):
    by = users["commissioner"]
    unit = UnitFactory()
    wanted = details(by, unit, given_name="Sam", characteristics={"sex": "female"})
    referral = flow.referral_raise(
        raised_by=by, new_person=wanted, reason="First referral", requested_route="both",
        unit=unit, lts_start_date=TODAY - timedelta(days=40))
    person = Person.objects.get(nhs_number=wanted["nhs_number"])
    assert referral.person == person and person.given_name == "Sam"
    assert person.characteristics.sex == "female"
    assert person.current_unit == unit
    assert person.lts_episodes.get().start_date == TODAY - timedelta(days=40)
    assert by.has_perm("referrals.view_person", person)
    assert by.has_perm("referrals.view_referral", referral)
    assert person.history.get().history_change_reason.startswith("Person recorded by")


def test_a_new_persons_details_that_fail_leave_nothing(users):
    """A refusal after the person was recorded (here, LTS before birth) undoes the person too."""
    by = users["commissioner"]
    unit = UnitFactory()
    wanted = details(by, unit, age_days=365)
    before = Person.objects.count()
    with pytest.raises(DomainError):
        flow.referral_raise(raised_by=by, new_person=wanted, reason="First referral",
                            requested_route="review", unit=unit,
                            lts_start_date=TODAY - timedelta(days=800))
    assert Person.objects.count() == before


def test_a_referral_is_for_a_person_or_a_new_persons_details_not_both(users):
    by = users["commissioner"]
    unit = UnitFactory()
    person = make_person(by=by, unit=unit)
    for who in ({}, {"person": person, "new_person": details(by, unit)}):
        with pytest.raises(TypeError):
            services.referral_submit(raised_by=by, reason="x", requested_route="review",
                                     unit=unit, lts_start_date=TODAY, **who)


def test_recording_a_person_asks_one_question_of_the_database(users):
    """Whether the NHS number is recorded already and which fresh references are free are
    one read; a recorded NHS number is still refused by name."""
    by = users["commissioner"]
    with CaptureQueriesContext(connection) as captured:
        person = make_person(by=by)
    reads = [q["sql"] for q in captured
             if q["sql"].startswith("SELECT") and 'FROM "referrals_person"' in q["sql"]]
    assert len(reads) == 1, reads
    assert "nhs_number" in reads[0] and "reference" in reads[0]
    with pytest.raises(ConflictError) as refused:
        services.person_create(by=by, nhs_number=person.nhs_number, condition="autism",
                               date_of_birth=person.date_of_birth, commissioner=by.organisation)
    assert refused.value.code == "duplicate_person"


def test_a_reference_already_taken_is_passed_over(users, monkeypatch):
    by = users["commissioner"]
    taken = make_person(by=by).reference
    drawn = iter([taken] * 4 + [taken, taken, taken, "PW-FREE23"])
    monkeypatch.setattr(services, "_reference", lambda: next(drawn))
    # The first draw finds every candidate taken, so it draws again and takes the free one.
    assert make_person(by=by).reference == "PW-FREE23"
