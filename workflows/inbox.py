""""My work": what is waiting for this person, since when and by when.

Built from viewflow's open tasks (which step of which flow is waiting) and the domain rows,
each source read through the scoped selectors, so a task about a record the user cannot see is
never listed nor counted. Each source is one query for its count and one for its oldest rows
(none when nothing of its kind waits, or when even its oldest is due after the page ends),
whatever the size of the backlog: within a source every item has the same target, so the
oldest are the soonest due, and merging the first rows of each source gives the first rows of
the whole list (`page` asks each source for no more than it needs).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from operator import attrgetter

import holidays
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.roles import Role
from accounts.selectors import reads_everything
from intervenors.models import CaseActivity, IntervenorCase
from intervenors.selectors import cases_visible
from notifications.models import Delivery
from pathways.links import link
from pathways.paging import PagedRows, asked_number
from pathways.text import shortened
from referrals.models import Concern
from referrals.selectors import people_visible, referrals_visible
from reviews.models import Action, ActionStatus, EscalationResponse
from reviews.selectors import actions_visible, reviews_visible

from .flows import IntervenorFlow, ReferralFlow, ReviewFlow
from .models import StepTarget

# A row's page, made only if the row is shown, the quick way `{% link %}` makes it.
url_to = lazy(link, str)


@lru_cache(maxsize=8)
def _bank_holidays(year: int) -> frozenset[date]:
    # England and Wales share their bank holidays; `holidays` keeps the list (and the
    # one-off days a government adds) up to date.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


@lru_cache(maxsize=4096)
def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (a step opened on a Friday with 1 working day
    is due on Monday, or Tuesday after a bank holiday Monday)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


@dataclass(frozen=True)
class WorkItem:
    step: str                # what to do, in plain words
    reference: str           # the person's pseudonymous reference
    url: str                 # straight to the form (lazy: made only for the rows shown)
    since: datetime | None   # when it started waiting for this person
    due: date | None
    kind: str                # a StepTarget step, "action" or "verify"
    taken_by: str = ""       # who has taken the step on ("I'm on it"), if anyone
    score: int | None = None  # the priority score taken when the referral was raised
    about: str = ""          # which thing, where a person has several: an action's text, cut

    def overdue_on(self, today: date) -> bool:
        return self.due is not None and self.due < today


class Source:
    """One kind of work: its rows (a queryset, soonest due first) and how a row reads as a
    WorkItem (`item(row, targets)`); `due` names the field holding an item's due date (None:
    the kind has no due date)."""

    def __init__(self, kind: str, rows, item, due: str | None = None):
        self.kind, self.rows, self.item, self.due = kind, rows, item, due

    def count(self, stop: int | None = None) -> int:
        return self.rows.count()

    def bound(self, stop: int, targets: dict) -> date | None:
        """The due date of this kind's stop-th item, where it is known without reading the
        rows (None: not known, or fewer items)."""
        return None

    def first(self, stop: int, until: date | None = None, targets: dict | None = None) -> list:
        """The first `stop` items in this source's order, leaving out any due after `until`
        (items without a due date sort after every dated one, so none is read then)."""
        rows = self.rows
        if until is not None:
            if self.due is None:
                return []
            rows = rows.filter(**{f"{self.due}__lte": until})
        return list(rows[:stop])


class QuietCases(Source):
    """The intervenor's active cases with nothing logged for `days` days (an oversight threshold
    kept as data, issue 45). Each is due `days` after the last activity logged, or after the
    assignment if none was, so a quiet case is ranked among the rest of the work."""

    def __init__(self, user, days: int):
        last = (CaseActivity.objects.filter(case=OuterRef("pk")).order_by("-occurred_on")
                .values("occurred_on")[:1])
        rows = (IntervenorCase.objects.filter(intervenor__user=user, status="active")
                .annotate(last=Coalesce(Subquery(last), TruncDate("assigned_on")))
                .filter(last__lte=timezone.localdate() - timedelta(days=days))
                .select_related("person").only("person__reference", "assigned_on")
                .order_by("last", "person__reference", "pk"))
        super().__init__("quiet", rows, self.row_item)
        self.days = days

    def row_item(self, case, targets: dict) -> WorkItem:
        return WorkItem(
            LABELS["quiet"], case.person.reference,
            format_lazy("{}#log-activity", url_to("intervenors:case", case.pk)),
            timezone.make_aware(datetime.combine(case.last, time(9))),
            case.last + timedelta(days=self.days), "quiet",
            about=f"Nothing logged since {case.last:%-d %b %Y}; the rhythm is contact at least "
                  f"every {self.days} days")

    def first(self, stop: int, until: date | None = None, targets: dict | None = None) -> list:
        rows = self.rows
        if until is not None:
            rows = rows.filter(last__lte=until - timedelta(days=self.days))
        return list(rows[:stop])


class Requests(Source):
    """Requests for a review recorded on someone's behalf, oldest first. Each is due a target
    number of working days after the day it was made (StepTarget "review_request"), so a
    request is ranked among the rest of the work rather than after it (issue 44)."""

    def __init__(self, rows):
        super().__init__("review_request", rows, self.row_item)

    @staticmethod
    def row_item(concern, targets: dict) -> WorkItem:
        days = targets.get("review_request")
        return WorkItem(
            LABELS["review_request"], concern.person.reference,
            format_lazy("{}#concerns", url_to("referrals:person", concern.person_id)),
            timezone.make_aware(datetime.combine(concern.raised_on, time(9))),
            add_working_days(concern.raised_on, days) if days else None, "review_request")

    def first(self, stop: int, until: date | None = None, targets: dict | None = None) -> list:
        rows = self.rows
        if until is not None:
            days = (targets or {}).get("review_request")
            if not days:
                return []
            rows = rows.filter(raised_on__lte=latest_overdue_opening(
                until + timedelta(days=1), days))
        return list(rows[:stop])


# What an item asks for: a flow step (StepTarget.Step) or an action to update or verify.
FLOW_STEPS = [c for c in StepTarget.Step.choices if c[0] != StepTarget.Step.REVIEW_REQUEST]
WORK_KINDS = [*FLOW_STEPS, ("casework", "Casework: log contact or propose closure"),
              (StepTarget.Step.REVIEW_REQUEST.value, StepTarget.Step.REVIEW_REQUEST.label),
              ("escalation", "Follow up the escalated action"),
              ("barrier", "Answer an escalated system barrier"),
              ("milestone", "A milestone is past its target"),
              ("quiet", "Log contact: nothing logged on the case for a while"),
              ("bounced", "An action owner did not get their email"),
              ("action", "Update the action"), ("verify", "Verify the action")]
LABELS = dict(WORK_KINDS)

# A step's list order (the day a task opened, then the score) and what a row reads of a task.
ORDER = ("opened", F("score").desc(nulls_last=True), "created", "pk")
ROW = ("created", "assigned", "owner_id", "owner__username", "owner__first_name",
       "owner__last_name", "subject_pk", "reference", "score")

# The flow's process model (viewflow's Process subclass) for each kind of subject.
PROCESS = {"referral": "referralprocess", "review": "reviewprocess", "case": "intervenorprocess"}


class FlowSteps(Source):
    """Open tasks of one flow step (`node`) whose subject (`referral`, `review` or `case`) is
    in `scoped`. A task is due a number of working days after the day it opened, so the order
    starts with that day, and a page's tasks are cut at a day on the index (step, status,
    created) before they are joined and sorted, rather than joining every open task of the
    step. What a request has learnt of the step (its count, when its oldest and its stop-th
    oldest task opened) is kept on the object for the rest of the request."""

    def __init__(self, kind: str, node, subject: str, scoped, url_name: str):
        child = PROCESS[subject]
        referral = f"process__{child}__{subject}" + ("" if subject == "referral"
                                                     else "__referral")
        self.node = node
        if scoped is None:              # a role that reads every record of this kind
            self.scope, self.group = Q(), None
        else:                           # the subjects' keys, already read, or their query
            self.scope = Q(**{f"process__{child}__{subject}__in": scoped if isinstance(
                scoped, list) else scoped.values("pk")})
            self.group = (subject, id(scoped))
        # Steps of the same subject and scope can read their first rows in one query.
        self.reads_with = (subject, self.group)
        tasks = Task.objects.filter(self.scope, flow_task=node, status=STATUS.NEW)
        self.counted = tasks
        # The day a step opened then the score is the list's order. Only the values an item
        # shows, as plain values: a task row and its subject are wide (JSON, long texts), and
        # a page reads a few plain values faster than five model objects.
        self.shown = {"opened": TruncDate("created"),
                      "score": F(f"{referral}__priority_score"),
                      "subject_pk": F(f"process__{child}__{subject}"),
                      "reference": F(f"process__{child}__{subject}__person__reference")}
        rows = tasks.annotate(**self.shown).order_by(*ORDER).values_list(*ROW)
        super().__init__(kind, rows, self._item)
        self.url_name = url_name
        self._cuts: dict[int, datetime | None] = {}   # stop -> when the stop-th oldest opened
        self._counted_as: int | None = None
        self._earliest: datetime | None = None        # when the oldest opened, once counted

    def count(self, stop: int | None = None) -> int:
        """The count; with `stop`, in the same query, when the oldest and the stop-th oldest
        task opened (what the page ending at `stop` needs)."""
        if not stop:
            return self.counted.count()
        return self.counted_from(self.counted.aggregate(**self.figures(0, stop)), 0, stop)

    def figures(self, i: int, stop: int) -> dict:
        """The aggregates `count(stop)` reads, named for the i-th step of a query that may
        count other steps beside it (`count_together`)."""
        mine = Q(flow_task=self.node)
        return {f"n{i}": Count("pk", filter=mine), f"first{i}": Min("created", filter=mine),
                f"nth{i}": Max(Subquery(  # Max: the one value, whatever rows it is beside
                    self.counted.order_by("created").values("created")[stop - 1:stop]))}

    def counted_from(self, found: dict, i: int, stop: int) -> int:
        self._cuts[stop] = found[f"nth{i}"]
        self._counted_as, self._earliest = found[f"n{i}"], found[f"first{i}"]
        return self._counted_as

    def _nth_opened(self, stop: int) -> datetime | None:
        """When the stop-th oldest open task opened (read off the index); None when there are
        fewer, or when the count already shows that the first `stop` take every task."""
        if self._counted_as is not None and stop >= self._counted_as:
            return None
        if stop not in self._cuts:
            found = (list(self.counted.order_by("created").values_list("created", flat=True)
                          [stop - 1:stop]) if stop >= 1 else [])
            self._cuts[stop] = found[0] if found else None
        return self._cuts[stop]

    def _due(self, opened: datetime, targets: dict) -> date:
        """When a task of this step that opened at `opened` is due (its kind has a target)."""
        return add_working_days(timezone.localdate(opened), targets[self.kind])

    def bound(self, stop: int, targets: dict) -> date | None:
        opened = self._nth_opened(stop)
        if opened is None or self.kind not in targets:
            return None
        return self._due(opened, targets)

    def wanted(self, stop: int, until: date | None, targets: dict) -> Q | None:
        """Which of the step's tasks can be among its first `stop`, none due after `until`:
        those opened up to the day the stop-th oldest opened, and up to the last opening day
        that is due by `until` (Q() when every one can; None when none can)."""
        if stop < 1 or (until is not None and self.kind not in targets):
            return None
        if until is not None and self._counted_as is not None and (
                self._earliest is None or self._due(self._earliest, targets) > until):
            return None     # even the oldest task is due after the page ends
        days = []
        if (opened := self._nth_opened(stop)) is not None:
            days.append(timezone.localdate(opened))
        if until is not None:
            days.append(latest_overdue_opening(until + timedelta(days=1), targets[self.kind]))
        if not days:
            return Q()
        next_day = min(days) + timedelta(days=1)
        return Q(created__lt=timezone.make_aware(datetime.combine(next_day, time.min)))

    def first(self, stop: int, until: date | None = None, targets: dict | None = None) -> list:
        """The first `stop` tasks in the list's order, none due after `until`."""
        wanted = self.wanted(stop, until, targets or {})
        return [] if wanted is None else list(self.rows.filter(wanted)[:stop])

    def _item(self, row, targets) -> WorkItem:
        created, assigned, owner, username, first_name, last_name, pk, reference, score = row
        due = self._due(created, targets) if self.kind in targets else None
        # Who has taken the step on, named as a User is (str(user)).
        taken = (f"{first_name} {last_name}".strip() or username) if assigned and owner else ""
        return WorkItem(LABELS[self.kind], reference, url_to(self.url_name, pk),
                        created, due, self.kind, taken, score)


def count_together(steps: list[FlowSteps], stop: int) -> None:
    """Count steps that share their scope (every step, for a role that reads every record; a
    chair's two steps, over the reviews they chair) in one query instead of one each."""
    found = Task.objects.filter(steps[0].scope, status=STATUS.NEW,
                                flow_task__in=[step.node for step in steps]).aggregate(
        **{name: figure for i, step in enumerate(steps)
           for name, figure in step.figures(i, stop).items()})
    for i, step in enumerate(steps):
        step.counted_from(found, i, stop)


def first_together(steps: list[FlowSteps], stop: int, until: date | None,
                   targets: dict) -> dict[str, list]:
    """The first rows of steps of one subject and scope (a chair's two steps, or a
    coordinator's two about cases), by kind, in one query instead of one each: each step's
    tasks cut as `FlowSteps.first` cuts them, numbered in the list's order within the step,
    and those numbered up to `stop` kept."""
    wanted = {step: q for step in steps if (q := step.wanted(stop, until, targets)) is not None}
    if len(wanted) < 2:
        return {step.kind: step.first(stop, until, targets) for step in steps}
    which = Q()
    for step, q in wanted.items():
        which |= Q(flow_task=step.node) & q
    first = next(iter(wanted))
    rows = (Task.objects.filter(first.scope, which, status=STATUS.NEW)
            .annotate(**first.shown)
            .annotate(place=Window(RowNumber(), partition_by=F("flow_task"), order_by=ORDER))
            .filter(place__lte=stop).order_by("place").values_list("flow_task", *ROW))
    kind = {step.node: step.kind for step in wanted}
    found: dict[str, list] = {step.kind: [] for step in steps}
    for node, *row in rows:         # the step is read back as its flow node
        found[kind[node]].append(tuple(row))
    return found


def _sharing(sources: list[Source], shared) -> list[list[FlowSteps]]:
    """The flow steps among `sources` grouped by what `shared` reads of them (their scope, or
    their subject and scope), the groups of two or more: each is read in one query."""
    groups: dict = {}
    for source in sources:
        if isinstance(source, FlowSteps):
            groups.setdefault(shared(source), []).append(source)
    return [steps for steps in groups.values() if len(steps) > 1]


def _issued(action) -> datetime | None:
    day = action.issued_on
    return timezone.make_aware(datetime.combine(day, time(9))) if day else None


def sources(user, limits: dict[str, int]) -> list[Source]:
    """Every kind of work this user can do now, each scoped to what they may see. `limits` are
    the oversight thresholds in force (oversight.services.thresholds)."""
    found: list[Source] = []
    def scope_of(perm, visible):
        return None if reads_everything(user, perm) else visible(user)

    if user.has_perm("referrals.triage_referral"):
        found.append(FlowSteps("triage", ReferralFlow.triage, "referral",
                                  scope_of("referrals.view_referral", referrals_visible),
                                  "referrals:triage"))
    if user.has_perm("reviews.schedule_review"):
        found.append(FlowSteps("schedule", ReviewFlow.schedule, "review",
                                  scope_of("reviews.view_review", reviews_visible),
                                  "reviews:detail"))
        # A request for a review recorded on someone's behalf waits here until a coordinator
        # answers it (schedules a review, or says why not) and resolves it.
        people = scope_of("referrals.view_person", people_visible)
        asked = Concern.objects.filter(kind=Concern.Kind.REVIEW_REQUEST,
                                       status=Concern.Status.OPEN)
        if people is not None:
            asked = asked.filter(person__in=people.values("pk"))
        asked = asked.select_related("person").order_by("raised_on", "pk")
        found.append(Requests(asked))
    if user.has_role(Role.CHAIR):
        # The reviews this user chairs, read once: a chair's panels are tens, and two plain
        # lists plan far faster than the permission scope written into four queries.
        chaired = list(reviews_visible(user).filter(panel__user=user, panel__role="chair")
                       .values_list("pk", flat=True))
        found.append(FlowSteps("hold_panel", ReviewFlow.hold_panel, "review", chaired,
                                  "reviews:detail"))
        found.append(FlowSteps("issue_report", ReviewFlow.issue_report, "review", chaired,
                                  "reviews:detail"))
    # Built only for a role that assigns or closes cases (a chair's page has no use for it).
    cases = (scope_of("intervenors.view_intervenorcase", cases_visible)
             if user.has_perm("intervenors.assign_intervenorcase")
             or user.has_perm("intervenors.confirm_closure_intervenorcase") else None)
    if user.has_perm("intervenors.assign_intervenorcase"):
        found.append(FlowSteps("assign", IntervenorFlow.assign, "case", cases,
                                  "intervenors:case"))
    if user.has_role(Role.INTERVENOR):
        mine = cases_visible(user).filter(intervenor__user=user)
        found.append(FlowSteps("casework", IntervenorFlow.casework, "case", mine,
                                  "intervenors:case"))
    if user.has_perm("intervenors.confirm_closure_intervenorcase"):
        found.append(FlowSteps("confirm_closure", IntervenorFlow.confirm_closure, "case",
                                  cases, "intervenors:case"))
    # The person's priority, from the referral behind the review or the case (decision 0027).
    score = Coalesce("review__referral__priority_score", "case__referral__priority_score")

    def listed(actions):
        """Only what an item shows of an action: the person's reference, the day it was
        issued, the due date and when it was escalated (the joins for the order stay)."""
        return actions.select_related(None).select_related("person").only(
            "text", "due_date", "escalated_at", "issued_on", "person__reference")

    owned = (listed(actions_visible(user)).filter(owner=user, status__in=Action.OPEN_STATUSES)
             .annotate(score=score).order_by("due_date", score.desc(nulls_last=True), "pk"))
    found.append(Source("action", owned, lambda a, targets: WorkItem(
        "Update the action", a.person.reference, url_to("reviews:action", a.pk),
        _issued(a), a.due_date, "action", score=a.score, about=shortened(a.text)),
        due="due_date"))
    if user.has_perm("reviews.verify_action"):
        # Separation of duties: never an action one owns or completed oneself.
        to_verify = (listed(actions_visible(user)).filter(status=ActionStatus.COMPLETED)
                     .exclude(completed_by=user).exclude(owner=user).annotate(score=score)
                     .order_by(score.desc(nulls_last=True), "issued_on", "pk"))
        found.append(Source("verify", to_verify, lambda a, targets: WorkItem(
            "Verify the action", a.person.reference,
            url_to("reviews:action", a.pk), _issued(a), None, "verify",
            score=a.score, about=shortened(a.text))))
    if user.has_perm("reviews.assign_owner_action"):
        # Open actions whose owner's email about them did not arrive (issue 43): due at once.
        bounced = (Delivery.objects.filter(
            notification__action=OuterRef("pk"), user=OuterRef("owner"),
            status=Delivery.Status.PERMANENT_FAILURE, followed_up_at__isnull=True)
            .order_by("status_at").values("status_at")[:1])
        unheard = (listed(actions_visible(user)).filter(status__in=Action.OPEN_STATUSES)
                   .annotate(bounced_at=Subquery(bounced), score=score)
                   .filter(bounced_at__isnull=False)
                   .annotate(due=TruncDate("bounced_at"))
                   .order_by("due", score.desc(nulls_last=True), "pk"))
        found.append(Source("bounced", unheard, lambda a, targets: WorkItem(
            LABELS["bounced"], a.person.reference,
            format_lazy("{}#owner-email", url_to("reviews:action", a.pk)), a.bounced_at,
            a.due, "bounced", score=a.score, about=shortened(a.text)), due="due"))
    if user.has_perm("reviews.respond_escalation_action"):
        # Escalated and still open: due at once, then on the date the group chose to look again.
        again = (EscalationResponse.objects.filter(action=OuterRef("pk"))
                 .order_by("-recorded_at").values("follow_up_on")[:1])
        escalated = (listed(actions_visible(user))
                     .filter(escalated_at__isnull=False, status__in=Action.OPEN_STATUSES)
                     .annotate(again=Subquery(again), escalated_on=TruncDate("escalated_at"),
                               score=score)
                     .annotate(due=Coalesce("again", "escalated_on"))
                     .order_by("due", score.desc(nulls_last=True), "pk"))
        found.append(Source("escalation", escalated, lambda a, targets: WorkItem(
            LABELS["escalation"], a.person.reference,
            url_to("reviews:action", a.pk), a.escalated_at, a.due, "escalation",
            score=a.score, about=shortened(a.text)), due="due"))
    if user.has_role(Role.INTERVENOR):
        found.append(QuietCases(user, limits["case_quiet_days"]))
        # The intervenor's own plan steps past their target (issue 45), most overdue first.
        from intervenors.models import CaseMilestone

        late = (CaseMilestone.objects.filter(
            case__intervenor__user=user, case__status="active",
            status__in=CaseMilestone.OPEN_STATUSES, target_date__lt=timezone.localdate())
            .select_related("case__person")
            # The merged list's order among equals: due, then (no score) the reference.
            .order_by("target_date", "case__person__reference", "pk"))
        found.append(Source("milestone", late, lambda m, targets: WorkItem(
            LABELS["milestone"], m.case.person.reference,
            format_lazy("{}milestones/{}/", url_to("intervenors:case", m.case_id), m.pk),
            timezone.make_aware(datetime.combine(m.target_date, time(9))), m.target_date,
            "milestone", about=m.title), due="target_date"))
    if user.has_role(Role.OVERSIGHT):
        # System barriers an intervenor escalated (issue 45): due at once, oldest first.
        from intervenors.models import CaseBarrier

        waiting = (CaseBarrier.objects.filter(escalated_at__isnull=False,
                                              answered_at__isnull=True)
                   .select_related("case__person", "kind")
                   .annotate(due=TruncDate("escalated_at")).order_by("escalated_at", "pk"))
        found.append(Source("barrier", waiting, lambda b, targets: WorkItem(
            LABELS["barrier"], b.case.person.reference,
            format_lazy("{}barriers/{}/", url_to("intervenors:case", b.case_id), b.pk),
            b.escalated_at, b.due, "barrier",
            about=b.kind.name), due="due"))
    return found


class Inbox(PagedRows):
    """The user's work, soonest due first, then the highest priority score (as taken when the
    referral was raised), then the longest waiting; pageable."""

    def __init__(self, user, limits: dict[str, int]):
        super().__init__()
        self.sources = sources(user, limits)
        self._counts: dict[str, int] | None = None
        self._targets: dict[str, int] | None = None
        self._expected_stop: int | None = None

    def expect(self, asked, per_page: int) -> None:
        """The page a request asks for: each step's count then also reads where that page
        ends among its tasks (pathways.paging.page calls this before counting)."""
        if (number := asked_number(asked)) is not None:
            self._expected_stop = number * per_page

    def counts(self) -> dict[str, int]:
        if self._counts is None:
            stop, together = self._expected_stop, {}
            if stop:
                for steps in _sharing(self.sources, attrgetter("group")):
                    count_together(steps, stop)
                    together |= {step.kind: step._counted_as for step in steps}
            self._counts = {s.kind: together[s.kind] if s.kind in together else s.count(stop)
                            for s in self.sources}
        return self._counts

    def total(self) -> int:
        return sum(self.counts().values())

    def rows(self, key: slice) -> list:
        stop = key.stop if key.stop is not None else self.count()
        if self._targets is None:
            self._targets = dict(StepTarget.objects.values_list("step", "working_days"))
        # The stop-th item of the merged list is due no later than the stop-th of any one
        # source, so no source needs an item due after the earliest of those dates.
        counts = self.counts()      # a kind with nothing waiting is not read again
        waiting = [source for source in self.sources if counts[source.kind]]
        bounds = [b for source in waiting
                  if (b := source.bound(stop, self._targets)) is not None]
        until = min(bounds, default=None)
        read: dict[str, list] = {}
        for steps in _sharing(waiting, attrgetter("reads_with")):
            read |= first_together(steps, stop, until, self._targets)
        items = [source.item(row, self._targets) for source in waiting
                 for row in (read[source.kind] if source.kind in read
                             else source.first(stop, until, self._targets))]
        items.sort(key=lambda i: (i.due or date.max, -(i.score or 0),
                                  i.since or timezone.now(), i.reference))
        return items[key]

    def __iter__(self):
        return iter(self[0:self.count()])


def latest_overdue_opening(today: date, working_days: int) -> date:
    """The last day a step could have opened and be overdue today under its target."""
    day = today - timedelta(days=1)
    while add_working_days(day, working_days) >= today:
        day -= timedelta(days=1)
    return day


# The flow steps that have a service-level target, by StepTarget step.
TARGETED_NODES = {
    "triage": ReferralFlow.triage, "schedule": ReviewFlow.schedule,
    "hold_panel": ReviewFlow.hold_panel, "issue_report": ReviewFlow.issue_report,
    "assign": IntervenorFlow.assign, "confirm_closure": IntervenorFlow.confirm_closure,
}


def overdue_steps(today: date | None = None) -> list[tuple[str, int]]:
    """Across the programme, how many open steps are past their target (one query), for the
    people who oversee it. Counts only: no person is named."""
    today = today or timezone.localdate()
    targets = dict(StepTarget.objects.values_list("step", "working_days"))
    counts = {}
    for step, node in TARGETED_NODES.items():
        if step in targets:
            cutoff = latest_overdue_opening(today, targets[step]) + timedelta(days=1)
            since = timezone.make_aware(datetime.combine(cutoff, time.min))
            counts[step] = Count("pk", filter=Q(flow_task=node, created__lt=since))
    totals = Task.objects.filter(status=STATUS.NEW).aggregate(**counts) if counts else {}
    return [(StepTarget.Step(step).label, totals[step]) for step in counts]
