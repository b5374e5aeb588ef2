"""Programme outcomes (who leaves LTS after referral), and recording that LTS ended."""
import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Decision
from oversight import outcomes
from oversight.outcomes import Group, Journey, _spell
from pathways.errors import DomainError
from referrals.models import LtsEpisode, Referral
from referrals.services import discharge_record, lts_end, readmission_record
from tests.factories import UnitFactory, make_referral

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)
T = LtsEpisode.EndReason.TRANSFERRED


def journey(referred_days_ago, in_lts_days_before, left_after=None, **kw):
    referred = TODAY - timedelta(referred_days_ago)
    ended = referred + timedelta(left_after) if left_after is not None else None
    return Journey(referred, referred - timedelta(in_lts_days_before), ended,
                   kw.get("route", "review"), kw.get("region", "london"), "26 to 40")


def test_a_transfer_continues_the_spell_and_a_discharge_ends_it():
    d = date
    episodes = [(d(2024, 1, 1), d(2025, 1, 1), T, "london"),
                (d(2025, 1, 1), d(2025, 6, 1), T, "midlands"),
                (d(2025, 6, 1), d(2026, 2, 1), "discharged", "midlands"),
                (d(2026, 5, 1), None, "", "london")]
    # Referred while in the second episode: the spell runs from the first start to the discharge.
    assert _spell(episodes, d(2025, 3, 1)) == (d(2024, 1, 1), d(2026, 2, 1), "midlands")
    # A later, separate spell is its own.
    assert _spell(episodes, d(2026, 6, 1)) == (d(2026, 5, 1), None, "london")
    assert _spell(episodes, d(2026, 3, 1)) is None  # not in LTS that day


def test_group_figures_by_hand():
    people = [journey(400, 100, left_after=50), journey(400, 200, left_after=300),
              journey(400, 250), journey(400, 300), journey(400, 400), journey(400, 500),
              journey(100, 600)]  # referred too recently for 6 or 12 months
    row = Group("All", people).figures(TODAY)
    assert row["people"] == 7 and row["shown"]
    assert row["median_at_referral"] == 300  # of 100, 200, 250, 300, 400, 500, 600
    six = row["horizons"]["6 months"]
    assert six["eligible"] == 6
    assert six["left_percent"] == 17  # one of six had left by day 183
    # Still in LTS at day 183: 200, 250, 300, 400 and 500 days before referral, plus 183.
    assert six["median_still"] == 300 + 183
    twelve = row["horizons"]["12 months"]
    assert twelve["left_percent"] == 33  # two of six by day 365
    assert twelve["median_still"] is None  # four still in LTS: too few to show


def test_a_small_group_shows_no_figures():
    row = Group("North East", [journey(400, 100) for _ in range(4)]).figures(TODAY)
    assert row.pop("_eligible") == {"6 months": 4, "12 months": 4}   # kept, never published
    assert row == {"label": "North East", "people": 4, "shown": False,
                   "median_at_referral": None, "horizons": {}, "readmitted_percent": None}


def test_discharge_and_readmission_figures_by_hand():
    def discharged(after, readmitted_after=None, referred=800):
        j = journey(referred, 100, left_after=after)
        j.discharged_on = j.referred_on + timedelta(after)
        if readmitted_after is not None:
            j.readmitted_on = j.discharged_on + timedelta(readmitted_after)
        return j
    people = [discharged(100, readmitted_after=200), discharged(150), discharged(300),
              discharged(120, readmitted_after=400), discharged(90), journey(500, 100)]
    row = Group("All", people).figures(TODAY)
    assert row["horizons"]["6 months"]["discharged_percent"] == 67     # 4 of 6 by day 183
    assert row["horizons"]["12 months"]["discharged_percent"] == 83    # 5 of 6 by day 365
    # Five discharged a year ago or more; one readmitted within 12 months (the other after).
    assert row["readmitted_percent"] == 20


def _independently(today):
    """The overall figures recomputed from model objects, one person at a time."""
    firsts = {}
    for r in Referral.objects.exclude(route="").order_by("raised_at"):
        firsts.setdefault(r.person_id, r)
    rows = []
    for person_id, r in firsts.items():
        day0 = timezone.localdate(r.raised_at)
        eps = sorted(LtsEpisode.objects.filter(person_id=person_id), key=lambda e: e.start_date)
        current = [e for e in eps if e.start_date <= day0 and (e.end_date is None
                                                              or e.end_date >= day0)]
        if not current:
            continue
        i = eps.index(current[0])
        start = current[0].start_date
        while i > 0 and eps[i - 1].end_reason == T and eps[i - 1].end_date == start:
            i -= 1
            start = eps[i].start_date
        j = eps.index(current[0])
        end = eps[j].end_date
        while eps[j].end_reason == T and j + 1 < len(eps) and eps[j + 1].start_date == end:
            j += 1
            end = eps[j].end_date
        rows.append((day0, start, end))
    left = {}
    for name, days in outcomes.HORIZONS.items():
        eligible = [x for x in rows if x[0] + timedelta(days) <= today]
        gone = [x for x in eligible if x[2] is not None and x[2] <= x[0] + timedelta(days)]
        left[name] = round(100 * len(gone) / len(eligible)) if len(eligible) >= 5 else None
    return rows, left


def test_the_page_figures_match_an_independent_count(users):
    unit, other = UnitFactory(region="london"), UnitFactory(region="london")
    made = []
    for n in range(8):
        referral = make_referral(by=users["commissioner"], unit=unit, lts_months=14 + n)
        Referral.objects.filter(pk=referral.pk).update(
            raised_at=timezone.now() - timedelta(days=400), status="accepted", route="both")
        made.append(referral.person)
    episode = made[0].lts_episodes.get()
    episode.end_date, episode.end_reason = date.today() - timedelta(days=300), "discharged"
    episode.save()
    # A move between units is not leaving LTS.
    moved = made[1].lts_episodes.get()
    moved.end_date, moved.end_reason = date.today() - timedelta(days=350), T
    moved.save()
    LtsEpisode.objects.create(person=made[1], unit=other, start_date=moved.end_date)

    rows, left = _independently(date.today())
    data = outcomes.outcome_tables()
    assert data["overall"]["people"] == len(rows)
    for name in outcomes.HORIZONS:
        assert data["overall"]["horizons"][name]["left_percent"] == left[name]
    both = next(r for r in data["tables"]["Route"] if r["label"] == "IC(E)TR review and senior intervenor")
    assert both["people"] == 8 + sum(1 for r in Referral.objects.filter(route="both")
                                     .exclude(person__in=made).values("person").distinct())
    assert left["6 months"] is not None and left["6 months"] > 0


def test_outcomes_page_and_csv(client_for):
    page = client_for("oversight").get(reverse("oversight:outcomes"))
    assert page.status_code == 200
    assert "Programme outcomes" in page.content.decode()
    response = client_for("coordinator").get(reverse("oversight:outcomes_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0][:4] == ["breakdown", "group", "people", "median days in LTS at referral"]
    assert table[1][:2] == ["All", "Everyone"]
    assert {row[0] for row in table[2:]} == {"Route", "Region", "Age band at referral"}
    assert client_for("commissioner").get(reverse("oversight:outcomes")).status_code == 403


@pytest.fixture
def referred(users):
    referral = make_referral(by=users["commissioner"], unit=UnitFactory(), lts_months=8)
    return referral.person


@pytest.mark.parametrize("end, how, reason, field", [
    (1, "discharged", "Ward confirmed", "end_date"),            # in the future
    (-400, "discharged", "Ward confirmed", "end_date"),         # before LTS started
    (-1, "transferred", "Ward confirmed", "end_reason"),        # a move is not an end
    (0, "discharged", "   ", "reason"),
])
def test_ending_lts_refuses_bad_input_and_saves_nothing(users, referred, end, how, reason,
                                                        field):
    with pytest.raises(DomainError) as refused:
        lts_end(person=referred, end_date=date.today() + timedelta(end), end_reason=how,
                by=users["coordinator"], reason=reason)
    assert refused.value.field == field
    assert referred.lts_episodes.get().end_date is None


def test_ending_lts_before_the_referral_is_refused(users, referred):
    Referral.objects.filter(person=referred).update(raised_at=timezone.now() - timedelta(10))
    with pytest.raises(DomainError, match="before the first referral"):
        lts_end(person=referred, end_date=date.today() - timedelta(20), end_reason="discharged",
                by=users["coordinator"], reason="Ward confirmed")


def test_coordinator_records_the_end_on_the_page_and_it_is_a_decision(client_for, referred):
    coordinator = client_for("coordinator")
    page = coordinator.get(reverse("referrals:person", args=[referred.pk])).content.decode()
    assert "Record that long-term segregation ended" in page
    url = reverse("referrals:lts_end", args=[referred.pk])
    refused = coordinator.post(url, {"end_date_day": "31", "end_date_month": "2",
                                     "end_date_year": "2026", "end_reason": "discharged",
                                     "reason": "x"})
    assert refused.status_code == 400
    assert "must be a real date" in refused.content.decode()
    today = date.today()
    response = coordinator.post(url, {"end_date_day": today.day, "end_date_month": today.month,
                                      "end_date_year": today.year, "end_reason": "discharged",
                                      "reason": "Discharged home with a care package."})
    assert response.status_code == 302
    episode = referred.lts_episodes.get()
    assert (episode.end_date, episode.end_reason) == (today, "discharged")
    decision = Decision.objects.get(kind="lts_ended", subject_id=str(episode.pk))
    assert decision.actor.username == "coordinator"
    assert decision.reason == "Discharged home with a care package."
    assert episode.history.first().history_change_reason == "Discharged home with a care package."
    # Nothing is open now, so the form is gone; a second post is refused with a message.
    page = coordinator.get(reverse("referrals:person", args=[referred.pk])).content.decode()
    assert "Record that long-term segregation ended" not in page
    again = coordinator.post(url, {"end_date_day": today.day, "end_date_month": today.month,
                                   "end_date_year": today.year, "end_reason": "discharged",
                                   "reason": "again"})
    assert again.status_code == 400 and "ongoing" in again.content.decode()


def test_oversight_may_read_but_not_end_lts(client_for, referred):
    response = client_for("oversight").post(
        reverse("referrals:lts_end", args=[referred.pk]),
        {"end_date": date.today().isoformat(), "end_reason": "discharged", "reason": "x"})
    assert response.status_code == 403
    assert referred.lts_episodes.get().end_date is None


def test_a_discharge_ends_lts_and_a_readmission_follows_it_each_a_decision(users, client):
    commissioner = users["commissioner"]
    referral = make_referral(by=commissioner, unit=UnitFactory(), lts_months=8)
    person = referral.person
    client.force_login(commissioner)
    url = reverse("referrals:discharge_add", args=[person.pk])
    today = date.today()
    # Bad input: clear messages, nothing saved.
    for data, message in [
        ({"discharged_on": str(today + timedelta(1)), "setting": "own_home", "reason": "x"},
         "cannot be in the future"),
        ({"discharged_on": str(today - timedelta(30)), "setting": "own_home", "reason": "x"},
         "cannot be before the first referral"),
        ({"discharged_on": str(today), "setting": "", "reason": "x"},
         "Answer “Where did they go?”"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode()
    assert not person.discharges.exists() and person.lts_episodes.get().end_date is None

    response = client.post(url, {"discharged_on": str(today), "setting": "supported_living",
                                 "reason": "Confirmed by the ward manager."})
    assert response.status_code == 302
    episode = person.lts_episodes.get()
    assert (episode.end_date, episode.end_reason) == (today, "discharged")
    discharge = person.discharges.get()
    kinds = set(Decision.objects.filter(person=person).values_list("kind", flat=True))
    assert {"lts_ended", "discharged"} <= kinds
    # A second discharge before any readmission is refused.
    with pytest.raises(DomainError):
        discharge_record(person=person, discharged_on=today, setting="own_home",
                         by=commissioner, reason="again")

    page = client.get(reverse("referrals:person", args=[person.pk])).content.decode()
    assert "Supported living" in page and "Record a readmission" in page
    response = client.post(reverse("referrals:readmission_add", args=[person.pk, discharge.pk]),
                           {"readmitted_on": str(today - timedelta(1)), "reason": "x"})
    assert response.status_code == 400
    assert "cannot be before the discharge" in response.content.decode()
    response = client.post(reverse("referrals:readmission_add", args=[person.pk, discharge.pk]),
                           {"readmitted_on": str(today), "reason": "Admitted in crisis."})
    assert response.status_code == 302
    discharge.refresh_from_db()
    assert discharge.readmitted_on == today and discharge.readmitted_within_a_year
    decision = Decision.objects.get(kind="readmitted", subject_id=str(discharge.pk))
    assert decision.facts["within_12_months"] is True
    with pytest.raises(DomainError):
        readmission_record(discharge=discharge, readmitted_on=today, by=commissioner,
                           reason="again")


def test_the_record_shows_days_in_lts_at_referral_each_panel_and_closure(users):
    from intervenors.models import IntervenorCase
    from reviews.models import Review
    from workflows.selectors import person_related

    review = Review.objects.filter(held_on__isnull=False).select_related("person").first()
    person = review.person
    episode = person.lts_episodes.filter(end_date__isnull=True).first()
    outcome = outcomes.person_outcome(person, person_related(users["coordinator"], person))
    labels = [m.label for m in outcome["moments"]]
    assert labels[0] == "First referral" and labels[-1] == "Today"
    panel = next(m for m in outcome["moments"] if m.label.endswith("panel"))
    assert panel.day == review.held_on
    assert panel.days_in_lts == (review.held_on - episode.start_date).days
    closed = IntervenorCase.objects.filter(status="closed").first()
    moments = outcomes.person_outcome(
        closed.person, person_related(users["coordinator"], closed.person))["moments"]
    closure = next(m for m in moments if m.label == "Intervenor case closed")
    assert closure.day == timezone.localdate(closed.closed_on)
