"""seed_scale writes what the services would: history, grants, decisions and flow state; and
the seeded objects can be taken on through the real flows."""
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from audit.models import Decision
from intervenors.models import Intervenor, IntervenorCase
from referrals.models import Concern, Person, Referral
from reviews.models import Action, Review, Theme
from workflows import grants
from workflows import services as flow

pytestmark = pytest.mark.django_db


@pytest.fixture
def scaled(settings, users):
    settings.DEBUG = True
    before = Person.objects.count()
    call_command("seed_scale", people=400, verbosity=0)
    return before


def test_refuses_without_debug_and_runs_once(settings, scaled):
    assert Person.objects.count() == scaled + 400
    call_command("seed_scale", people=400, verbosity=0)        # a second run adds nothing
    assert Person.objects.count() == scaled + 400
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_scale", people=400, verbosity=0)


def test_with_force_it_runs_with_debug_off_as_make_bench_does(settings, users):
    settings.DEBUG = False
    before = Person.objects.count()
    call_command("seed_scale", people=100, force=True, verbosity=0)
    assert Person.objects.count() == before + 100


def test_every_seeded_row_has_history_and_every_grant_is_derivable(scaled):
    for model in (Person, Concern, Referral, Review, Action, IntervenorCase, Intervenor):
        rows = model.objects.count()
        assert rows and model.history.filter(history_type="+").count() >= rows, model
    assert Person.history.filter(reference__startswith="PW-S", history_type="+",
                                 history_change_reason__startswith="Seeded").count() == 400
    assert grants.drift() == (set(), set())
    assert Decision.objects.filter(kind="referral_submitted").count() == Referral.objects.count()
    states = set(Referral.objects.values_list("status", flat=True))
    assert {"submitted", "accepted", "declined"} <= states
    assert {"requested", "scheduled", "held", "report_issued"} <= set(
        Review.objects.values_list("status", flat=True))
    assert {"waiting", "active", "closed"} <= set(
        IntervenorCase.objects.values_list("status", flat=True))
    # Every scheduled ICETR has an education representative, as review_schedule requires.
    icetrs = Review.objects.filter(kind="icetr").exclude(status="requested")
    assert icetrs.exists()
    assert not icetrs.exclude(panel__role="education").exists()


def test_seeded_subjects_go_on_through_the_real_flows(scaled, users):
    coordinator, seeded = users["coordinator"], {"person__reference__startswith": "PW-S"}
    referral = Referral.objects.filter(status="submitted", **seeded).first()
    flow.referral_triage(referral=referral, by=coordinator, route="both", reason="Scale test")
    assert referral.reviews.get().status == "requested"
    assert referral.intervenor_cases.get().status == "waiting"

    review = Review.objects.filter(status="requested", **seeded).first()
    members = [{"external_name": "Dr Clinical", "role": "clinical_expert"}]
    if review.kind == Review.Kind.ICETR:  # a child's review has someone from education
        members.append({"external_name": "Head teacher", "role": "education"})
    flow.review_schedule(review=review, by=coordinator, scheduled_for=date.today()
                         + timedelta(days=3), chair=users["chair2"], members=members)
    held = Review.objects.filter(status="scheduled", **seeded).select_related("person").first()
    chair = held.panel.get(role="chair").user
    flow.review_record_panel(review=held, by=chair, held_on=date.today(), findings="Findings")
    flow.review_issue_report(review=held, by=chair, summary="Report", recommendations=[
        {"text": "R1", "theme": Theme.objects.first(),
         "actions": [{"text": "A1", "owner": users["commissioner"],
                      "owner_why": "The seeded person's commissioner is another ICB.",
                      "due_date": date.today() + timedelta(days=30)}]}])
    held.refresh_from_db()
    assert held.status == "report_issued" and held.process.status == "DONE"

    active = IntervenorCase.objects.filter(status="active", **seeded).first()
    flow.case_propose_closure(case=active, by=active.intervenor.user,
                              outcome="less_restrictive", reason="Moved on")
    flow.case_confirm_closure(case=active, by=coordinator, confirm=True, reason="Agreed")
    assert IntervenorCase.objects.get(pk=active.pk).status == "closed"
    case = IntervenorCase.objects.filter(status="waiting", **seeded).first()
    flow.case_assign(case=case, by=coordinator, intervenor=active.intervenor,
                     reason="Top of the list")
    assert IntervenorCase.objects.get(pk=case.pk).status == "active"
    assert grants.drift() == (set(), set())
