"""Ranked lists keep their order between changes (pathways.paging.KeptOrder, decision 0013).

Who is in view and every score shown are read live; the order is kept under a stamp that moves
whenever a fact behind a score is saved, so a list follows every change at once. These tests
hold the kept lists equal to the live ranking after each kind of change, show that a kept order
is used (the ranking's query is not run again), and cover the cache being away.
"""
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intervenors.models import IntervenorCase
from intervenors.selectors import _ranked, waiting_list
from referrals import ranking, services
from referrals.models import Concern, Referral
from referrals.priority import Weights
from referrals.selectors import policy_in_force, triage_queue
from tests.factories import UnitFactory, make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _orders_kept(settings):
    """Orders are kept only with a shared cache; one test process shares its own."""
    settings.KEEP_RANKED_ORDERS = True


def _live_queue() -> list:
    """The queue's order straight from the database, as the coordinator sees it."""
    weights = Weights.from_policy(policy_in_force())
    return list(ranking.ranked(Referral.objects.filter(status=Referral.Status.SUBMITTED),
                               weights, date.today(), tie="raised_at")
                .values_list("pk", flat=True))


def _queue(user) -> list:
    return [row.referral.pk for row in triage_queue(user)]


@pytest.fixture
def waiting_behind(users):
    """A referral on a good unit, fresh in segregation: low in the queue, so a change to its
    facts moves it past others."""
    unit = UnitFactory(cqc_rating="good")
    return make_referral(by=users["commissioner"], unit=unit, lts_months=0)


def test_the_queue_follows_a_unit_rating_at_once(users, waiting_behind):
    coordinator = users["coordinator"]
    before = _queue(coordinator)
    assert before == _live_queue()
    services.unit_rate(unit=waiting_behind.person.current_unit, rating="inadequate",
                       rated_on=date.today(), by=users["coordinator"])
    after = _queue(coordinator)
    assert after == _live_queue()
    assert after.index(waiting_behind.pk) < before.index(waiting_behind.pk)


def test_the_queue_follows_a_concern_and_its_resolution(users, waiting_behind):
    coordinator = users["coordinator"]
    start = _queue(coordinator)
    concern = services.concern_raise(
        person=waiting_behind.person, by=users["commissioner"], source="family",
        category="other", severity="high", description="Family worried")
    raised = _queue(coordinator)
    assert raised == _live_queue() and raised != start
    services.concern_resolve(concern=Concern.objects.get(pk=concern.pk),
                             by=users["coordinator"], reason="Met the family")
    assert _queue(coordinator) == _live_queue() == start


def _ranking_queries(captured) -> list:
    """The ranking's own query: every waiting row's key, ordered by the score's subqueries."""
    return [q for q in captured.captured_queries
            if '"key_text"' in q["sql"] and "referrals_concern" in q["sql"]]


def test_a_kept_order_is_used_until_a_fact_changes(users, waiting_behind):
    coordinator = users["coordinator"]
    with CaptureQueriesContext(connection) as first:
        _queue(coordinator)
    with CaptureQueriesContext(connection) as again:
        _queue(coordinator)
    assert len(_ranking_queries(first)) == 1
    assert _ranking_queries(again) == []
    waiting_behind.person.save()        # any save of a fact moves the stamp
    with CaptureQueriesContext(connection) as changed:
        _queue(coordinator)
    assert len(_ranking_queries(changed)) == 1


def test_a_row_the_kept_order_has_not_seen_is_ranked_at_once(users):
    coordinator = users["coordinator"]
    _queue(coordinator)
    # A write that sends no signal (as a bulk load would) leaves the stamp where it was...
    stamp = ranking.facts_version()
    unit = UnitFactory(cqc_rating="inadequate")
    cache.set(ranking.FACTS_KEY, stamp, None)
    newcomer = make_referral(by=users["commissioner"], unit=unit, lts_months=40)
    cache.set(ranking.FACTS_KEY, stamp, None)
    # ...and the newcomer, unknown to the kept order, is ranked where the database puts it.
    queue = _queue(coordinator)
    assert newcomer.pk in queue
    assert queue == _live_queue()


def test_without_a_cache_the_order_is_worked_out_each_time(users, waiting_behind, monkeypatch):
    monkeypatch.setattr(ranking, "facts_version", lambda: None)
    coordinator = users["coordinator"]
    for _ in range(2):
        with CaptureQueriesContext(connection) as asked:
            queue = _queue(coordinator)
        assert queue == _live_queue()
        assert len(_ranking_queries(asked)) == 1
    services.unit_rate(unit=waiting_behind.person.current_unit, rating="inadequate",
                       rated_on=date.today(), by=coordinator)
    assert _queue(coordinator) == _live_queue()


def test_the_stamp_moves_again_when_the_change_commits(users, waiting_behind,
                                                       django_capture_on_commit_callbacks):
    before = ranking.facts_version()
    with django_capture_on_commit_callbacks(execute=False) as committed:
        waiting_behind.person.save()
    during = ranking.facts_version()
    assert during != before
    for callback in committed:
        callback()
    assert ranking.facts_version() not in (before, during)


def test_with_a_cache_each_process_keeps_apart_nothing_is_kept(users, settings):
    settings.KEEP_RANKED_ORDERS = False
    assert ranking.facts_version() is None
    coordinator = users["coordinator"]
    for _ in range(2):
        with CaptureQueriesContext(connection) as asked:
            _queue(coordinator)
        assert len(_ranking_queries(asked)) == 1


def test_the_waiting_list_follows_a_concern_at_once(users):
    coordinator = users["coordinator"]

    def live():
        return [row.case.pk for row in _ranked(lambda cases: cases)[0:500]]

    def kept():
        return [row.case.pk for row in waiting_list(coordinator)[0:500]]

    assert kept() == live()
    last = IntervenorCase.objects.get(pk=kept()[-1])
    services.concern_raise(person=last.person, by=users["commissioner"], source="person",
                           category="other", severity="high", description="Asked to move")
    services.concern_raise(person=last.person, by=users["commissioner"], source="family",
                           category="other", severity="high", description="Family worried")
    assert kept() == live()
    assert kept()[-1] != last.pk


def test_every_row_is_read_in_the_same_order_in_one_read_or_in_chunks(users, waiting_behind,
                                                                      monkeypatch):
    """An export reads every row in view: in one read by the view's own query when they fit in
    a chunk, else a chunk of keys at a time; both give the live ranking's rows in its order."""
    from pathways import paging

    coordinator = users["coordinator"]
    whole = _queue(coordinator)
    assert len(whole) > 3 and whole == _live_queue()
    monkeypatch.setattr(paging, "CHUNK", 2)
    assert _queue(coordinator) == whole
