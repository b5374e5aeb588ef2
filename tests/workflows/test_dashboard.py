"""The oversight dashboard's figures, checked against the data computed here independently."""
from datetime import date, timedelta

import pytest
from django.urls import reverse

from audit.figures import figures_version
from intervenors.models import CaseActivity, IntervenorCase
from oversight import dashboard as oversight
from oversight.services import thresholds
from referrals.models import LtsEpisode, Referral
from reviews.models import Action

pytestmark = pytest.mark.django_db


def figures():
    return {f.label: f.value for f in oversight.headline()}


def test_headline_figures_match_the_data():
    today = date.today()
    open_episodes = list(LtsEpisode.objects.filter(end_date__isnull=True))
    got = figures()
    assert got["People in long-term segregation"] == len(open_episodes)
    assert got["Longest days in LTS"] == max((today - e.start_date).days for e in open_episodes)
    assert got["Referrals awaiting triage"] == sum(
        1 for r in Referral.objects.all() if r.status == "submitted")
    actions = list(Action.objects.all())
    assert got["Overdue actions"] == sum(1 for a in actions if a.is_overdue_on(today))
    assert got["Actions awaiting verification"] == sum(1 for a in actions
                                                       if a.status == "completed")
    assert got["People waiting for an intervenor"] == IntervenorCase.objects.filter(
        status="waiting").count()


def test_overdue_by_organisation_and_region_add_up_and_link_to_the_list(client_for):
    today = date.today()
    overdue = [a for a in Action.objects.select_related("owner_organisation",
                                                        "person__current_unit")
               if a.is_overdue_on(today)]
    by_org = oversight.overdue_by_organisation()
    assert sum(r["n"] for r in by_org) == len(overdue)
    for row in by_org:
        assert row["n"] == sum(1 for a in overdue if a.owner_organisation.name == row["label"])
    assert sum(r["n"] for r in oversight.overdue_by_region()) == len(overdue)
    first = by_org[0]
    page = client_for("oversight").get(first["link"]).content.decode()
    assert f"{first['n']} action" in page


def test_length_bands_cover_everyone_in_lts():
    assert sum(n for _, n in oversight.lts_bands()) == LtsEpisode.objects.filter(
        end_date__isnull=True).count()


def test_stuck_people_are_long_in_lts_and_quiet(users):
    today = date.today()
    stuck = list(oversight.stuck_people(today))
    for person in stuck:
        episode = person.lts_episodes.get(end_date__isnull=True)
        assert (today - episode.start_date).days >= thresholds()["stuck_after_days"]
        assert not CaseActivity.objects.filter(
            case__person=person,
            occurred_on__gte=today - timedelta(days=thresholds()["quiet_days"])).exists()
    scores = [p.rank_score for p in stuck]
    assert scores == sorted(scores, reverse=True)
    if stuck:   # contact today takes a person off the list
        case = IntervenorCase.objects.filter(person=stuck[0], status="active").first()
        if case:
            CaseActivity.objects.create(case=case, author=case.intervenor.user, kind="visit",
                                        occurred_on=today, text="Visited")
            assert stuck[0] not in list(oversight.stuck_people(today))


def test_only_the_oversight_group_and_coordinators_open_it(client_for):
    assert client_for("oversight").get(reverse("oversight:dashboard")).status_code == 200
    assert client_for("coordinator").get(reverse("oversight:dashboard")).status_code == 200
    for username in ("commissioner", "chair", "intervenor", "wardmanager"):
        assert client_for(username).get(reverse("oversight:dashboard")).status_code == 403


def test_days_to_each_step_by_quarter_match_an_independent_count(users):
    import math
    import statistics

    from django.utils import timezone

    from tests.factories import UnitFactory, make_referral
    from workflows import services as flow

    long_ago = timezone.now() - timedelta(days=200)
    for n, days in enumerate([1, 3, 5, 8, 13, 21]):
        referral = make_referral(by=users["commissioner"], unit=UnitFactory(), lts_months=12)
        flow.referral_triage(referral=referral, by=users["coordinator"], route="review",
                             reason="ok")
        Referral.objects.filter(pk=referral.pk).update(
            raised_at=long_ago + timedelta(hours=n), triaged_at=long_ago + timedelta(days=days))
    quarter = oversight.quarter_of(timezone.localdate(long_ago))
    triage = sorted((timezone.localdate(r.triaged_at) - timezone.localdate(r.raised_at)).days
                    for r in Referral.objects.filter(triaged_at__isnull=False)
                    if oversight.quarter_of(timezone.localdate(r.raised_at)) == quarter)
    row = next(r for r in oversight.step_times() if r["quarter"] == quarter)
    cell = row["cells"][0]
    assert cell["n"] == len(triage)
    # Whole days, a median between two days rounded up (oversight.numbers).
    assert cell["median"] == int(statistics.median(triage) + 0.5)
    assert cell["p90"] == triage[math.ceil(0.9 * len(triage)) - 1]
    assert row["cells"][1] == {"n": 0, "median": None, "p90": None}  # no panel held yet


def test_percentile_is_nearest_rank():
    assert oversight.percentile([5, 1, 4, 2, 3], 0.9) == 5
    assert oversight.percentile(list(range(1, 11)), 0.9) == 9
    assert oversight.percentile([7], 0.9) == 7


def test_the_dashboard_draws_lengths_in_lts_as_a_chart_beside_its_table(client_for):
    page = client_for("oversight").get(reverse("oversight:dashboard")).content.decode()
    assert '<svg class="app-chart" role="img"' in page
    assert "People in long-term segregation by how long" in page
    assert "Days from referral to each step" in page
    for label, _n in oversight.lts_bands():
        assert f">{label}</text>" in page


def test_a_region_filter_counts_only_people_whose_unit_is_there():
    today = date.today()
    for region in ("london", "midlands", "north_west"):
        got = {f.label: f.value for f in oversight.headline(today, region)}
        episodes = [e for e in LtsEpisode.objects.filter(end_date__isnull=True)
                    .select_related("unit") if e.unit.region == region]
        assert got["People in long-term segregation"] == len(episodes)
        actions = [a for a in Action.objects.select_related("person__current_unit")
                   if a.person.current_unit
                   and a.person.current_unit.region == region]
        assert got["Overdue actions"] == sum(a.is_overdue_on(today) for a in actions)
        assert sum(n for _, n in oversight.lts_bands(today, region)) == len(episodes)


def test_the_period_shows_the_change_in_people_in_lts_and_what_happened(users):
    from referrals.services import lts_end

    today = date.today()
    since = today - timedelta(days=30)
    before = oversight.in_lts_on(since)
    ended = LtsEpisode.objects.filter(end_date__isnull=True,
                                      start_date__lt=since).select_related("person").first()
    lts_end(person=ended.person, end_date=today, end_reason="less_restrictive",
            by=users["coordinator"], reason="Moved to a step-down unit.")
    people = next(f for f in oversight.headline(today, since=since)
                  if f.label == "People in long-term segregation")
    now = LtsEpisode.objects.filter(end_date__isnull=True).count()
    moved = now - before
    assert people.value == now
    assert people.note == (f"{'up' if moved > 0 else 'down'} {abs(moved)} since "
                           f"{since:%-d %b %Y}" if moved else f"no change since {since:%-d %b %Y}")
    activity = {f.label: f.value for f in oversight.period_activity(since, today)}
    assert activity["People whose LTS ended"] == LtsEpisode.objects.filter(
        end_date__gte=since).exclude(end_reason="transferred").count() >= 1
    assert activity["Referrals raised"] == Referral.objects.filter(
        raised_at__date__gte=since).count()


def test_the_stuck_thresholds_are_data_changed_with_a_reason(users):
    from audit.models import Decision
    from oversight.models import OversightThreshold
    from oversight.services import threshold_set

    today = date.today()
    stuck = set(oversight.stuck_people(today).values_list("pk", flat=True))
    row = OversightThreshold.objects.get(key="stuck_after_days")
    threshold_set(by=users["admin"], threshold=row, days=3000,
                  reason="Only the very longest, for this meeting.")
    assert thresholds()["stuck_after_days"] == 3000
    fewer = set(oversight.stuck_people(today).values_list("pk", flat=True))
    assert fewer < stuck or not stuck
    for pk in fewer:
        start = LtsEpisode.objects.get(person_id=pk, end_date__isnull=True).start_date
        assert (today - start).days >= 3000
    decision = Decision.objects.get(kind="threshold_changed", subject_id=str(row.pk))
    assert decision.facts == {"from": 365, "to": 3000}


def test_the_dashboard_filters_by_region_and_period(client_for):
    oversight_client = client_for("oversight")
    page = oversight_client.get(reverse("oversight:dashboard"),
                                {"period": "all", "region": "london"}).content.decode()
    assert "Headline figures: London" in page and "In the period: all time" in page
    page = oversight_client.get(reverse("oversight:dashboard")).content.decode()
    assert "In the period: the last 12 months" in page and "since" in page


def test_figures_are_kept_until_anything_is_recorded(users):
    """The dashboard's aggregates are figured once and kept; a recorded decision (every state
    change writes one) makes the next reader figure them again."""
    from audit.models import Decision
    from audit.services import decision_record

    today = date.today()

    def overdue():
        figures, _ = oversight.dashboard_figures(today, "", None, today,
                                                 figures_version())
        return next(f.value for f in figures["headline"] if f.label == "Overdue actions")

    before = overdue()
    action = Action.objects.filter(status__in=Action.OPEN_STATUSES,
                                   due_date__gte=today).first()
    Action.objects.filter(pk=action.pk).update(due_date=today - timedelta(days=1))
    assert overdue() == before          # kept: nothing was recorded
    decision_record(actor=users["coordinator"], kind=Decision.Kind.ACTION_STATUS,
                    subject=action, summary="Due date moved", person=action.person)
    assert overdue() == before + 1


def test_the_stuck_list_pages_its_kept_ranking_in_order(client_for):
    today = date.today()
    ranked = list(oversight.stuck_people(today))
    assert len(ranked) >= 2, "the demo data has people stuck long enough to rank"
    kept = oversight.StuckPeople(today, "", figures_version())
    assert kept.count() == len(ranked)
    assert [(p.pk, p.rank_score) for p in kept[0:len(ranked)]] == [
        (p.pk, p.rank_score) for p in ranked]
    page = client_for("oversight").get(reverse("oversight:dashboard")).content.decode()
    assert "Figures as of" in page
    positions = [page.index(p.reference) for p in ranked[:20]]
    assert positions == sorted(positions)


def test_each_stalled_person_shows_their_next_step(client_for):
    """Issue 44: "Where progress has stalled" says what each person is waiting for, so the
    group sees who is already moving: a panel's date, an intervenor's start, or none."""
    from referrals.models import Person
    from reviews.models import Review

    review = Review.objects.filter(status="scheduled", scheduled_for__isnull=False).first()
    case = IntervenorCase.objects.filter(status="active").first()
    idle = Person.objects.exclude(reviews__status__in=("requested", "scheduled", "held")) \
        .exclude(intervenor_cases__status__in=("waiting", "active")) \
        .exclude(referrals__status="submitted").first()
    steps = oversight.next_steps([review.person, case.person, idle])
    panel = review.scheduled_for
    assert f"Panel {panel.day} {panel:%b %Y}" in steps[review.person.pk]
    started = case.assigned_on.date()
    assert f"Intervenor assigned {started.day} {started:%b %Y}" in steps[case.person.pk]
    assert steps[idle.pk] == "No step open"
    page = client_for("oversight").get(reverse("oversight:dashboard")).content.decode()
    assert "Where progress has stalled" in page and "Next step" in page


@pytest.mark.parametrize("region", ["", "london"])
def test_each_linked_figure_opens_a_list_of_exactly_those_records(client_for, region):
    """Issue 44: a dashboard figure links to its list filtered to exactly what it counts,
    nationally and for a region; the list's own count says the same number."""
    import re

    oversight_client = client_for("oversight")
    checked = 0
    for figure in oversight.headline(region=region):
        if not figure.link or not figure.link.startswith(("/reviews/", "/actions/",
                                                          "/referrals/queue/")):
            continue
        page = oversight_client.get(figure.link).content.decode()
        counted = re.search(r"(\d[\d,]*) (?:review|action|referral)s?\b", page)
        shown = int(counted.group(1).replace(",", "")) if counted else 0
        assert shown == figure.value, (figure.label, figure.link)
        checked += 1
    assert checked == 7
