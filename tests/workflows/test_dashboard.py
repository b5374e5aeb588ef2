"""The oversight dashboard's figures, checked against the data computed here independently."""
from datetime import date, timedelta

import pytest
from django.urls import reverse

from intervenors.models import CaseActivity, IntervenorCase
from referrals.models import LtsEpisode, Referral
from reviews.models import Action
from workflows import oversight

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
                                                        "review__person__current_unit")
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
        assert (today - episode.start_date).days >= oversight.STUCK_AFTER_DAYS
        assert not CaseActivity.objects.filter(
            case__person=person,
            occurred_on__gte=today - timedelta(days=oversight.QUIET_DAYS)).exists()
    scores = [p.rank_score for p in stuck]
    assert scores == sorted(scores, reverse=True)
    if stuck:   # contact today takes a person off the list
        case = IntervenorCase.objects.filter(person=stuck[0], status="active").first()
        if case:
            CaseActivity.objects.create(case=case, author=case.intervenor.user, kind="visit",
                                        occurred_on=today, text="Visited")
            assert stuck[0] not in list(oversight.stuck_people(today))


def test_only_the_oversight_group_and_coordinators_open_it(client_for):
    assert client_for("oversight").get(reverse("workflows:dashboard")).status_code == 200
    assert client_for("coordinator").get(reverse("workflows:dashboard")).status_code == 200
    for username in ("commissioner", "chair", "intervenor", "wardmanager"):
        assert client_for(username).get(reverse("workflows:dashboard")).status_code == 403
