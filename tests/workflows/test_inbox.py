""""My work": each role's open steps from the flows, scoped, due in working days; the tracker."""
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from audit.models import Decision
from intervenors.models import IntervenorCase
from oversight.services import thresholds
from pathways import paging
from referrals.models import Referral
from reviews.models import Action, Review
from workflows.inbox import Inbox, add_working_days
from workflows.models import StepTarget
from workflows.targets import step_target_set

pytestmark = pytest.mark.django_db


def kinds(user) -> dict[str, int]:
    return {k: n for k, n in Inbox(user, thresholds()).counts().items() if n}


def test_each_role_sees_exactly_the_steps_it_can_take(users):
    coordinator = kinds(users["coordinator"])
    assert coordinator["triage"] == Referral.objects.filter(status="submitted").count()
    assert coordinator["schedule"] == Review.objects.filter(status="requested").count()
    assert coordinator["assign"] == IntervenorCase.objects.filter(status="waiting").count()
    assert "verify" not in coordinator and "action" not in coordinator

    oversight = kinds(users["oversight"])
    assert oversight["verify"] == Action.objects.filter(status="completed").exclude(
        completed_by=users["oversight"]).exclude(owner=users["oversight"]).count() > 0
    # And the system barriers an intervenor escalated (issue 45): the demo has some waiting.
    from intervenors.models import CaseBarrier

    assert oversight["barrier"] == CaseBarrier.objects.filter(
        escalated_at__isnull=False, answered_at__isnull=True).count() > 0
    # And actions escalated and still open (the demo escalates one an intervenor agreed).
    assert oversight["escalation"] == Action.objects.filter(
        escalated_at__isnull=False, status__in=Action.OPEN_STATUSES).count() > 0
    assert set(oversight) == {"verify", "barrier", "escalation"}

    chair = users["chair"]
    chaired = Review.objects.filter(panel__user=chair, panel__role="chair")
    assert kinds(chair).get("hold_panel", 0) == chaired.filter(status="scheduled").count()
    assert kinds(chair).get("issue_report", 0) == chaired.filter(status="held").count()
    assert "triage" not in kinds(chair)

    owner = users["commissioner"]
    assert kinds(owner)["action"] == Action.objects.filter(
        owner=owner, status__in=["open", "in_progress"]).count()
    assert set(kinds(owner)) == {"action"}
    assert kinds(users["admin"]) == {}

    intervenor = users["intervenor"]
    assert kinds(intervenor)["casework"] == IntervenorCase.objects.filter(
        intervenor__user=intervenor, status="active").count()
    # Their plans' milestones past target (issue 45): the demo has one late on each case.
    assert kinds(intervenor)["milestone"] == kinds(intervenor)["casework"]
    assert "assign" not in kinds(intervenor)


def test_work_on_records_out_of_scope_is_neither_listed_nor_counted(users):
    """chair2 chairs none of chair's reviews: none of those steps reach chair2."""
    chair_reviews = {str(r.pk) for r in Review.objects.filter(panel__user=users["chair"],
                                                              panel__role="chair")}
    work = Inbox(users["chair2"], thresholds())
    assert not any(item.url.split("/")[-2] in chair_reviews for item in work)
    other = users["commissioner2"]
    assert all(item.reference != a.person.reference
               for item in Inbox(other, thresholds())
               for a in Action.objects.filter(owner=users["commissioner"]))


def test_items_are_ordered_by_due_date_and_link_to_the_form(users):
    items = list(Inbox(users["coordinator"], thresholds()))
    dues = [i.due or date.max for i in items]
    assert dues == sorted(dues)
    triage = next(i for i in items if i.kind == "triage")
    assert triage.url.endswith("/triage/") and triage.step == "Triage the referral"


def test_due_dates_count_working_days_and_skip_bank_holidays():
    # Christmas 2026: Friday 25 Dec and Monday 28 Dec (Boxing Day substitute) are holidays.
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 18), 5) == date(2026, 12, 29)
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)   # Fri -> Mon


@time_machine.travel("2026-12-24 10:00 +0000", tick=False)
def test_a_referral_raised_before_christmas_is_due_after_it(users):
    from tests.factories import UnitFactory, make_referral

    referral = make_referral(by=users["commissioner"], unit=UnitFactory())
    item = next(i for i in Inbox(users["coordinator"], thresholds()) if referral.person.reference ==
                i.reference)
    target = StepTarget.objects.get(step="triage").working_days
    assert item.due == add_working_days(date(2026, 12, 24), target)
    assert item.due.weekday() < 5


def test_changing_a_target_needs_a_reason_and_is_a_decision(users):
    from pathways.errors import DomainError

    target = StepTarget.objects.get(step="triage")
    with pytest.raises(DomainError):
        step_target_set(by=users["admin"], target=target, working_days=5, reason="")
    step_target_set(by=users["admin"], target=target, working_days=5,
                    reason="Programme board, November")
    assert StepTarget.objects.get(step="triage").working_days == 5
    decision = Decision.objects.get(kind="step_target_changed")
    assert decision.facts == {"from": 10, "to": 5} and decision.actor == users["admin"]


def test_inbox_page_and_api_for_the_chair(client_for, users):
    chair = client_for("chair")
    page = chair.get(reverse("workflows:inbox"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<h1>My work</h1>" in body
    api = chair.get("/api/v1/me/tasks/").json()
    assert api["count"] == Inbox(users["chair"], thresholds()).count()
    assert {r["kind"] for r in api["results"]} <= {"hold_panel", "issue_report", "action"}


def test_signing_in_lands_on_my_work(client):
    response = client.post(reverse("login"), {"username": "coordinator",
                                              "password": "pathways-demo"}, follow=True)
    assert response.redirect_chain[-1][0] == "/work/"


def test_the_tracker_shows_each_referral_state(client_for):
    commissioner = client_for("commissioner")
    for status, expected in [("submitted", "Waiting now"), ("accepted", "done by"),
                             ("declined", "done by")]:
        referral = Referral.objects.filter(status=status,
                                           organisation__name__startswith="North").first()
        if referral is None:
            continue
        body = commissioner.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
        assert "Progress" in body and "Referral raised" in body and expected in body


@given(st.dates(date(2025, 1, 1), date(2030, 12, 31)), st.integers(1, 40))
def test_the_overdue_cut_off_is_the_last_opening_day_past_its_target(today, days):
    from workflows.inbox import latest_overdue_opening

    last = latest_overdue_opening(today, days)
    assert add_working_days(last, days) < today <= add_working_days(last + timedelta(days=1),
                                                                     days)


def test_oversight_sees_how_many_steps_are_past_target(users, client_for):
    from tests.factories import UnitFactory, make_referral
    from workflows.inbox import overdue_steps

    due = add_working_days(date(2026, 12, 2), StepTarget.objects.get(step="triage").working_days)

    def past_target(today):
        return dict(overdue_steps(today=today))["Triage the referral"]

    # Counted before and after, as the demo's own steps may have opened on the same day.
    on_time, late = past_target(due), past_target(due + timedelta(days=1))
    with time_machine.travel("2026-12-02 10:00 +0000", tick=False):
        make_referral(by=users["commissioner"], unit=UnitFactory())
    assert past_target(due) == on_time                  # due that day: not yet late
    assert past_target(due + timedelta(days=1)) == late + 1
    page = client_for("oversight").get(reverse("workflows:inbox")).content.decode()
    assert "Steps past their target, across the programme" in page
    assert "Steps past their target" not in client_for("chair").get(
        reverse("workflows:inbox")).content.decode()


def test_on_the_same_due_date_the_higher_priority_comes_first(users):
    items = list(Inbox(users["coordinator"], thresholds()))
    for a, b in zip(items, items[1:], strict=False):
        if a.due == b.due and a.due is not None:
            assert (a.score or 0) >= (b.score or 0)


def test_a_stale_triage_after_someone_took_it_on_is_refused_with_a_message(client_for, users):
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import Role
    from workflows import claims

    other, _ = User.objects.get_or_create(username="coordinator3", defaults={
        "first_name": "Sam", "last_name": "Hale"})
    other.groups.add(Group.objects.get(name=Role.COORDINATOR))
    referral = Referral.objects.filter(status="submitted").first()
    claims.task_take(subject=referral, kind="referral", by=User.objects.get(pk=other.pk))
    response = client_for("coordinator").post(
        reverse("referrals:triage", args=[referral.pk]),
        {"route": "review", "reason": "Opened before they took it"})
    assert response.status_code in (200, 400, 409)
    assert "Sam Hale has taken this on" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == "submitted"


def test_each_steps_first_rows_read_off_the_index_are_its_first_rows_in_order(users):
    """My work reads a step's first N open tasks cut at the day of the Nth oldest (an index
    range) instead of joining and sorting every open task: the same rows in the same order,
    for every N, with tasks on several days and either side of a London midnight in summer
    (23:30 UTC is the next day in London)."""
    from datetime import UTC, datetime

    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from workflows.inbox import FlowSteps, sources

    opened = [datetime(2026, 7, 1, 23, 30, tzinfo=UTC), datetime(2026, 7, 1, 22, 30, tzinfo=UTC),
              datetime(2026, 7, 2, 9, 0, tzinfo=UTC), datetime(2026, 6, 30, 12, 0, tzinfo=UTC),
              datetime(2026, 7, 1, 23, 30, tzinfo=UTC), datetime(2026, 7, 3, 8, 0, tzinfo=UTC)]
    tasks = list(Task.objects.filter(status=STATUS.NEW).order_by("pk"))
    for n, task in enumerate(tasks):
        Task.objects.filter(pk=task.pk).update(created=opened[n % len(opened)])
    checked = 0
    for source in sources(users["coordinator"], thresholds()):
        if not isinstance(source, FlowSteps):
            continue
        total = source.count()
        for stop in range(1, total + 2):
            assert source.first(stop) == list(source.rows[:stop]), (source.kind, stop)
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("role", ["coordinator", "chair", "oversight", "intervenor",
                                  "commissioner"])
def test_each_page_of_my_work_is_that_page_of_every_item_merged(users, role, rf):
    """A page of My work reads from each source only what can be on it (cut at the earliest
    due date any one source reaches at the page's end); it must equal the same page of every
    item of every source merged and sorted, whatever the tasks' opening days."""
    from datetime import UTC, datetime

    from django.utils import timezone
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from workflows.inbox import sources

    days = [datetime(2026, 7, d, h, tzinfo=UTC) for d in (1, 2, 3, 6, 10) for h in (8, 23)]
    for n, task in enumerate(Task.objects.filter(status=STATUS.NEW).order_by("pk")):
        Task.objects.filter(pk=task.pk).update(created=days[(n * 7) % len(days)])
    user = users[role]
    targets = dict(StepTarget.objects.values_list("step", "working_days"))
    every = [s.item(row, targets) for s in sources(user, thresholds()) for row in s.rows]
    every.sort(key=lambda i: (i.due or date.max, -(i.score or 0), i.since or timezone.now(),
                              i.reference))
    assert every, role
    for size in (1, 2, 3, 5):
        for start in range(0, len(every) + 1, size):
            page = Inbox(user, thresholds())[start:start + size]
            assert page == every[start:start + size], (role, start, size)
            # As the page is asked for: counted with where it ends, in one query a step.
            work = Inbox(user, thresholds())
            asked = paging.page(rf.get("/", {"page": start // size + 1}), work, per_page=size)
            assert list(asked.object_list) == every[(asked.number - 1) * size:
                                                    asked.number * size], (role, start, size)
            assert asked.paginator.count == len(every)


def test_a_kind_of_work_with_nothing_waiting_is_not_read_for_the_page(users):
    """Once counted, a kind of work with nothing waiting costs no query for the page's rows;
    every kind with something waiting is still read (the page's items come from them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from viewflow.workflow.models import Task

    from workflows.inbox import TARGETED_NODES

    stored = Task._meta.get_field("flow_task").get_prep_value     # as the step is written
    work = Inbox(users["coordinator"], thresholds())
    counts = work.counts()
    empty = [k for k, n in counts.items() if not n and k in TARGETED_NODES]
    waiting = [k for k, n in counts.items() if n and k in TARGETED_NODES]
    assert empty and waiting, counts
    with CaptureQueriesContext(connection) as ctx:
        items = work[0:work.count()]
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    for kind in empty:
        assert stored(TARGETED_NODES[kind]) not in sql, kind
    for kind in waiting:
        assert stored(TARGETED_NODES[kind]) in sql, kind
    assert {i.kind for i in items} == set(waiting) | {k for k, n in counts.items()
                                                      if n and k not in TARGETED_NODES}


@pytest.mark.parametrize("role", ["coordinator", "chair"])
def test_steps_that_share_a_scope_are_counted_in_one_query(users, role):
    """A role that reads every record counts all its flow steps together, a chair both steps
    of the reviews they chair: one query, whose counts are each step's own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workflows.inbox import FlowSteps

    work = Inbox(users[role], thresholds())
    work.expect("1", 5)
    steps = [s for s in work.sources if isinstance(s, FlowSteps)]
    assert len(steps) > 1
    with CaptureQueriesContext(connection) as ctx:
        counts = work.counts()
    counting_steps = [q for q in ctx.captured_queries if "viewflow_task" in q["sql"]]
    assert len(counting_steps) == 1
    for step in steps:      # each as counted alone
        alone = FlowSteps.__new__(FlowSteps)
        alone.__dict__.update(step.__dict__, _cuts={})
        assert alone.count(5) == counts[step.kind] == step.counted.count()
        assert alone._cuts == {5: step._cuts[5]} and alone._earliest == step._earliest


def test_a_chairs_two_steps_read_their_first_rows_in_one_query(users):
    """A chair's two steps share a subject and a scope (the reviews they chair), so a page
    reads the first rows of both in one query, numbered within each step, and each step's
    rows are the ones it reads alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from viewflow.workflow.models import Task

    from workflows.inbox import FlowSteps, first_together

    stored = Task._meta.get_field("flow_task").get_prep_value
    work = Inbox(users["chair"], thresholds())
    work.expect("1", 50)            # as the page asks: counted with where the page ends
    steps = [s for s in work.sources if isinstance(s, FlowSteps)]
    assert {s.kind for s in steps} == {"hold_panel", "issue_report"}
    assert all(work.counts()[s.kind] for s in steps), work.counts()
    with CaptureQueriesContext(connection) as ctx:
        items = work[0:50]
    reading = [q["sql"] for q in ctx.captured_queries
               if any(stored(s.node) in q["sql"] for s in steps)]
    assert len(reading) == 1 and all(stored(s.node) in reading[0] for s in steps)
    assert {i.kind for i in items} >= {"hold_panel", "issue_report"}
    for stop in (1, 2, 3, 50):
        read = first_together(steps, stop, None, {})
        assert read == {s.kind: s.first(stop) for s in steps}, stop
