"""The oversight group's trends: month-end censuses from the records, events by month, the
breakdowns' suppression, the CSV and API, rebases as decisions, and the demo's history."""
import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import Decision
from oversight import dashboard, trends
from oversight.models import SpcRebase
from oversight.services import rebase_mark, rebase_withdraw
from oversight.suppression import SUPPRESSED, TOTAL
from pathways.errors import DomainError
from referrals.models import LtsEpisode
from tests.factories import UnitFactory, make_person
from tests.security.test_round4 import _number
from tests.workflows.test_suppression import pinned_by_narrowing

pytestmark = pytest.mark.django_db

SW = "South West"           # a region the demo leaves empty
T = LtsEpisode.EndReason.TRANSFERRED


@pytest.fixture
def month():
    """The first day of the month six complete months ago."""
    return trends.month_starts(date.today())[-6]


@pytest.fixture
def scenario(users, month):
    """Four people in the South West around one month M:
    A in LTS since before M; B left mid-M (discharged); C moved unit mid-M (the same spell);
    D began in M."""
    by = users["commissioner"]
    unit, other = UnitFactory(region="south_west"), UnitFactory(region="south_west")
    people = {k: make_person(by=by, unit=unit) for k in "ABCD"}

    def episode(key, start, end=None, reason="", where=unit):
        LtsEpisode.objects.create(person=people[key], unit=where, start_date=start,
                                  end_date=end, end_reason=reason)

    episode("A", month - timedelta(days=40))
    episode("B", month - timedelta(days=60), month + timedelta(days=14), "discharged")
    episode("C", month - timedelta(days=30), month + timedelta(days=10), T)
    episode("C", month + timedelta(days=10), where=other)
    episode("D", month + timedelta(days=5))
    return people


def region_count(raw, key, month):
    return raw.counts.get((key, month), {}).get((trends.REGION, SW), 0)


def test_month_end_census_begun_and_ended_from_the_episodes(scenario, month):
    months, raw = trends.gather(date.today())
    before = months[months.index(month) - 1]
    assert region_count(raw, "in_lts", before) == 3           # A, B and C
    # B left mid-month: counted as ended in M and not in M's month-end census.
    assert region_count(raw, "in_lts", month) == 3            # A, C (moved unit) and D
    assert region_count(raw, "ended", month) == 1             # B; a move is not an end
    assert region_count(raw, "began", month) == 1             # D; C's move is no new spell
    # The median days at M's end, by episode as the dashboard counts them.
    end = trends.month_end(month)
    days = sorted([(end - (month - timedelta(days=40))).days,
                   (end - (month + timedelta(days=10))).days,
                   (end - (month + timedelta(days=5))).days])
    assert raw.values[("median_days", month)][(trends.REGION, SW)] == days[1]


def test_a_month_end_count_equals_the_dashboards_figure_for_that_day(scenario):
    found = {s.measure.key: s for s in trends.series(date.today())}["in_lts"]
    for month, point in list(found.rows)[-8:]:
        assert point.value == dashboard.in_lts_on(trends.month_end(month)), month


def test_the_breakdowns_hide_small_counts_and_nothing_hidden_can_be_worked_out(scenario, month):
    found = {s.measure.key: s for s in trends.series(date.today())}
    for key in ("in_lts", "began", "ended"):
        s = found[key]
        for breakdown, table in s.breakdowns.items():
            for (m, values), point in zip(table["rows"], s.points, strict=True):
                if set(values) == {trends.NOT_PUBLISHED}:
                    continue                        # the month's breakdown is not published
                published = {(g, "n"): v for g, v in zip(table["groups"], values, strict=True)}
                published |= {(g, TOTAL): v for (g, _), v in list(published.items())}
                published |= {(TOTAL, "n"): point.value, (TOTAL, TOTAL): point.value}
                assert not pinned_by_narrowing(published), (key, breakdown, m, published)
                for v in values:
                    assert v == SUPPRESSED or v == 0 or v >= 5, (key, breakdown, m, values)
    # The scenario's three people in the South West are hidden, not shown as 3.
    table = found["in_lts"].breakdowns[trends.REGION]
    row = dict(table["rows"])[month]
    assert row[table["groups"].index(SW)] == SUPPRESSED


def test_the_csv_has_the_columns_and_one_row_per_measure_group_and_month(client_for, scenario):
    response = client_for("oversight").get(reverse("oversight:trends_csv"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == trends.CSV_HEADER
    national = [r for r in rows if r["group"] == "England"]
    assert len(national) == len(trends.MEASURES) * trends.MONTHS
    assert {r["month"] for r in national} == {f"{m:%Y-%m}" for m in
                                              trends.month_starts(date.today())}
    south_west = [r for r in rows if r["group"] == f"{trends.REGION}: {SW}"
                  and r["measure"] == "in_lts"]
    assert "suppressed" in {r["value"] for r in south_west}      # marked, never blank or 0
    assert all(r["special_cause"] in ("", *trends.spc.RULES) for r in rows)
    # Every cell is a number, a word, or kept as text by the one CSV writer.
    for row in rows:
        for cell in row.values():
            assert cell[:1] not in ("=", "+", "@") and (cell[:1] != "-" or _number(cell))


def test_the_query_count_does_not_grow_with_the_months(scenario):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for months in (6, 36):
        with CaptureQueriesContext(connection) as queries:
            trends.gather(date.today(), months)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12, counts


def test_marking_and_withdrawing_a_rebase_are_decisions_and_move_the_limits(users, month):
    oversight = users["oversight"]
    with pytest.raises(DomainError):
        rebase_mark(by=oversight, measure="in_lts", month=month, reason=" ")
    with pytest.raises(DomainError):
        rebase_mark(by=oversight, measure="nothing", month=month, reason="why")
    rebase = rebase_mark(by=oversight, measure="in_lts", month=month,
                         reason="A new community service opened")
    with pytest.raises(DomainError):
        rebase_mark(by=users["coordinator"], measure="in_lts", month=month, reason="again")
    decision = Decision.objects.get(kind="spc_rebased")
    assert decision.actor == oversight and decision.reason == "A new community service opened"
    from oversight.services import rebases_in_force

    found = {s.measure.key: s for s in trends.series(date.today(), rebases_in_force())}
    points = found["in_lts"].points
    index = found["in_lts"].months.index(month)
    assert points[index].segment == 1 and points[index - 1].segment == 0
    rebase_withdraw(by=users["coordinator"], rebase=rebase, reason="Marked on the wrong chart")
    assert Decision.objects.filter(kind="spc_rebase_withdrawn").count() == 1
    assert SpcRebase.objects.get().withdrawn_by == users["coordinator"]
    assert rebases_in_force() == {}


def test_the_rebase_form_says_what_is_wrong_and_only_the_group_and_coordinators_use_it(
        client_for, month):
    url = reverse("oversight:trend", args=["ended"])
    response = client_for("oversight").post(url, {"month": f"{month:%Y-%m}", "reason": ""})
    assert response.status_code == 400
    assert "Say what changed in the process" in response.content.decode()
    assert client_for("commissioner").post(url, {"month": f"{month:%Y-%m}",
                                                 "reason": "x"}).status_code == 403
    assert not SpcRebase.objects.exists()
    response = client_for("coordinator").post(url, {"month": f"{month:%Y-%m}",
                                                    "reason": "New definition"})
    assert response.status_code == 302
    rebase = SpcRebase.objects.get()
    withdraw = reverse("oversight:rebase_withdraw", args=[rebase.pk])
    assert client_for("chair").post(withdraw, {f"withdraw-{rebase.pk}-reason": "x"}
                                    ).status_code == 403
    client_for("oversight").post(withdraw, {f"withdraw-{rebase.pk}-reason": ""})
    assert SpcRebase.objects.get().withdrawn_at is None            # no reason, no withdrawal
    client_for("oversight").post(withdraw, {f"withdraw-{rebase.pk}-reason": "Wrong month"})
    assert SpcRebase.objects.get().withdrawn_at is not None
    assert client_for("oversight").get(reverse("oversight:trend", args=["nothing"])
                                       ).status_code == 404


def test_the_demo_history_shows_something_on_every_trend_and_a_dated_improvement(users):
    from demo.scale import Seeder

    Seeder(600, seed=41, prefix="History", quiet=True, in_lts=200, past=200).run()
    found = {s.measure.key: s for s in trends.series(date.today())}
    for key, s in found.items():
        assert any(p.value for p in s.points), key
    # After the made-up change, actions are done on time more often: SPC says improvement.
    assert any(p.variation == "improvement" for p in found["on_time"].points[-12:])
    # Quiet: nothing in the history waits on the demo's own users or on triage.
    from referrals.models import Referral
    from reviews.models import Action

    history = {"person__commissioner__name__startswith": "History ICB"}
    assert Referral.objects.filter(**history).count() > 300
    assert not Referral.objects.filter(status="submitted", **history).exists()
    assert not Action.objects.filter(status__in=Action.OPEN_STATUSES,
                                     **{f"review__{k}": v for k, v in history.items()}).exists()


def test_the_api_gives_the_csvs_rows_a_page_at_a_time(scenario):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(User.objects.get(username="oversight"))
    response = api.get("/api/v1/trends/", {"measure": "in_lts", "group": "England",
                                           "page_size": 100})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == trends.MONTHS and {r["published"] for r in rows} == {"shown"}
    assert rows[-1]["month"] == f"{trends.month_starts(date.today())[-1]:%Y-%m}"
    hidden = api.get("/api/v1/trends/", {"measure": "in_lts", "group": f"Region: {SW}",
                                         "page_size": 100}).json()["results"]
    assert "suppressed" in {r["published"] for r in hidden}
    assert all(r["value"] is None for r in hidden if r["published"] != "shown")
    assert api.get("/api/v1/trends/", {"measure": "nothing"}).status_code == 400
    api.force_authenticate(User.objects.get(username="commissioner"))
    assert api.get("/api/v1/trends/").status_code == 403
