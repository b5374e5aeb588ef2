"""The three-case limit under real concurrency, on PostgreSQL (SECURITY.md S16, S19).

Each thread opens its own database connection, waits on a barrier, then assigns; the
intervenor row lock in the service (and the trigger behind it) must let exactly three win.
"""
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from accounts.models import Organisation, User
from accounts.roles import Role
from accounts.services import user_set_organisation
from audit.models import Decision
from intervenors.models import MAX_ACTIVE_CASES, Intervenor, IntervenorCase
from intervenors.services import IntervenorCapacityError, case_reassign
from referrals.models import Unit
from tests.factories import make_referral
from workflows import services as flow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
THREADS = 20


def build(people: int):
    org = Organisation.objects.create(name="Concurrency ICB", kind="icb")
    provider = Organisation.objects.create(name="Concurrency provider", kind="provider")
    unit = Unit.objects.create(provider=provider, name="Ward C", region="london")
    commissioner = User.objects.create(username="c-commissioner")
    user_set_organisation(user=commissioner, organisation=org)
    coordinator = User.objects.create(username="c-coordinator")
    coordinator.groups.add(Group.objects.get(name=Role.COORDINATOR))
    intervenors = []
    for n in range(2):
        user = User.objects.create(username=f"c-intervenor-{n}")
        user.groups.add(Group.objects.get(name=Role.INTERVENOR))
        intervenors.append(Intervenor.objects.create(user=user, regions=["london"]))
    cases = []
    for _ in range(people):
        referral = make_referral(by=commissioner, unit=unit, route="intervenor")
        flow.referral_triage(referral=referral, by=coordinator, route="intervenor", reason="ok")
        cases.append(IntervenorCase.objects.get(referral=referral))
    return coordinator, intervenors, cases


def run_together(jobs):
    barrier, results = threading.Barrier(len(jobs)), []
    lock = threading.Lock()

    def worker(job):
        try:
            barrier.wait(timeout=30)
            outcome = job()
        except IntervenorCapacityError:
            outcome = "capacity"
        except Exception as error:  # noqa: BLE001 - recorded and asserted on below
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_twenty_simultaneous_assignments_exactly_three_succeed(postgres):
    coordinator, (intervenor, _), cases = build(THREADS)
    before = Decision.objects.filter(kind="case_assigned").count()

    def assign(case):
        return lambda: (flow.case_assign(case=case, by=coordinator, intervenor=intervenor,
                                         reason="Concurrency test") and "assigned")

    results = run_together([assign(c) for c in cases])
    assert sorted(results) == ["assigned"] * 3 + ["capacity"] * (THREADS - 3), results
    assert IntervenorCase.objects.filter(intervenor=intervenor,
                                         status="active").count() == MAX_ACTIVE_CASES
    ours = IntervenorCase.objects.filter(pk__in=[c.pk for c in cases])
    assert ours.filter(status="waiting").count() == THREADS - 3
    assert Decision.objects.filter(kind="case_assigned").count() == before + 3


def test_opposite_reassignments_at_once_neither_deadlock_nor_break_the_limit(postgres):
    coordinator, (a, b), cases = build(4)
    flow.case_assign(case=cases[0], by=coordinator, intervenor=a, reason="setup")
    flow.case_assign(case=cases[1], by=coordinator, intervenor=b, reason="setup")
    for _ in range(10):
        x = IntervenorCase.objects.get(pk=cases[0].pk)
        y = IntervenorCase.objects.get(pk=cases[1].pk)
        results = run_together([
            lambda x=x: case_reassign(case=x, to=b if x.intervenor_id == a.pk else a,
                                      by=coordinator, reason="swap") and "moved",
            lambda y=y: case_reassign(case=y, to=a if y.intervenor_id == b.pk else b,
                                      by=coordinator, reason="swap") and "moved",
        ])
        assert results == ["moved", "moved"], results
        for intervenor in (a, b):
            active = IntervenorCase.objects.filter(intervenor=intervenor, status="active")
            assert active.count() <= MAX_ACTIVE_CASES
        assert IntervenorCase.objects.filter(status="active", intervenor__isnull=True).count() == 0
