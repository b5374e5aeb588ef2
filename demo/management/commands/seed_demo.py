"""Load fictional demo data for every role. Safe to run again: it only adds what is missing.

Every referral, review and case is made through the same services and flows the app uses, so
the demo has real history, decisions and permissions. Dates are relative to today.
"""
from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Organisation, User
from accounts.roles import Role
from accounts.services import user_set_organisation
from audit.services import stamp, system_user
from intervenors.models import Intervenor, IntervenorCase
from intervenors.services import case_activity_log
from referrals import services as referral_services
from referrals.models import Person, Unit
from reviews.models import BarrierDomain, PanelMember, Theme
from reviews.selectors import person_links
from reviews.services import action_update, easy_read_draft, easy_read_share, easy_read_write
from reviews.taxonomy import themes_ensure
from workflows import services as flow

PASSWORD = "pathways-demo"
HISTORY_PREFIX = "History"
# 1,000 made-up people: 320 in LTS now and 300 whose LTS ended in the last three years.
HISTORY_PEOPLE, HISTORY_IN_LTS, HISTORY_PAST = 1000, 320, 300

# With their ODS codes, as NHS CIS2 would list them: the two ICBs and NHS England carry their
# real codes (QMJ, QOP, X24); the CQC's and the invented providers' are made up in the same
# shape (ODS: https://digital.nhs.uk/services/organisation-data-service).
ORGANISATIONS = [
    ("North Central London ICB", Organisation.Kind.ICB, "london", "QMJ"),
    ("Greater Manchester ICB", Organisation.Kind.ICB, "north_west", "QOP"),
    ("Care Quality Commission", Organisation.Kind.CQC, "", "X9Q"),
    ("NHS England", Organisation.Kind.NHSE_REGION, "", "X24"),
    ("Riverside Health Partnership", Organisation.Kind.PROVIDER, "london", "RZR"),
    ("Northern Hospitals Trust", Organisation.Kind.PROVIDER, "north_west", "RZN"),
    ("Meadowbank Independent Hospitals", Organisation.Kind.PROVIDER, "midlands", "NZM"),
    ("Riverside Borough Council", Organisation.Kind.LOCAL_AUTHORITY, "london", "ZLA01"),
]
ORG_A, ORG_B = "North Central London ICB", "Greater Manchester ICB"

# key: (provider, unit name, region, rating)
UNITS = {
    "inadequate": ("Riverside Health Partnership", "Willow Ward", "london", "inadequate"),
    "ri": ("Northern Hospitals Trust", "Beech Unit", "north_west", "requires_improvement"),
    "good": ("Meadowbank Independent Hospitals", "Cedar Lodge", "midlands", "good"),
    "outstanding": ("Riverside Health Partnership", "Rowan House", "london", "outstanding"),
    "unrated": ("Northern Hospitals Trust", "Elm Ward", "north_west", "not_yet_rated"),
    "ri2": ("Meadowbank Independent Hospitals", "Hazel Ward", "midlands",
            "requires_improvement"),
}
# Made-up ODS site codes in the shape of real ones (the provider's code and two digits).
UNIT_SITE_CODES = {"Willow Ward": "RZR01", "Beech Unit": "RZN01", "Cedar Lodge": "NZM01",
                   "Rowan House": "RZR02", "Elm Ward": "RZN02", "Hazel Ward": "NZM02"}

# username: (first, last, roles, organisation, staff)
USERS = {
    "commissioner": ("Amira", "Khan", [Role.COMMISSIONER], ORG_A, False),
    "commissioner2": ("Ben", "Okafor", [Role.COMMISSIONER], ORG_B, False),
    "coordinator": ("Cara", "Lewis", [Role.COORDINATOR], "Care Quality Commission", False),
    "chair": ("Dev", "Patel", [Role.CHAIR], "Care Quality Commission", False),
    "chair2": ("Erin", "Walsh", [Role.CHAIR], "Care Quality Commission", False),
    "expert": ("Femi", "Adeyemi", [Role.PANEL_MEMBER], None, False),
    "intervenor": ("Grace", "Murphy", [Role.INTERVENOR], "NHS England", False),
    "intervenor2": ("Hassan", "Ali", [Role.INTERVENOR], "NHS England", False),
    "intervenor3": ("Iona", "Campbell", [Role.INTERVENOR], "NHS England", False),
    "oversight": ("Jo", "Bennett", [Role.OVERSIGHT], "NHS England", False),
    "admin": ("Kim", "Taylor", [Role.ADMINISTRATOR], None, True),
    "wardmanager": ("Lena", "Novak", [Role.ACTION_OWNER], "Riverside Health Partnership", False),
    "housinglead": ("Maya", "Osei", [Role.ACTION_OWNER], "Riverside Borough Council", False),
}
JOB_TITLES = {
    "commissioner": "Head of learning disability commissioning",
    "commissioner2": "Senior commissioning manager",
    "wardmanager": "Ward manager, Willow Ward",
    "housinglead": "Housing lead, adult social care",
}
INTERVENOR_REGIONS = {
    "intervenor": ["london", "east"],
    "intervenor2": ["north_west", "ne_yorks"],
    "intervenor3": ["midlands", "south_west", "south_east"],
}

# Illustrative domains only: the HOPE(S) checklist itself is not public, so administrators
# replace these with the licensed wording in the admin.
BARRIER_DOMAINS = [  # (code, name, order, theme of learning)
    ("risk-formulation", "Shared understanding of risk", 1, "clinical-therapeutic"),
    ("environment", "Physical environment", 2, "environment"),
    ("staff-skills", "Staff skills and confidence", 3, "workforce-skills"),
    ("meaningful-activity", "Meaningful activity", 4, "environment"),
    ("relationships", "Relationships with family and friends", 5, "family-advocacy"),
    ("physical-health", "Physical health and medication", 6, "clinical-therapeutic"),
    ("community-options", "Community placement options", 7, "housing-provider-market"),
    ("funding", "Funding and commissioning", 8, "commissioning-funding"),
]

F, A, P, S = "family", "advocate", "person", "system"
ETHNICITIES = ["A", "A", "M", "H", "C", "N", "D", "Z", "J", "A"]


def months_ago(n: int) -> date:
    return date.today() - timedelta(days=int(n * 30.44) + 1)


def years_old(n: int) -> date:
    today = date.today()
    return today.replace(year=today.year - n) - timedelta(days=40)


# Each person: (age, condition, LTS months, unit, concerns [(source, severity)], org, state).
# States: "none", "submitted", "declined", "review:<stage>", "int:<stage>", "both:<stage>".
PEOPLE = [
    # DOMAIN.md scenario 1: the top of the queue.
    (34, "autism", 38, "inadequate", [(F, "high"), (A, "medium")], ORG_A, "submitted"),
    # Scenario 2: low priority, still eligible.
    (29, "learning_disability", 4, "good", [], ORG_A, "submitted"),
    # Scenario 3: a 16-year-old: ICETR.
    (16, "autism", 9, "ri", [(P, "medium")], ORG_B, "submitted"),
    # Scenario 4: equal scores (17), the longer in LTS first.
    (41, "both", 12, "good", [(S, "low")], ORG_A, "submitted"),
    (27, "autism", 7, "ri2", [], ORG_B, "submitted"),
    (45, "learning_disability", 61, "ri", [(F, "high"), (S, "high"), (P, "low")], ORG_B,
     "int:waiting"),
    (22, "autism", 2, "unrated", [(A, "low")], ORG_A, "submitted"),
    (38, "both", 20, "outstanding", [], ORG_A, "submitted"),
    (17, "both", 14, "good", [(F, "medium")], ORG_A, "submitted"),
    (52, "learning_disability", 30, "good", [(S, "medium")], ORG_B, "submitted"),
    (31, "autism", 5, "ri", [], ORG_B, "declined"),
    (26, "learning_disability", 3, "good", [], ORG_A, "declined"),
    (35, "autism", 26, "inadequate", [(F, "medium")], ORG_A, "review:requested"),
    (15, "autism", 11, "ri", [(P, "high")], ORG_B, "review:requested"),
    (40, "both", 44, "ri2", [(F, "high"), (A, "high")], ORG_A, "review:scheduled"),
    (28, "autism", 18, "unrated", [], ORG_B, "review:scheduled"),
    (33, "learning_disability", 16, "inadequate", [(S, "medium")], ORG_A, "review:held"),
    (47, "autism", 70, "ri", [(F, "high")], ORG_A, "review:issued"),
    (24, "both", 22, "good", [(P, "medium")], ORG_B, "review:followup"),
    (36, "autism", 15, "ri2", [(A, "medium")], ORG_A, "review:issued"),
    (30, "autism", 27, "inadequate", [(F, "high")], ORG_A, "int:active:intervenor"),
    (43, "learning_disability", 19, "ri", [], ORG_B, "int:active:intervenor"),
    (25, "both", 33, "unrated", [(S, "high")], ORG_A, "int:closed:intervenor"),
    (39, "autism", 9, "good", [(P, "low")], ORG_B, "int:active:intervenor2"),
    (50, "learning_disability", 55, "inadequate", [(F, "high"), (S, "medium")], ORG_A,
     "int:waiting"),
    (21, "autism", 13, "ri2", [(A, "medium")], ORG_B, "int:waiting"),
    (16, "autism", 6, "ri", [(F, "medium")], ORG_A, "int:waiting"),
    (44, "both", 28, "good", [], ORG_B, "int:waiting"),
    (32, "learning_disability", 8, "outstanding", [(P, "low")], ORG_A, "int:waiting"),
    (37, "autism", 40, "unrated", [(F, "high")], ORG_B, "int:waiting"),
    (29, "autism", 17, "inadequate", [], ORG_A, "int:waiting"),
    (46, "learning_disability", 36, "ri", [(S, "medium")], ORG_A, "int:closed:intervenor2"),
    (34, "autism", 25, "inadequate", [(F, "high")], ORG_A, "both:issued-active:intervenor"),
    (19, "both", 10, "ri2", [(P, "medium")], ORG_B, "both:requested-waiting"),
    (42, "autism", 48, "ri", [(F, "medium")], ORG_B, "none"),
    (27, "learning_disability", 1, "good", [], ORG_A, "none"),
    (55, "both", 64, "inadequate", [(F, "high"), (A, "high"), (S, "high")], ORG_A, "none"),
    (23, "autism", 6, "unrated", [], ORG_B, "none"),
    (18, "autism", 3, "ri", [(P, "medium")], ORG_A, "none"),
    (48, "learning_disability", 29, "good", [], ORG_B, "none"),
]


# Requests for a review recorded on someone's behalf: person index -> (recorded by, source, why).
REVIEW_REQUESTS = {
    20: ("intervenor", "family", "His sister asks for a follow-up review: nothing has changed "
                                 "since the last one (demo)."),
    36: ("coordinator", "advocate", "The advocate asks for a review: no discharge plan after "
                                    "four years (demo)."),
}


def demo_nhs_number(index: int) -> str:
    """A valid (check digit) NHS number in a block kept for this fictional data."""
    base = 900_000_000 + index * 7919
    while True:
        digits = f"{base:09d}"
        total = sum(int(d) * (10 - i) for i, d in enumerate(digits))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10:
            return digits + str(check)
        base += 1


class Command(BaseCommand):
    help = "Load fictional demo data (idempotent). Refuses to run with DEBUG off unless --force."

    def add_arguments(self, parser):
        parser.add_argument("--no-history", dest="history", action="store_false",
                            help="Leave out the three years of made-up history (the test suite "
                                 "loads it only where a test needs it).")
        parser.add_argument("--force", action="store_true",
                            help="Run even though DEBUG is off (never on a live system).")

    def handle(self, *args, force=False, history=True, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo loads fictional people and known passwords. It runs "
                               "only with DEBUG on, or with --force on a test system.")
        with transaction.atomic():
            self.system = system_user()
            orgs = self.organisations()
            units = self.units(orgs)
            users = self.users(orgs)
            self.intervenors(users)
            self.barrier_domains()
            referral_services.policy_current()
            created = self.people(orgs, units, users)
        history = self.history() if history else False
        if options.get("verbosity", 1) > 0:
            self.stdout.write(self.style.SUCCESS(
                f"Demo data ready: {Person.objects.count()} people ({created} new"
                f"{', with three years of history' if history else ''}), "
                f"{len(users)} demo users, password '{PASSWORD}'."))

    def history(self) -> bool:
        """Three years of made-up history behind the scenarios (issue 41), written in bulk as
        seed_scale writes (demo/scale.py), so every trend, outcome and evaluation figure has
        something to show. Quiet: nothing in it waits on the demo's own users. Once only."""
        from demo.scale import Seeder, scale_present

        if scale_present(HISTORY_PREFIX):
            return False
        Seeder(HISTORY_PEOPLE, seed=41, prefix=HISTORY_PREFIX, quiet=True,
               in_lts=HISTORY_IN_LTS, past=HISTORY_PAST).run()
        return True

    def organisations(self):
        orgs = {}
        for name, kind, region, ods_code in ORGANISATIONS:
            orgs[name], _ = Organisation.objects.get_or_create(
                name=name, defaults={"kind": kind, "region": region, "ods_code": ods_code})
            if not orgs[name].ods_code:          # a demo database loaded before ODS codes
                orgs[name].ods_code = ods_code
                orgs[name].save(update_fields=["ods_code"])
        return orgs

    def units(self, orgs):
        units = {}
        for key, (provider, name, region, rating) in UNITS.items():
            unit = Unit.objects.filter(provider=orgs[provider], name=name).first()
            if unit is None:
                unit = Unit.objects.create(provider=orgs[provider], name=name, region=region,
                                           site_code=UNIT_SITE_CODES[name])
                referral_services.unit_rate(unit=unit, rating=rating, by=self.system,
                                            rated_on=date.today() - timedelta(days=200))
            elif not unit.site_code:          # a demo database loaded before site codes
                unit.site_code = UNIT_SITE_CODES[name]
                unit.save(update_fields=["site_code"])
            units[key] = unit
        return units

    def users(self, orgs):
        users = {}
        for username, (first, last, roles, org, staff) in USERS.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, first_name=first, last_name=last,
                            email=f"{username}@example.nhs.uk", is_staff=staff,
                            job_title=JOB_TITLES.get(username, ""))
                user.set_password(PASSWORD)
                stamp(user, by=self.system, reason="Demo user").save()
                user.groups.add(*Group.objects.filter(name__in=[str(r) for r in roles]))
                user_set_organisation(user=user, organisation=orgs.get(org))
            users[username] = user
        return users

    def intervenors(self, users):
        for username, regions in INTERVENOR_REGIONS.items():
            # Iona Campbell is the demo's senior children's intervenor.
            Intervenor.objects.get_or_create(user=users[username], defaults={
                "regions": regions, "children": username == "intervenor3"})

    def barrier_domains(self):
        from intervenors.models import MilestoneKind, SystemBarrierKind
        from intervenors.taxonomy import BARRIER_KINDS, MILESTONE_KINDS, kinds_ensure

        themes_ensure(Theme)        # after a test flush the migration's themes are gone
        kinds_ensure(SystemBarrierKind, BARRIER_KINDS)      # and so are these lists
        kinds_ensure(MilestoneKind, MILESTONE_KINDS)
        for code, name, order, theme in BARRIER_DOMAINS:
            BarrierDomain.objects.get_or_create(code=code, defaults={
                "name": name, "order": order, "theme": Theme.objects.get(code=theme)})

    def people(self, orgs, units, users) -> int:
        created = 0
        for index, spec in enumerate(PEOPLE):
            nhs = demo_nhs_number(index)
            if Person.objects.filter(nhs_number=nhs).exists():
                continue
            self.person(index, nhs, spec, orgs, units, users)
            if index in REVIEW_REQUESTS:
                by, source, text = REVIEW_REQUESTS[index]
                referral_services.concern_raise(
                    person=Person.objects.get(nhs_number=nhs), by=users[by], source=source,
                    kind="review_request", category="quality_of_care", severity="medium",
                    description=text, raised_on=date.today() - timedelta(days=3))
            created += 1
        return created

    def person(self, index, nhs, spec, orgs, units, users):
        age, condition, months, unit_key, concerns, org_name, state = spec
        org, unit = orgs[org_name], units[unit_key]
        commissioner = users["commissioner" if org_name == ORG_A else "commissioner2"]
        person = referral_services.person_create(
            by=commissioner, nhs_number=nhs, date_of_birth=years_old(age), condition=condition,
            commissioner=org, current_unit=unit, legal_status="Mental Health Act section 3",
            characteristics={"ethnicity": ETHNICITIES[index % len(ETHNICITIES)],
                             "sex": "male" if index % 3 else "female"},
        )
        concern_specs = [
            dict(source=source, severity=severity, category="quality_of_care",
                 description=f"Demo concern raised by the {source} (fictional).",
                 raised_on=date.today() - timedelta(days=10 + n))
            for n, (source, severity) in enumerate(concerns)
        ]
        if state == "none":
            referral_services.lts_episode_start(person=person, unit=unit,
                                                start_date=months_ago(months), by=commissioner)
            for concern in concern_specs:
                referral_services.concern_raise(person=person, by=commissioner, **concern)
            return
        route = {"review": "review", "int": "intervenor", "both": "both"}.get(
            state.split(":")[0], "review")
        referral = flow.referral_raise(
            raised_by=commissioner, person=person, requested_route=route, unit=unit,
            lts_start_date=months_ago(months), concerns=concern_specs,
            reason="Fictional demo referral: long-term segregation with no discharge plan.",
        )
        coordinator = users["coordinator"]
        if state == "submitted":
            return
        if state == "declined":
            flow.referral_triage(referral=referral, by=coordinator, route="decline",
                                 reason="Demo: already under an active local review.")
            return
        flow.referral_triage(referral=referral, by=coordinator, route=route,
                             reason="Demo: meets the criteria for the national programme.")
        stages = state.split(":")[1:]
        if route in ("review", "both"):
            self.advance_review(referral, stages[0].split("-")[0], users, orgs)
        if route in ("intervenor", "both"):
            stage = stages[0].split("-")[-1] if route == "both" else stages[0]
            who = stages[1] if len(stages) > 1 else "intervenor"
            self.advance_case(referral, stage, users[who], coordinator)

    def advance_review(self, referral, stage, users, orgs):
        review = referral.reviews.get(follows__isnull=True)
        if stage == "requested":
            return
        flow.review_schedule(
            review=review, by=users["coordinator"], scheduled_for=date.today() + timedelta(days=1),
            chair=users["chair"],
            members=[
                {"user": users["expert"], "role": PanelMember.PanelRole.EXPERT_BY_EXPERIENCE},
                {"external_name": "Dr Sam Reid (fictional)",
                 "role": PanelMember.PanelRole.CLINICAL_EXPERT},
                {"user": users["commissioner" if referral.organisation.name == ORG_A
                               else "commissioner2"],
                 "role": PanelMember.PanelRole.COMMISSIONER},
            ],
            reasonable_adjustments="Quiet room; visual timetable sent a week before.",
            consent_recorded=True, invitees="Mother; independent advocate",
        )
        if stage == "scheduled":
            return
        chair = users["chair"]
        domains = list(BarrierDomain.objects.filter(active=True)[:4])
        flow.review_record_panel(
            review=review, by=chair, held_on=date.today(),
            findings="Fictional demo findings: no community provider has been commissioned.",
            attendance="All panel members; the person's mother by phone.",
            voice={"person_took_part": True, "family_took_part": True,
                   "person_view": "I want my own flat near my mum. I want to go to the "
                                  "shops on my own. (Fictional.)",
                   "person_view_how": "supported",
                   "family_view": "We want a plan with a date, and to be told what is "
                                  "happening. (Fictional.)",
                   "family_view_by": "Mother (fictional)"},
            barriers=[{"domain": d, "is_barrier": n % 2 == 0,
                       "evidence": "Demo evidence." if n % 2 == 0 else "",
                       "planned_intervention": "Demo intervention." if n % 2 == 0 else ""}
                      for n, d in enumerate(domains)],
        )
        if stage == "held":
            return
        due = date.today() + timedelta(days=30)
        commissioner = next(u for u in (users["commissioner"], users["commissioner2"])
                            if u.organisation_id == referral.organisation_id)
        # The ward's own manager owns the ward's action where the demo has one; otherwise the
        # commissioner does.
        ward_owner = (users["wardmanager"] if users["wardmanager"].organisation_id
                      == referral.person.current_unit.provider_id else commissioner)
        flow.review_issue_report(
            review=review, by=chair, summary="Fictional demo report.",
            recommendations=[
                {"text": "Commission a community provider with autism expertise.",
                 "theme": Theme.objects.get(code="housing-provider-market"),
                 "actions": [
                     {"text": "Identify two community providers and share their offers.",
                      "owner": commissioner, "due_date": due},
                     {"text": "Agree a funding plan for the community package.",
                      "owner": commissioner, "due_date": due},
                 ]},
                {"text": "Reduce time in segregation with daily meaningful activity.",
                 "theme": Theme.objects.get(code="environment"),
                 "actions": [
                     {"text": "Start a daily activity plan agreed with the person.",
                      "owner": ward_owner, "due_date": due},
                 ]},
            ],
        )
        actions = list(review.actions.order_by("recommendation__number", "text"))
        # Make the demo show every follow-up state: one overdue, one done, one in progress.
        overdue = actions[0]
        overdue.due_date = date.today() - timedelta(days=20)
        stamp(overdue, by=self.system,
              reason="Demo data: due date set in the past to show an overdue action").save()
        action_update(action=actions[1], by=actions[1].owner, text="Funding agreed.",
                      transition="complete", evidence="Funding panel minutes (demo).")
        action_update(action=actions[2], by=actions[2].owner, text="Activity plan started.",
                      transition="start")
        # The easy-read summary for the person and family, shared by the commissioner.
        review.refresh_from_db()
        easy_read_write(review=review, by=chair, **easy_read_draft(review))
        easy_read_share(review=review, by=commissioner, shared_on=date.today(),
                        shared_with="The person and their mother (fictional)", how="in_person")
        if stage == "followup":
            self.follow_up(review, users, domains)

    def follow_up(self, review, users, domains):
        """A follow-up whose panel found one barrier gone and one new (the date is brought
        forward: in the demo the follow-up starts at once rather than in 3 months)."""
        follow_up = flow.review_follow_up_start(review=review, by=self.system)
        flow.review_schedule(review=follow_up, by=users["coordinator"],
                             scheduled_for=date.today() + timedelta(days=1), chair=users["chair"],
                             members=[{"user": users["expert"],
                                       "role": PanelMember.PanelRole.EXPERT_BY_EXPERIENCE}],
                             consent_recorded=True)
        flow.review_record_panel(
            review=follow_up, by=users["chair"], held_on=date.today(),
            findings="Fictional follow-up: funding is agreed; no provider has started yet.",
            voice={"person_took_part": True, "person_view": "I want to move before summer. "
                   "(Fictional.)", "person_view_how": "own_words"},
            barriers=[{"domain": d, "is_barrier": n in (2, 3),
                       "evidence": "Demo evidence." if n in (2, 3) else ""}
                      for n, d in enumerate(domains)])

    # The system barriers on active cases (issue 45): open, being worked on, resolved, one
    # escalated and waiting for the oversight group, one answered. (kind, note, moves)
    BARRIERS = [
        [("funding-dispute", "The two ICBs have not agreed who funds the community package "
                             "(demo).", ["being_worked", "escalate"]),
         ("housing", "No adapted flat found in the home borough yet (demo).", [])],
        [("no-provider", "No provider has bid for the support package (demo).",
          ["escalate", "answer"]),
         ("workforce", "The new staff team is not trained yet (demo).",
          ["being_worked", "resolved"])],
        [("family-advocacy", "The family ask for an independent advocate first (demo).", [])],
    ]

    def barriers(self, case, intervenor_user):
        from intervenors.models import SystemBarrierKind
        from intervenors.services import (
            barrier_answer,
            barrier_escalate,
            barrier_record,
            barrier_status,
        )

        oversight = User.objects.get(username="oversight")
        specs = self.BARRIERS[IntervenorCase.objects.filter(
            status="active", barriers__isnull=False).distinct().count() % len(self.BARRIERS)]
        for code, note, moves in specs:
            barrier = barrier_record(case=case, by=intervenor_user, note=note,
                                     kind=SystemBarrierKind.objects.get(code=code))
            for move in moves:
                if move == "escalate":
                    barrier_escalate(barrier=barrier, by=intervenor_user,
                                     need="A call between the directors of both ICBs (demo).")
                elif move == "answer":
                    barrier_answer(barrier=barrier, by=oversight,
                                   answer="Raised at the regional meeting; the ICB will "
                                          "re-tender with a capital grant (demo).")
                else:
                    barrier_status(barrier=barrier, by=intervenor_user, status=move,
                                   note="Moved on at the case meeting (demo).")

    def milestones(self, case, intervenor_user):
        """A plan part-done: a step done, one on time and one late (issue 45)."""
        from intervenors.models import MilestoneKind
        from intervenors.services import milestone_add, milestone_update

        today = date.today()
        commissioner = case.referral.organisation
        steps = [("provider-identified", "The ICB's case manager (demo)", 10, "done"),
                 ("funding-agreed", "The ICB's continuing care lead (demo)", 30, "late"),
                 ("housing-found", "The council's housing lead (demo)", 60, "")]
        for code, owner, days, then in steps:
            milestone = milestone_add(
                case=case, by=intervenor_user, owner_name=owner,
                kind=MilestoneKind.objects.get(code=code), owner_organisation=commissioner,
                target_date=today + timedelta(days=days), note="Agreed at the case meeting (demo).")
            if then == "done":
                milestone_update(milestone=milestone, by=intervenor_user, status="done",
                                 target_date=milestone.target_date,
                                 note="The provider has agreed to bid (demo).")
            elif then == "late":
                milestone_update(milestone=milestone, by=intervenor_user, status="in_progress",
                                 target_date=today - timedelta(days=6),
                                 note="Due before the funding panel, which has not met (demo).")

    # Actions the intervenor agreed with the local system (issue 45), one set a case in turn:
    # (owner: the referring commissioner, the provider's ward manager or the council's housing
    # lead; theme; text; days until due; what happens next).
    AGREED = [
        [("commissioner", "commissioning-funding",
          "Agree with the other ICB who funds the community package (demo).", 30, "escalated"),
         ("ward", "environment",
          "Plan weekly community visits with the ward team (demo).", 21, "start")],
        [("council", "housing-provider-market",
          "Put the person on the adapted-housing register in the home borough (demo).", 45,
          ""),
         ("commissioner", "commissioning-funding",
          "Send the support package specification to three providers (demo).", 14,
          "complete")],
        [("commissioner", "housing-provider-market",
          "Arrange a visit to the proposed supported-living home (demo).", 10, "overdue")],
    ]

    def agreed_actions(self, case, intervenor_user):
        from workflows.casework import case_action_agree
        from workflows.deadlines import action_escalate

        users = {u.username: u for u in User.objects.filter(
            username__in=["commissioner", "commissioner2", "wardmanager", "housinglead"])}
        owners = {"commissioner": users["commissioner" if case.referral.organisation.name
                                        == ORG_A else "commissioner2"],
                  "ward": users["wardmanager"], "council": users["housinglead"]}
        specs = self.AGREED[IntervenorCase.objects.filter(actions__isnull=False).distinct()
                            .count() % len(self.AGREED)]
        today = date.today()
        for who, theme, text, days, then in specs:
            owner = owners[who]
            action = case_action_agree(
                case=case, by=intervenor_user, text=text, owner=owner,
                due_date=today + timedelta(days=days), theme=Theme.objects.get(code=theme),
                owner_why="" if owner.organisation_id in person_links(case.person)
                else "The council holds the housing register for the person's home borough "
                     "(demo).")
            if then in ("overdue", "escalated"):
                action.due_date = today - timedelta(days=20 if then == "escalated" else 5)
                stamp(action, by=self.system, reason="Demo data: due date set in the past to "
                                                     "show an overdue action").save()
                if then == "escalated":
                    action_escalate(action_id=action.pk, today=today)
            elif then == "start":
                action_update(action=action, by=owner, text="Visits planned with the family.",
                              transition="start")
            elif then == "complete":
                action_update(action=action, by=owner, text="Specification sent.",
                              transition="complete",
                              evidence="Emails to three providers, dated (demo).")

    def advance_case(self, referral, stage, intervenor_user, coordinator):
        case = IntervenorCase.objects.get(referral=referral)
        if stage in ("waiting", "requested"):
            return
        intervenor = intervenor_user.intervenor_profile
        flow.case_assign(case=case, by=coordinator, intervenor=intervenor,
                         reason="Demo: matched by region and experience.")
        case_activity_log(case=case, by=intervenor_user, kind="visit",
                          text="Met the person and the ward team (demo).")
        if stage == "active":
            self.barriers(case, intervenor_user)
            self.milestones(case, intervenor_user)
            self.agreed_actions(case, intervenor_user)
        if stage == "closed":
            flow.case_propose_closure(case=case, by=intervenor_user, outcome="less_restrictive",
                                      reason="Moved to a step-down unit (demo).")
            flow.case_confirm_closure(case=case, by=coordinator, confirm=True,
                                      reason="Confirmed with the commissioner (demo).")
            # Outcomes for the programme's figures: one discharged, one out of LTS on a ward.
            if intervenor_user.username == "intervenor":
                referral_services.discharge_record(
                    person=case.person, discharged_on=date.today(), setting="supported_living",
                    by=coordinator, reason="Confirmed by the ward manager (demo).")
            else:
                referral_services.lts_end(
                    person=case.person, end_date=date.today(), end_reason="less_restrictive",
                    by=coordinator, reason="Confirmed with the commissioner (demo).")
