"""National scale ×10 in minutes: bulk writes that leave what the services would leave.

`manage.py seed_scale` loads about ten times England's numbers (20,000 people, 2,000 in LTS,
2,000 reviews, 20,000 actions, 200 senior intervenors) for benchmarks and load tests. The
services take a fifth of a second a person, so this writes in bulk, and to stay honest it
writes, for every row, what the service would: a history row ("+", by the system user, with a
reason), the object permissions `workflows.grants.expected()` derives from the relationships,
the decisions a person would have made, and each flow's process with its tasks in the state
the flow would be in. tests/workflows/test_seed_scale.py proves it: no grant drift, and
sampled referrals, reviews and cases taken on through the real flows.

This is the one module allowed bulk writes (tests/workflows/test_audit.py names it).
"""
from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model
from simple_history.utils import bulk_create_with_history
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.token import Token

from accounts.models import Organisation, Region, User
from accounts.roles import Role
from accounts.services import commissioners_group
from audit.models import Decision
from audit.services import system_user
from intervenors.models import MAX_ACTIVE_CASES, CaseActivity, Intervenor, IntervenorCase
from referrals import priority, ranking
from referrals.models import (
    Concern,
    Condition,
    CqcRating,
    CqcRatingValue,
    Discharge,
    LtsEpisode,
    Person,
    ProtectedCharacteristics,
    Referral,
    Route,
    Unit,
)
from referrals.selectors import policy_in_force
from reviews.models import (
    Action,
    ActionUpdate,
    BarrierAnswer,
    BarrierDomain,
    PanelMember,
    Recommendation,
    Review,
    Theme,
)
from workflows.flows import IntervenorFlow, ReferralFlow, ReviewFlow
from workflows.models import IntervenorProcess, ReferralProcess, ReviewProcess

MARKER = "Scale ICB 01"
REASON = "Seeded at national scale for benchmarks"
BATCH = 1000
REGIONS = Region.values
ICBS = 42                                     # England has 42 integrated care boards

# The task each flow has open, and the ones done before it, for each state of its subject
# (node, owner): owner names who completes a human step, None for the system's own steps.
REFERRAL_TASKS = {
    Referral.Status.SUBMITTED: [("start", None), ("snapshot", None), ("triage", "open")],
    Referral.Status.ACCEPTED: [("start", None), ("snapshot", None), ("triage", "coordinator"),
                               ("accepted", None), ("hand_over", None), ("end", None)],
    Referral.Status.DECLINED: [("start", None), ("snapshot", None), ("triage", "coordinator"),
                               ("accepted", None), ("end", None)],
}
REVIEW_TASKS = {
    Review.Status.REQUESTED: [("start", None), ("schedule", "open")],
    Review.Status.SCHEDULED: [("start", None), ("schedule", "coordinator"),
                              ("hold_panel", "open")],
    Review.Status.HELD: [("start", None), ("schedule", "coordinator"), ("hold_panel", "chair"),
                         ("issue_report", "open")],
    Review.Status.REPORT_ISSUED: [("start", None), ("schedule", "coordinator"),
                                  ("hold_panel", "chair"), ("issue_report", "chair"),
                                  ("end", None)],
}
CASE_TASKS = {
    IntervenorCase.Status.WAITING: [("start", None), ("assign", "open")],
    IntervenorCase.Status.ACTIVE: [("start", None), ("assign", "coordinator"),
                                   ("casework", "open")],
    IntervenorCase.Status.CLOSED: [("start", None), ("assign", "coordinator"),
                                   ("casework", "intervenor"), ("confirm_closure", "coordinator"),
                                   ("closed", None), ("end", None)],
}


def valid_nhs_number(n: int) -> str:
    """The n-th valid NHS number in a block kept for scale data (9 digits and a check digit)."""
    while True:
        base = f"{600_000_000 + n * 7:09d}"
        total = sum(int(d) * (10 - i) for i, d in enumerate(base))
        check = (11 - total % 11) % 11
        if check != 10:
            return base + str(check)
        n += 1_000_000


def scale_present(prefix: str = "Scale") -> bool:
    return Organisation.objects.filter(name=f"{prefix} ICB 01").exists()


# Three years of history (issue 41). Fourteen months ago the made-up programme changed its way
# of working: from then on more people leave LTS, panels come sooner and actions are done on
# time more often, so the trends show a dated improvement that SPC picks out.
HISTORY_DAYS = 3 * 365 + 30
CHANGE_DAYS_AGO = 425


class Seeder:
    """`prefix` names what it makes ("Scale ICB 01", users "scomm001", people "PW-S00001").
    `quiet` (the demo's history): no referral awaiting triage, no review or case waiting on
    anyone, every action closed, and none of it given to the demo's own users, so the demo's
    scenarios read as before while three years of history lie behind them."""

    def __init__(self, people: int = 20_000, *, seed: int = 12, out=None, prefix: str = "Scale",
                 quiet: bool = False, in_lts: int | None = None, past: int | None = None):
        self.n = people
        self.in_lts, self.past = in_lts, past
        self.rng = random.Random(seed)   # noqa: S311 - made-up data, repeatable by seed
        self.out = out
        self.prefix, self.tag, self.quiet = prefix, prefix[0].lower(), quiet
        self.today = date.today()
        self.now = timezone.now()
        self.change = self.today - timedelta(days=CHANGE_DAYS_AGO)
        self.places_held = defaultdict(list)     # intervenor -> [(assigned, closed or None)]
        self.history = defaultdict(list)     # model -> objects, flushed with their history
        self.perm_ids = {(p.content_type.app_label, p.codename): p.pk
                         for p in Permission.objects.select_related("content_type")}
        self.grants = defaultdict(list)      # direct permission model -> rows
        self.decisions: list[Decision] = []
        self.processes: list[tuple] = []     # (process class, subject field, subject, shape)

    def say(self, text):
        if self.out:
            self.out(text)

    # Sizes, in proportion to England's numbers ×10 at 20,000 people -----------------------
    def share(self, per_20000: int, least: int = 1) -> int:
        return max(least, round(per_20000 * self.n / 20_000))

    def save(self, obj):
        self.history[type(obj)].append(obj)
        return obj

    def flush(self):
        for model in [Unit, CqcRating, Person, ProtectedCharacteristics, LtsEpisode, Discharge,
                      Concern,
                      Referral, Review, PanelMember, BarrierAnswer, Recommendation, Action,
                      ActionUpdate, Intervenor, IntervenorCase, CaseActivity]:
            objs = self.history.pop(model, [])
            if objs:
                bulk_create_with_history(objs, model, batch_size=BATCH, default_user=self.system,
                                         default_change_reason=REASON, default_date=self.now)
        assert not self.history, f"not written: {list(self.history)}"

    def grant(self, holder, perm: str, obj):
        app, codename = perm.split(".")
        model = type(obj)
        if isinstance(holder, Group):
            table = get_group_obj_perms_model(model)
            row = table(group_id=holder.pk, content_object_id=obj.pk)
        else:
            table = get_user_obj_perms_model(model)
            row = table(user_id=holder.pk, content_object_id=obj.pk)
        row.permission_id = self.perm_ids[(app, codename)]
        self.grants[table].append(row)

    def decide(self, actor, kind, subject, person, summary, reason, when, facts=None):
        self.decisions.append(Decision(
            actor=actor, made_at=when, kind=kind, person=person,
            subject_type=subject._meta.label, subject_id=str(subject.pk), summary=summary[:300],
            reason=reason, facts=facts or {}))

    # The run ------------------------------------------------------------------------------
    @transaction.atomic
    def run(self) -> dict:
        self.system = system_user()
        self.policy = policy_in_force()
        self.weights = priority.Weights.from_policy(self.policy)
        self.organisations()
        self.staff()
        self.units()
        self.flush()
        self.people()
        self.flush()
        self.referrals()
        self.flush()
        self.reviews()
        self.cases()
        self.long_history()
        self.flush()
        for table, rows in self.grants.items():
            table.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        Decision.objects.bulk_create(self.decisions, batch_size=BATCH)
        self.flows()
        ranking.facts_changed()     # bulk writes send no signals: kept orders start again
        if connection.vendor == "postgresql":
            # Fresh statistics, as autovacuum would gather later: the planner's row estimates
            # decide whether a page is read off an index or sorted in full.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return {
            "people": Person.objects.count(), "referrals": Referral.objects.count(),
            "awaiting triage": Referral.objects.filter(status="submitted").count(),
            "reviews": Review.objects.count(), "actions": Action.objects.count(),
            "intervenors": Intervenor.objects.count(),
            "waiting": IntervenorCase.objects.filter(status="waiting").count(),
        }

    def organisations(self):
        self.say("organisations")
        make = Organisation.objects.get_or_create
        self.icbs = [make(name=f"{self.prefix} ICB {i + 1:02d}", defaults={
            "kind": Organisation.Kind.ICB, "region": REGIONS[i % len(REGIONS)],
            "ods_code": f"Q{self.tag.upper()}{i + 1:02d}"})[0] for i in range(ICBS)]
        self.providers = [make(name=f"{self.prefix} provider {i + 1:02d}", defaults={
            "kind": Organisation.Kind.PROVIDER, "region": REGIONS[i % len(REGIONS)],
            "ods_code": f"R{self.tag.upper()}{i + 1:03d}"})[0] for i in range(self.share(60, 3))]
        self.cqc = make(name="Care Quality Commission", defaults={
            "kind": Organisation.Kind.CQC, "ods_code": "X9Q"})[0]
        self.nhse = make(name="NHS England", defaults={
            "kind": Organisation.Kind.NHSE_REGION, "ods_code": "X24"})[0]
        self.groups = {org.pk: commissioners_group(org) for org in self.icbs}
        # A share of the cohort belongs to the demo commissioner's ICB, so that the demo
        # commissioner's pages are measured at scale too.
        demo = User.objects.filter(username="commissioner").select_related("organisation").first()
        if demo and demo.organisation and not self.quiet:
            self.icbs[0] = demo.organisation
            self.groups[demo.organisation.pk] = commissioners_group(demo.organisation)

    def _users(self, prefix, count, role, organisation):
        group = Group.objects.get(name=str(role))
        users = [User(username=f"{prefix}{i + 1:03d}", first_name=prefix.title(),
                      last_name=f"{i + 1:03d}", email=f"{prefix}{i + 1:03d}@example.nhs.uk",
                      organisation=organisation(i) if callable(organisation) else organisation)
                 for i in range(count)]
        for user in users:
            user.set_unusable_password()         # nobody signs in as these
        bulk_create_with_history(users, User, batch_size=BATCH, default_user=self.system,
                                 default_change_reason=REASON, default_date=self.now)
        users = list(User.objects.filter(username__in=[u.username for u in users]).order_by(
            "username"))
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users])
        return users

    def staff(self):
        self.say("staff")
        t = self.tag
        self.commissioners = self._users(f"{t}comm", ICBS, Role.COMMISSIONER,
                                         lambda i: self.icbs[i])
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=self.groups[u.organisation_id].pk)
             for u in self.commissioners], ignore_conflicts=True)
        demo = User.objects.filter(username="commissioner").first()
        if demo and not self.quiet:
            self.commissioners[0] = demo
        self.by_org = {u.organisation_id: u for u in self.commissioners}
        self.coordinator = User.objects.filter(username="coordinator").first() or self.system
        self.chairs = self._users(f"{t}chair", self.share(60, 2), Role.CHAIR, self.cqc)
        demo_chair = User.objects.filter(username="chair").first()
        if demo_chair and not self.quiet:
            self.chairs[0] = demo_chair
        self.experts = self._users(f"{t}expert", self.share(60, 2), Role.PANEL_MEMBER, None)
        self.owners = self._users(f"{t}owner", self.share(100, 2), Role.ACTION_OWNER,
                                  lambda i: self.providers[i % len(self.providers)])
        workers = self._users(f"{t}interv", self.share(200, 2), Role.INTERVENOR, self.nhse)
        for user in workers:
            self.save(Intervenor(user=user, regions=self.rng.sample(REGIONS, 2)))
        self.intervenors = self.history[Intervenor]

    def units(self):
        self.say("units")
        ratings = [CqcRatingValue.GOOD] * 5 + [CqcRatingValue.REQUIRES_IMPROVEMENT] * 3 + [
            CqcRatingValue.INADEQUATE, CqcRatingValue.OUTSTANDING, CqcRatingValue.NOT_YET_RATED]
        self.unit_list = []
        for i in range(self.share(300, 5)):
            provider = self.providers[i % len(self.providers)]
            rating = self.rng.choice(ratings)
            rated_on = self.today - timedelta(days=self.rng.randint(30, 900))
            unit = self.save(Unit(provider=provider, name=f"{self.prefix} ward {i + 1:03d}",
                                  region=provider.region, cqc_rating=rating,
                                  cqc_rated_on=None if rating == "not_yet_rated" else rated_on))
            if rating != "not_yet_rated":
                self.save(CqcRating(unit=unit, rating=rating, rated_on=rated_on,
                                    recorded_by=self.system))
            self.unit_list.append(unit)

    def people(self):
        self.say("people")
        rng, start = self.rng, Person.objects.count()
        in_lts = self.in_lts or self.share(2000, 2)
        past = self.past or self.share(1600, 2)  # people whose LTS ended in the last 3 years
        self.lts_people, self.past_people = [], []
        ethnicities = ProtectedCharacteristics.Ethnicity.values
        reference = f"PW-{self.tag.upper()}"
        for i in range(self.n):
            org = self.icbs[i % ICBS]
            lts, was = i < in_lts, in_lts <= i < in_lts + past
            # One in twenty people in LTS is a child (an IC(E)TR, and the children's lists).
            age = rng.choice([15, 16, 17]) if lts and i % 20 == 0 else rng.randint(18, 70)
            unit = rng.choice(self.unit_list) if lts or was or rng.random() < 0.5 else None
            person = self.save(Person(
                reference=f"{reference}{start + i:05d}", nhs_number=valid_nhs_number(start + i),
                date_of_birth=self.today - timedelta(days=age * 365 + rng.randint(0, 364)),
                condition=rng.choice(Condition.values), commissioner=org, current_unit=unit,
                legal_status="Mental Health Act section 3" if lts or was else ""))
            self.save(ProtectedCharacteristics(
                person=person, ethnicity=rng.choice(ethnicities),
                sex=rng.choice(ProtectedCharacteristics.Sex.values)))
            self.grant(self.groups[org.pk], "referrals.view_person", person)
            if lts:
                # Fewer new spells since the change: most began before it.
                days = rng.randint(20, CHANGE_DAYS_AGO) if rng.random() < 0.08 else \
                    rng.randint(CHANGE_DAYS_AGO, 3000)
                person.open_episode = self.save(LtsEpisode(
                    person=person, unit=unit, start_date=self.today - timedelta(days=days)))
                person.lts_start, person.lts_end = person.open_episode.start_date, None
                self.lts_people.append(person)
            elif was:
                self.ended_spell(person, unit)
                self.past_people.append(person)
        self.endings()
        sources, severities = Concern.Source.values, Concern.Severity.values
        self.open_concerns = defaultdict(list)
        for _ in range(self.share(5000)):
            person = rng.choice(self.lts_people)
            open_ = rng.random() < 0.7
            concern = self.save(Concern(
                person=person, source=rng.choice(sources), category="quality_of_care",
                severity=rng.choice(severities), description="Concern recorded at scale.",
                raised_on=self.today - timedelta(days=rng.randint(1, 400)),
                status=Concern.Status.OPEN if open_ else Concern.Status.RESOLVED,
                recorded_by=self.system))
            if open_:
                self.open_concerns[person.pk].append(
                    priority.ConcernFact(concern.source, concern.severity, concern.kind,
                                         concern.raised_on))

    def ended_spell(self, person, unit):
        """A spell of LTS that ended in the last three years: more of them since the change.
        Some moved unit on the way (a transfer is the same spell); half left hospital, and
        some of those came back within the year."""
        rng = self.rng
        recent = rng.random() < 0.7
        low, high = (CHANGE_DAYS_AGO, 2) if recent else (HISTORY_DAYS - 30, CHANGE_DAYS_AGO)
        end = self.today - timedelta(days=rng.randint(high, low))
        begun = end - timedelta(days=rng.randint(120, 1100))
        reason = rng.choice([LtsEpisode.EndReason.DISCHARGED] * 5
                            + [LtsEpisode.EndReason.LESS_RESTRICTIVE] * 3
                            + [LtsEpisode.EndReason.ENDED_SAME_UNIT] * 2)
        last_unit = unit
        if rng.random() < 0.1:
            moved = begun + (end - begun) / 2
            last_unit = rng.choice(self.unit_list)
            self.save(LtsEpisode(person=person, unit=unit, start_date=begun, end_date=moved,
                                 end_reason=LtsEpisode.EndReason.TRANSFERRED))
            self.save(LtsEpisode(person=person, unit=last_unit, start_date=moved, end_date=end,
                                 end_reason=reason))
            person.current_unit = last_unit
        else:
            self.save(LtsEpisode(person=person, unit=unit, start_date=begun, end_date=end,
                                 end_reason=reason))
        person.lts_start, person.lts_end, person.end_reason = begun, end, reason
        if reason == LtsEpisode.EndReason.DISCHARGED:
            back = end + timedelta(days=rng.randint(30, 330))
            self.save(Discharge(person=person, discharged_on=end,
                                setting=rng.choice(Discharge.Setting.values),
                                readmitted_on=back if rng.random() < 0.3 and back < self.today
                                else None, recorded_by=self.system))

    def referrals(self):
        self.say("referrals")
        rng = self.rng
        self.accepted = []
        for person in self.lts_people + self.past_people:
            roll = rng.random()
            past = person.lts_end is not None
            status = (Referral.Status.SUBMITTED if roll < 0.35 and not past and not self.quiet
                      else Referral.Status.DECLINED if roll < 0.40 or (past and roll < 0.08)
                      else Referral.Status.ACCEPTED)
            # Raised while in LTS, within the three years, and (for a spell now ended) with time
            # for the programme's work before it ended.
            latest = (person.lts_end - timedelta(days=30)) if past else self.today
            earliest = max(person.lts_start + timedelta(days=7),
                           self.today - timedelta(days=HISTORY_DAYS))
            if latest <= earliest:
                latest = earliest + timedelta(days=1)
            raised = timezone.make_aware(datetime.combine(
                earliest + timedelta(days=rng.randint(0, (latest - earliest).days)),
                time(9))) + timedelta(minutes=rng.randint(0, 480))
            raised = min(raised, self.now - timedelta(hours=1))
            commissioner = self.by_org[person.commissioner_id]
            unit = person.current_unit
            explained = priority.score(priority.PersonFacts(
                date_of_birth=person.date_of_birth, lts_start=person.lts_start,
                unit_rating=unit.cqc_rating, unit_name=unit.name,
                open_concerns=tuple(self.open_concerns[person.pk])), self.weights, raised.date())
            requested = rng.choice([Route.REVIEW, Route.INTERVENOR, Route.BOTH])
            referral = self.save(Referral(
                person=person, organisation=person.commissioner, raised_by=commissioner,
                raised_at=raised, reason="Referral raised at scale.", requested_route=requested,
                status=status, priority_score=explained.score,
                priority_breakdown=explained.as_dict(), priority_policy=self.policy,
                priority_snapshot_at=raised))
            group = self.groups[person.commissioner_id]
            self.grant(group, "referrals.view_referral", referral)
            self.grant(group, "referrals.view_person", person)
            self.decide(commissioner, Decision.Kind.REFERRAL_SUBMITTED, referral, person,
                        f"Referral raised for {person.reference}", referral.reason, raised,
                        {"priority": explained.as_dict()})
            if status != Referral.Status.SUBMITTED:
                referral.triaged_by = self.coordinator
                referral.triaged_at = min(raised + timedelta(days=rng.randint(1, 20)), self.now)
                if status == Referral.Status.DECLINED:
                    referral.decision_reason = "Already in a local review."
                    kind, summary = Decision.Kind.TRIAGE_DECLINED, "Referral declined for"
                else:
                    referral.route = requested
                    referral.decision_reason = "Meets the criteria for the national programme."
                    kind, summary = Decision.Kind.TRIAGE_ACCEPTED, "Referral accepted for"
                    self.accepted.append(referral)
                self.decide(self.coordinator, kind, referral, person,
                            f"{summary} {person.reference}", referral.decision_reason,
                            referral.triaged_at)
            self.processes.append((ReferralProcess, ReferralFlow, "referral", referral,
                                   REFERRAL_TASKS[status], {"open": None}))

    def endings(self):
        """The decisions behind each spell that ended, discharge and readmission, as the
        services record them: after the referral, by the coordinator."""
        episodes = [e for e in self.history[LtsEpisode] if e.end_date is not None
                    and e.end_reason != LtsEpisode.EndReason.TRANSFERRED]
        for episode in episodes:
            when = timezone.make_aware(datetime.combine(episode.end_date, time(15)))
            self.decide(self.coordinator, Decision.Kind.LTS_ENDED, episode, episode.person,
                        f"Long-term segregation ended: {episode.get_end_reason_display()}",
                        "Recorded from the ward's report.", when,
                        {"end_date": episode.end_date.isoformat()})
        for discharge in self.history[Discharge]:
            when = timezone.make_aware(datetime.combine(discharge.discharged_on, time(15)))
            self.decide(self.coordinator, Decision.Kind.DISCHARGED, discharge, discharge.person,
                        "Discharged from hospital", "Recorded from the ward's report.", when)
            if discharge.readmitted_on:
                self.decide(self.coordinator, Decision.Kind.READMITTED, discharge,
                            discharge.person, "Readmitted to hospital",
                            "Recorded from the ward's report.",
                            timezone.make_aware(datetime.combine(discharge.readmitted_on,
                                                                 time(15))))

    def reviews(self):
        self.say("reviews")
        rng = self.rng
        domains = list(BarrierDomain.objects.filter(active=True))
        self.themes = list(Theme.objects.filter(active=True))
        routed = [r for r in self.accepted if r.route in (Route.REVIEW, Route.BOTH)]
        # At scale, England's ×10 number of reviews; the demo's history reviews everyone routed.
        target, made = (len(routed) if self.quiet else self.share(2000)), 0
        statuses = [Review.Status.REPORT_ISSUED] * 14 + [
            Review.Status.REQUESTED, Review.Status.SCHEDULED, Review.Status.HELD] * 2
        while made < target:        # at scale, round the routed referrals until there are enough
            before = made
            for referral in routed:
                if made >= target:
                    break
                status = Review.Status.REPORT_ISSUED if self.quiet else rng.choice(statuses)
                if self.review(referral, status, domains):
                    made += 1
            if made == before or self.quiet:
                break

    def review(self, referral, status, domains) -> bool:
        rng, person = self.rng, referral.person
        # Panels came sooner after the change; a panel is never in the future, and a spell
        # that ended had its panel before it ended.
        soon = referral.triaged_at.date() >= self.change
        requested = referral.triaged_at + timedelta(days=rng.randint(0, 10))
        wait = rng.randint(14, 30) if soon else rng.randint(25, 75)
        last_day = (person.lts_end - timedelta(days=1)) if person.lts_end else \
            self.today - timedelta(days=15)
        if status in (Review.Status.HELD, Review.Status.REPORT_ISSUED) and \
                (requested + timedelta(days=wait)).date() > last_day:
            if self.quiet or person.lts_end:
                return False
            status = Review.Status.SCHEDULED
        requested = min(requested, self.now)
        chair = rng.choice(self.chairs)
        commissioner = self.by_org[person.commissioner_id]
        review = self.save(Review(
            referral=referral, person=person, status=status, requested_at=requested,
            kind=Review.Kind.ICETR if person.date_of_birth > self.today - timedelta(days=18 * 365)
            else Review.Kind.ICTR))
        group = self.groups[person.commissioner_id]
        self.grant(group, "reviews.view_review", review)
        members = [(chair, PanelMember.PanelRole.CHAIR),
                   (rng.choice(self.experts), PanelMember.PanelRole.CLINICAL_EXPERT),
                   (commissioner, PanelMember.PanelRole.COMMISSIONER)]
        if status != Review.Status.REQUESTED:
            review.scheduled_for = (requested + timedelta(days=wait)).date()
            review.venue = "On the ward"
            for user, role in members:
                self.save(PanelMember(review=review, user=user, role=role))
                self.grant(user, "reviews.view_review", review)
                self.grant(user, "referrals.view_person", person)
                self.grant(user, "referrals.view_referral", referral)
            self.grant(chair, "reviews.change_review", review)
            self.save(PanelMember(review=review, external_name="Expert by experience",
                                  role=PanelMember.PanelRole.EXPERT_BY_EXPERIENCE))
            if review.kind == Review.Kind.ICETR:     # as review_schedule requires
                self.save(PanelMember(review=review, external_name="Education representative",
                                      role=PanelMember.PanelRole.EDUCATION))
            self.decide(self.coordinator, Decision.Kind.PANEL_SCHEDULED, review, person,
                        f"Panel scheduled for {person.reference}", "Panel allocated.", requested)
        if status in (Review.Status.HELD, Review.Status.REPORT_ISSUED):
            review.held_on = review.scheduled_for
            review.findings = "Findings recorded at scale. " * 40
            for domain in domains:
                self.save(BarrierAnswer(review=review, domain=domain,
                                        is_barrier=rng.random() < 0.3))
            self.decide(chair, Decision.Kind.PANEL_HELD, review, person,
                        f"Panel held on {review.held_on:%d %b %Y}", "Panel findings recorded.",
                        datetime.combine(review.held_on, time(12), tzinfo=UTC))
        if status == Review.Status.REPORT_ISSUED:
            review.report_issued_on = min(review.held_on + timedelta(days=14),
                                          self.today - timedelta(days=1))
            review.report_summary = "Report issued at scale."
            issued = datetime.combine(review.report_issued_on, time(12), tzinfo=UTC)
            for number in range(1, 4):
                rec = self.save(Recommendation(review=review, number=number,
                                               text=f"Recommendation {number} at scale.",
                                               theme=rng.choice(self.themes)))
                for _ in range(rng.randint(2, 7)):
                    self.action(review, rec, chair, group, issued)
            self.decide(chair, Decision.Kind.REPORT_ISSUED, review, person,
                        "Report issued: recommendations and actions recorded",
                        "Report agreed by the panel.", issued)
        self.processes.append((ReviewProcess, ReviewFlow, "review", review,
                               REVIEW_TASKS[status], {"open": None, "chair": chair}))
        return True

    def action(self, review, recommendation, chair, group, issued):
        """An action whose status follows from its dates: done on time more often since the
        change, some late, some not yet; each completion and verification an update and a
        decision, as action_update records them."""
        rng = self.rng
        owner = (self.by_org[review.person.commissioner_id] if rng.random() < 0.6
                 else rng.choice(self.owners))
        due = review.report_issued_on + timedelta(days=rng.randint(14, 180))
        on_time = rng.random() < (0.8 if due >= self.change else 0.45)
        done = (due - timedelta(days=rng.randint(0, 12)) if on_time
                else due + timedelta(days=rng.randint(1, 120)))
        done = max(done, review.report_issued_on + timedelta(days=1))
        if rng.random() < (0.06 if due >= self.change else 0.12):
            done = date.max                          # never done: overdue until someone acts
        if self.quiet and done >= self.today:        # the demo's history is all closed
            done = self.today - timedelta(days=1)
        cancelled = rng.random() < 0.05
        status = ("cancelled" if cancelled else "open" if done >= self.today
                  else "verified" if done + timedelta(days=14) < self.today or self.quiet
                  else "completed")
        if status == "open" and rng.random() < 0.4:
            status = "in_progress"
        action = self.save(Action(
            review=review, recommendation=recommendation, person=review.person,
            issued_on=review.report_issued_on, text="Action agreed at scale.",
            owner=owner, owner_organisation=owner.organisation, owner_name=owner.get_full_name(),
            due_date=due, status=status,
            completion_evidence="Evidence at scale." if status in ("completed", "verified")
            else "", cancel_reason="No longer needed." if status == "cancelled" else "",
            completed_by=owner if status in ("completed", "verified") else None,
            verified_by=self.coordinator if status == "verified" else None))
        person = review.person

        def update(author, day, new_status, text, kind):
            at = min(timezone.make_aware(datetime.combine(day, time(14))), self.now)
            self.save(ActionUpdate(action=action, author=author, created_at=at, text=text,
                                   new_status=new_status))
            self.decide(author, kind, action, person, f"Action {new_status.replace('_', ' ')}",
                        text, at)
            return at

        if status == "cancelled":
            update(self.coordinator, min(done, self.today), "cancelled", "No longer needed.",
                   Decision.Kind.ACTION_CANCELLED)
        elif status in ("completed", "verified"):
            update(owner, done, "completed", "Done: evidence attached.",
                   Decision.Kind.ACTION_STATUS)
            if status == "verified":
                action.verified_at = update(
                    self.coordinator, min(done + timedelta(days=rng.randint(1, 14)),
                                          self.today), "verified", "Evidence checked.",
                    Decision.Kind.ACTION_VERIFIED)
        elif status == "in_progress":
            update(owner, min(review.report_issued_on + timedelta(days=7), self.today),
                   "in_progress", "Work started.", Decision.Kind.ACTION_STATUS)
        self.grant(group, "reviews.view_action", action)
        self.grant(chair, "reviews.view_action", action)
        self.grant(owner, "reviews.view_action", action)
        self.grant(owner, "reviews.change_action", action)
        return action

    def free_intervenor(self, start: date, end: date | None):
        """An intervenor holding fewer than three cases at every moment from `start` to `end`
        (open-ended: None), or None: the three-case rule held in the past too."""
        def overlaps(held):
            a, b = held
            return (end is None or a < end) and (b is None or b > start)
        for worker in self.rng.sample(self.intervenors, len(self.intervenors)):
            if sum(overlaps(h) for h in self.places_held[worker]) < MAX_ACTIVE_CASES:
                self.places_held[worker].append((start, end))
                return worker
        return None

    def cases(self):
        self.say("intervenor cases")
        rng = self.rng
        routed = [r for r in self.accepted if r.route in (Route.INTERVENOR, Route.BOTH)]
        for referral in routed:
            person, roll = referral.person, rng.random()
            waiting = referral.triaged_at
            assigned = waiting + timedelta(days=rng.randint(1, 45))
            if person.lts_end is not None:       # the case closed when LTS ended
                closes, status = person.lts_end, IntervenorCase.Status.CLOSED
            else:
                closes = assigned.date() + timedelta(days=rng.randint(60, 300))
                if closes < self.today and (roll < 0.15 or self.quiet):
                    status = IntervenorCase.Status.CLOSED
                elif self.quiet:                 # the demo's history waits on nobody
                    continue
                else:
                    status = (IntervenorCase.Status.WAITING if roll > 0.55
                              else IntervenorCase.Status.ACTIVE)
            if status == IntervenorCase.Status.CLOSED and assigned.date() >= closes:
                continue
            worker = None
            if status != IntervenorCase.Status.WAITING:
                worker = self.free_intervenor(
                    assigned.date(), closes if status == IntervenorCase.Status.CLOSED else None)
                if worker is None:
                    if self.quiet or status == IntervenorCase.Status.CLOSED:
                        continue
                    status = IntervenorCase.Status.WAITING
            case = self.save(IntervenorCase(person=person, referral=referral, status=status,
                                            waiting_since=waiting))
            self.grant(self.groups[person.commissioner_id], "intervenors.view_intervenorcase",
                       case)
            if worker is not None:
                case.intervenor = worker
                case.assigned_on = assigned
                case.plan = "Discharge plan agreed with the team."
                self.grant(worker.user, "intervenors.view_intervenorcase", case)
                self.grant(worker.user, "referrals.view_person", person)
                self.decide(self.coordinator, Decision.Kind.CASE_ASSIGNED, case, person,
                            f"{person.reference} assigned to {worker.user.get_full_name()}",
                            "Top of the waiting list.", case.assigned_on)
                self.save(CaseActivity(case=case, author=worker.user, kind="visit",
                                       occurred_on=min(case.assigned_on.date()
                                                       + timedelta(days=7), self.today),
                                       text="Visited the ward and met the team."))
            if status == IntervenorCase.Status.ACTIVE:
                self.grant(worker.user, "intervenors.change_intervenorcase", case)
            if status == IntervenorCase.Status.CLOSED:
                outcome = {LtsEpisode.EndReason.DISCHARGED: IntervenorCase.Outcome.DISCHARGED,
                           LtsEpisode.EndReason.ENDED_SAME_UNIT:
                           IntervenorCase.Outcome.ENDED_SAME_UNIT}.get(
                    getattr(person, "end_reason", None), IntervenorCase.Outcome.LESS_RESTRICTIVE)
                case.outcome = case.proposed_outcome = outcome
                case.proposed_reason = case.closure_reason = "The casework is done."
                case.closure_proposed_at = case.closed_on = timezone.make_aware(
                    datetime.combine(closes, time(16)))
                self.decide(self.coordinator, Decision.Kind.CASE_CLOSED, case, person,
                            f"Case closed for {person.reference}", case.closure_reason,
                            case.closed_on)
            self.processes.append((IntervenorProcess, IntervenorFlow, "case", case,
                                   CASE_TASKS[status],
                                   {"open": None, "intervenor": worker and worker.user}))

    def long_history(self):
        """One person whose timeline holds several hundred events (the benchmark reads it)."""
        actions = [a for a in self.history[Action] if a.status in ("open", "in_progress")]
        if not actions:
            return
        action = actions[0]
        for n in range(320):
            self.save(ActionUpdate(action=action, author=action.owner,
                                   created_at=self.now - timedelta(hours=320 - n),
                                   text=f"Update {n + 1}: progress recorded."))
        self.long_person = action.person

    def opened(self, subject, node_name: str) -> datetime:
        """When a step opened for `subject`: the event that handed it on."""
        at = {"triage": lambda: subject.raised_at,
              "schedule": lambda: subject.requested_at,
              "hold_panel": lambda: subject.scheduled_for,
              "issue_report": lambda: subject.held_on,
              "assign": lambda: subject.waiting_since,
              "casework": lambda: subject.assigned_on,
              "confirm_closure": lambda: subject.closure_proposed_at}[node_name]()
        if at is None:
            return self.now
        if not isinstance(at, datetime):        # a day: nine in the morning, London time
            at = timezone.make_aware(datetime.combine(at, time(9)))
        return min(at, self.now)

    def flows(self):
        """Each subject's process and tasks, as the flow would have left them."""
        self.say("flows")
        owners = {"coordinator": self.coordinator}
        processes = []
        for _cls, flow_class, _, _, shape, _who in self.processes:
            done = shape[-1][1] is None and shape[-1][0] == "end"
            processes.append(Process(flow_class=flow_class, status=STATUS.DONE if done
                                     else STATUS.NEW, finished=self.now if done else None))
        Process.objects.bulk_create(processes, batch_size=BATCH)
        tasks, links = [], []
        by_class = defaultdict(list)
        for process, (cls, flow_class, field, subject, shape, who) in zip(
                processes, self.processes, strict=True):
            # Multi-table inheritance: the parent rows exist, so write the child rows alone.
            child = cls(process_ptr_id=process.pk, **{field: subject})
            child.pk = process.pk
            by_class[cls].append(child)
            chain = []
            for node_name, owner in shape:
                node = getattr(flow_class, node_name)
                is_open = owner == "open"
                user = None if is_open or owner is None else (who.get(owner) or owners[owner])
                chain.append(Task(
                    process_id=process.pk, flow_task=node, flow_task_type=node.task_type,
                    status=STATUS.NEW if is_open else STATUS.DONE, token=Token("start"),
                    owner=user, started=None if is_open else self.now,
                    finished=None if is_open else self.now))
            tasks.append(chain)
        Task.objects.bulk_create([t for chain in tasks for t in chain], batch_size=BATCH)
        # An open step's task is dated when the step opened (My work's order and due dates
        # follow it); `created` is stamped on insert, so it is set afterwards.
        opened = []
        for chain, (_, _, _, subject, shape, _) in zip(tasks, self.processes, strict=True):
            for task, (node_name, owner) in zip(chain, shape, strict=True):
                if owner == "open":
                    task.created = self.opened(subject, node_name)
                    opened.append(task)
        Task.objects.bulk_update(opened, ["created"], batch_size=BATCH)
        for chain in tasks:
            links += [Task.previous.through(from_task_id=later.pk, to_task_id=earlier.pk)
                      for earlier, later in itertools.pairwise(chain)]
        Task.previous.through.objects.bulk_create(links, batch_size=BATCH)
        for cls, children in by_class.items():
            fields = [cls._meta.get_field("process_ptr"),
                      cls._meta.get_field({"ReferralProcess": "referral", "ReviewProcess":
                                           "review", "IntervenorProcess": "case"}[cls.__name__])]
            for start in range(0, len(children), BATCH):
                cls._base_manager._insert(children[start:start + BATCH], fields=fields)
