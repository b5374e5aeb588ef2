"""Raising and triaging referrals through the pages, as commissioner then coordinator."""
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Decision
from referrals.models import Concern, Person, Referral, Unit
from referrals.selectors import triage_queue
from referrals.services import unit_rate
from tests.factories import UnitFactory, make_referral, months_ago, valid_nhs_number
from workflows.models import ReferralProcess

pytestmark = pytest.mark.django_db


def referral_form(**overrides):
    unit = Unit.objects.get(name="Willow Ward")
    data = {
        "nhs_number": valid_nhs_number(), "given_name": "Alex", "family_name": "Test",
        "date_of_birth": "1990-05-01", "condition": "autism", "current_unit": str(unit.pk),
        "lts_start_date": str(months_ago(50)), "legal_status": "Section 3",
        "requested_route": "both", "reason": "No community provider has been found.",
        "concerns-TOTAL_FORMS": "2", "concerns-INITIAL_FORMS": "0",
        "concerns-MIN_NUM_FORMS": "0", "concerns-MAX_NUM_FORMS": "5",
        "concerns-0-source": "family", "concerns-0-category": "restraint",
        "concerns-0-severity": "high", "concerns-0-description": "Restrained daily.",
        "concerns-1-source": "person", "concerns-1-category": "environment",
        "concerns-1-severity": "medium", "concerns-1-description": "",
    }
    data.update(overrides)
    return data


def test_commissioner_raises_and_coordinator_triages_through_the_pages(client_for):
    commissioner, coordinator = client_for("commissioner"), client_for("coordinator")
    data = referral_form()
    response = commissioner.post(reverse("referrals:create"), data, follow=True)
    assert response.status_code == 200
    person = Person.objects.get(nhs_number=data["nhs_number"])
    referral = Referral.objects.get(person=person)
    assert "Referral raised for" in response.content.decode()
    assert referral.status == "submitted" and referral.priority_score is not None
    assert person.concerns.count() == 1          # the blank row was ignored
    assert referral.priority_breakdown["policy_version"] == 1

    # 50 months (cap not reached) + Inadequate 20 + family 5 + high 5 = 80: the top of the queue.
    queue = coordinator.get(reverse("referrals:queue")).content.decode()
    rows = queue.split('<tbody class="nhsuk-table__body">')[1].split("</tr>")
    assert person.reference in rows[0]
    assert "Time in long-term segregation: 50 points" in queue

    page = coordinator.get(reverse("referrals:triage", args=[referral.pk])).content.decode()
    assert "Priority today: 80" in page and "Restrained daily." in page
    response = coordinator.post(reverse("referrals:triage", args=[referral.pk]),
                                {"route": "both", "reason": "Meets the criteria."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.route, referral.triaged_by.username) == (
        "accepted", "both", "coordinator")
    process = ReferralProcess.objects.get(referral=referral)
    assert process.status == "DONE"
    assert referral.reviews.count() == 1 and referral.intervenor_cases.count() == 1

    decision = Decision.objects.get(subject_id=str(referral.pk), kind="triage_accepted")
    assert decision.actor.username == "coordinator" and decision.reason == "Meets the criteria."
    assert decision.facts["priority"]["score"] == 80
    history = list(referral.history.order_by("history_date"))
    assert history[-1].history_user.username == "coordinator"
    assert history[-1].history_change_reason == "Meets the criteria."
    assert history[0].history_user.username == "commissioner"

    timeline = coordinator.get(reverse("records:timeline", args=[person.pk])).content.decode()
    assert "Referral accepted for IC(E)TR review and senior intervenor" in timeline
    assert "Referral raised for" in timeline


def test_declining_needs_a_reason_and_the_commissioner_sees_it(client_for, users):
    referral = Referral.objects.filter(status="submitted",
                                       organisation__name__startswith="North").first()
    coordinator = client_for("coordinator")
    response = coordinator.post(reverse("referrals:triage", args=[referral.pk]),
                                {"route": "decline", "reason": ""})
    assert response.status_code == 200
    assert "Give the reason for declining." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "submitted"
    coordinator.post(reverse("referrals:triage", args=[referral.pk]),
                     {"route": "decline", "reason": "Already in a local review."})
    page = client_for("commissioner").get(reverse("referrals:mine")).content.decode()
    assert "Already in a local review." in page


@pytest.mark.parametrize("field,value,message", [
    ("nhs_number", "9434765918", "check digit does not match"),
    ("nhs_number", "12345", "10 digits"),
    ("lts_start_date", str(date.today() + timedelta(days=3)), "cannot be in the future"),
    ("lts_start_date", "1980-01-01", "before the date of birth"),
    ("date_of_birth", str(date.today() + timedelta(days=1)), "cannot be in the future"),
    ("current_unit", "6d1f1c1e-0000-4000-8000-000000000000", "Choose a unit from the list"),
    ("reason", "x" * 4001, "at most 4000 characters"),
    ("reason", "", "Say why you are referring this person"),
    ("requested_route", "", "Choose what you are asking for"),
    ("nhs_number", "", "Enter the person&#39;s NHS number"),
])
def test_bad_referral_input_gets_a_clear_message_and_saves_nothing(client_for, field, value,
                                                                  message):
    counts = (Person.objects.count(), Referral.objects.count(), Concern.objects.count())
    response = client_for("commissioner").post(reverse("referrals:create"),
                                               referral_form(**{field: value}))
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body
    assert (Person.objects.count(), Referral.objects.count(), Concern.objects.count()) == counts


def test_second_open_referral_is_refused_with_a_link_to_the_first(client_for):
    existing = Referral.objects.filter(status="submitted",
                                       organisation__name__startswith="North").first()
    counts = (Referral.objects.count(), Concern.objects.count())
    response = client_for("commissioner").post(
        reverse("referrals:create"), referral_form(nhs_number=existing.person.nhs_number))
    body = response.content.decode()
    assert "already has an open referral" in body
    assert reverse("referrals:detail", args=[existing.pk]) in body
    assert (Referral.objects.count(), Concern.objects.count()) == counts


def test_another_organisations_person_is_not_revealed_or_linked(client_for):
    existing = Referral.objects.filter(status="submitted",
                                       organisation__name__startswith="North").first()
    response = client_for("commissioner2").post(
        reverse("referrals:create"), referral_form(nhs_number=existing.person.nhs_number))
    body = response.content.decode()
    assert "Contact the programme team" in body
    assert str(existing.pk) not in body and existing.person.reference not in body


def test_commissioner_b_sees_none_of_organisation_a_referrals(client_for):
    a_referrals = Referral.objects.filter(organisation__name__startswith="North")
    assert a_referrals.exists()
    b = client_for("commissioner2")
    listing = b.get(reverse("referrals:mine")).content.decode()
    for referral in a_referrals:
        assert referral.person.reference not in listing
        assert b.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
        assert b.get(reverse("referrals:person", args=[referral.person_id])).status_code == 404
    a_listing = client_for("commissioner").get(reverse("referrals:mine")).content.decode()
    assert all(r.person.reference in a_listing for r in a_referrals)


def test_a_guessed_id_is_a_404_and_the_attempt_is_logged(client_for, users):
    from audit.models import AccessLogEntry

    other = Referral.objects.filter(organisation__name__startswith="North").first()
    response = client_for("commissioner2").get(reverse("referrals:detail", args=[other.pk]))
    assert response.status_code == 404
    entry = AccessLogEntry.objects.filter(granted=False).latest("at")
    assert entry.user == users["commissioner2"] and entry.object_id == str(other.pk)


def test_viewing_a_person_is_logged_for_the_oversight_group(client_for, users):
    from audit.models import AccessLogEntry

    person = Person.objects.first()
    before = AccessLogEntry.objects.filter(person=person, granted=True).count()
    client_for("coordinator").get(reverse("referrals:person", args=[person.pk]))
    client_for("coordinator").get(reverse("referrals:person", args=[person.pk]))
    assert AccessLogEntry.objects.filter(person=person, granted=True).count() == before + 2
    log = client_for("oversight").get(reverse("records:access_log", args=[person.pk]))
    assert "Cara Lewis" in log.content.decode()
    assert client_for("coordinator").get(
        reverse("records:access_log", args=[person.pk])).status_code == 403


def test_a_rating_change_moves_people_up_the_queue_the_same_day(users):
    coordinator, commissioner = users["coordinator"], users["commissioner"]
    with time_machine.travel(date(2026, 11, 22), tick=False):
        unit = UnitFactory(cqc_rating="good")
        referral = make_referral(by=commissioner, unit=unit, lts_months=3)
        before = [row.person.pk for row in triage_queue(coordinator)]
        unit_rate(unit=unit, rating="inadequate", rated_on=date(2026, 11, 22), by=users["admin"])
        after = triage_queue(coordinator)
        position = [row.person.pk for row in after].index(referral.person_id)
        assert position < before.index(referral.person_id)
        assert after[position].priority.score == 3 + 20
        # The snapshot taken at referral keeps what was true then.
        referral.refresh_from_db()
        assert referral.priority_score == 3


def test_raising_a_concern_changes_the_score_at_once(client_for, users):
    referral = Referral.objects.filter(status="submitted",
                                       organisation__name__startswith="North").first()
    coordinator = client_for("coordinator")
    before = next(r for r in triage_queue(users["coordinator"]) if r.referral.pk == referral.pk)
    response = coordinator.post(reverse("referrals:concern_add", args=[referral.person_id]), {
        "kind": "concern", "source": "cqc", "category": "safeguarding", "severity": "high",
        "description": "Unexplained injury."})
    assert response.status_code == 302
    after = next(r for r in triage_queue(users["coordinator"]) if r.referral.pk == referral.pk)
    assert after.priority.score > before.priority.score


def test_queue_filters_by_region_route_and_age_band(client_for):
    coordinator = client_for("coordinator")
    children = coordinator.get(reverse("referrals:queue"), {"age_band": "child"}).content.decode()
    adults = coordinator.get(reverse("referrals:queue"), {"age_band": "adult"}).content.decode()
    child_refs = {r.person.reference for r in Referral.objects.filter(status="submitted")
                  if r.person.age < 18}
    assert child_refs and all(ref in children and ref not in adults for ref in child_refs)
    london = coordinator.get(reverse("referrals:queue"), {"region": "london"}).content.decode()
    for r in Referral.objects.filter(status="submitted"):
        assert (r.person.reference in london) == (r.person.current_unit.region == "london")


def _queue_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("referrals:queue")).status_code == 200
    return len(ctx.captured_queries)


def test_queue_query_count_is_the_same_for_5_and_50_referrals(client_for, users):
    Referral.objects.filter(status="submitted").update(status="closed")  # start from none
    unit = UnitFactory(cqc_rating="inadequate")
    coordinator = client_for("coordinator")
    for _ in range(5):
        make_referral(by=users["commissioner"], unit=unit,
                      concerns=[{"source": "family", "category": "other", "severity": "high",
                                 "description": "x"}])
    small = _queue_queries(coordinator)
    for _ in range(45):
        make_referral(by=users["commissioner"], unit=unit)
    assert _queue_queries(coordinator) == small


def test_my_referrals_query_count_is_the_same_for_5_and_50(client_for, users):
    unit = UnitFactory()
    commissioner = client_for("commissioner")
    Referral.objects.filter(organisation=users["commissioner"].organisation).update(
        status="closed")
    for _ in range(5):
        make_referral(by=users["commissioner"], unit=unit)
    with CaptureQueriesContext(connection) as small:
        commissioner.get(reverse("referrals:mine"))
    for _ in range(45):
        make_referral(by=users["commissioner"], unit=unit)
    with CaptureQueriesContext(connection) as large:
        commissioner.get(reverse("referrals:mine"))
    assert len(small.captured_queries) == len(large.captured_queries)


def test_equality_monitoring_is_recorded_and_shown_only_to_the_oversight_group(client_for):
    data = referral_form(ethnicity="N", sex="female", religion="Christian")
    client_for("commissioner").post(reverse("referrals:create"), data)
    person = Person.objects.get(nhs_number=data["nhs_number"])
    assert (person.characteristics.ethnicity, person.characteristics.sex) == ("N", "female")
    url = reverse("referrals:person", args=[person.pk])
    assert "Black or Black British - African" in client_for("oversight").get(url).content.decode()
    for role in ("coordinator", "commissioner"):
        assert "Black or Black British" not in client_for(role).get(url).content.decode()


def test_resolving_a_concern_needs_a_reason_and_lowers_the_score(client_for, users):
    concern = Concern.objects.filter(status="open", severity="high",
                                     person__referrals__status="submitted",
                                     person__commissioner__name__startswith="North").first()
    person = concern.person
    url = reverse("referrals:concern_resolve", args=[person.pk, concern.pk])
    before = next(r for r in triage_queue(users["coordinator"]) if r.person.pk == person.pk)
    commissioner = client_for("commissioner")
    response = commissioner.post(url, {"reason": ""}, follow=True)
    assert "Say why the concern is resolved" in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == "open"
    commissioner.post(url, {"reason": "Family visits restored"})
    concern.refresh_from_db()
    assert concern.status == "resolved"
    assert concern.history.latest().history_change_reason == "Family visits restored"
    after = next(r for r in triage_queue(users["coordinator"]) if r.person.pk == person.pk)
    assert after.priority.score < before.priority.score
    assert client_for("commissioner2").post(url, {"reason": "x"}).status_code == 404


def test_an_intervenor_records_a_worry_for_someone_on_their_caseload_only(client_for, users):
    from intervenors.models import IntervenorCase
    from referrals.selectors import person_priority

    case = IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                         status="active").select_related("person").first()
    person = case.person
    intervenor = client_for("intervenor")
    page = intervenor.get(reverse("referrals:person", args=[person.pk])).content.decode()
    assert 'id="record-concern"' in page
    assert "Resolve" not in page  # resolving stays with commissioners and coordinators
    response = intervenor.post(reverse("referrals:concern_add", args=[person.pk]), {
        "kind": "concern", "source": "family", "category": "family_contact", "severity": "high",
        "description": "His mother says visits were stopped this week."})
    assert response.status_code == 302
    concern = person.concerns.get(description__startswith="His mother")
    assert concern.recorded_by == users["intervenor"] and concern.source == "family"
    # The score counts it as policy v1 says: 5 a source with open concerns, 5 a high one, max 30.
    open_concerns = list(person.concerns.filter(status="open"))
    expected = min(30, 5 * len({c.source for c in open_concerns})
                   + 5 * sum(c.severity == "high" for c in open_concerns))
    part = next(c for c in person_priority(person).components if c.key == "concerns")
    assert part.points == expected and "family" in part.fact
    # Someone else's person: not found, nothing recorded.
    other = Referral.objects.exclude(person__intervenor_cases__intervenor__user=users[
        "intervenor"]).first().person
    count = other.concerns.count()
    assert intervenor.post(reverse("referrals:concern_add", args=[other.pk]), {
        "kind": "concern", "source": "family", "category": "other", "severity": "low",
        "description": "x"}).status_code == 404
    assert other.concerns.count() == count


@pytest.mark.parametrize("route, step, anchor", [
    ("review", "Schedule the panel", "#schedule"),
    ("both", "Schedule the panel", "#schedule"),
    ("intervenor", "Assign a senior intervenor", "#assign-a-senior-intervenor"),
])
def test_accepting_leads_to_the_next_step(users, client_for, route, step, anchor):
    """Issue 44: the banner after accepting links to the new work's first step."""
    referral = Referral.objects.filter(status="submitted").first()
    coordinator = client_for("coordinator")
    response = coordinator.post(reverse("referrals:triage", args=[referral.pk]),
                                {"route": route, "reason": "Meets the criteria.",
                                 "dates_confirmed": "on"}, follow=True)
    html = response.content.decode()
    work = (referral.reviews.get() if route != "intervenor"
            else referral.intervenor_cases.get())
    target = reverse("reviews:detail" if route != "intervenor" else "intervenors:case",
                     args=[work.pk]) + anchor
    assert f'<a href="{target}">{step}</a>' in html
    page = coordinator.get(target.split("#")[0]).content.decode()
    assert f'id="{anchor[1:]}"' in page


def test_declining_says_so_with_no_next_step(users, client_for):
    referral = Referral.objects.filter(status="submitted").first()
    html = client_for("coordinator").post(
        reverse("referrals:triage", args=[referral.pk]),
        {"route": "decline", "reason": "Not in LTS."}, follow=True).content.decode()
    assert f"{referral.person.reference}: Declined." in html
    assert "Schedule the panel</a>" not in html


@pytest.mark.parametrize("category, severity, reminded", [
    ("safeguarding", "low", True),
    ("restraint", "medium", True),
    ("physical_health", "high", True),
    ("physical_health", "medium", False),
    ("family_contact", "low", False),
])
def test_a_serious_concern_reminds_the_recorder_of_local_safeguarding(
        client_for, users, category, severity, reminded):
    """Issue 44: a high concern, or one about restraint or safeguarding, says it does not
    replace a local safeguarding referral and who will see it."""
    referral = Referral.objects.filter(status="submitted").first()
    response = client_for("coordinator").post(
        reverse("referrals:concern_add", args=[referral.person_id]),
        {"kind": "concern", "source": "family", "category": category, "severity": severity,
         "description": "Worried about last night."}, follow=True)
    html = response.content.decode()
    assert "Concern recorded" in html
    assert ("does not replace a local safeguarding referral. If anyone is at risk" in html) \
        == reminded
    if reminded:
        assert f"everyone who works with {referral.person.reference} in Pathways" in html


def test_the_referrals_score_reads_in_points_with_why_it_was_given(client_for):
    """Issue 44: "80 points on 6 Dec 2026", with the kept explanation behind "See why",
    rather than "80 (policy v1, …)"."""
    referral = Referral.objects.filter(priority_score__isnull=False).first()
    html = client_for("coordinator").get(
        reverse("referrals:detail", args=[referral.pk])).content.decode()
    points = f"{referral.priority_score} point{'' if referral.priority_score == 1 else 's'}"
    assert f"{points} on {referral.priority_snapshot_at:%-d %b %Y}" in html
    assert "See why" in html and "(policy v" not in html
    for part in referral.priority_breakdown["components"]:
        assert part["label"] in html
