"""Who can see and change each object, worked out here from the relationships alone and
compared with what the selectors and permission checks allow (issue 10).

The rules below are written from the domain, not read from the code: a model-wide reader
(coordinator, oversight) sees everything; the commissioners of the referring organisation see
their people and what follows from them; a panel member sees their review; the intervenor sees
their case; the named owner sees and moves their action. Nobody gains anything from the
organisation they work for alone. Demo users are joined by generated ones: staff of CQC and
NHS England in every role, people holding two roles, an inactive account, and an action owned
by someone at CQC.
"""
import itertools

import pytest
from django.contrib.auth.models import Group

from accounts.models import Organisation, User
from accounts.roles import Role
from accounts.services import user_set_organisation
from intervenors import selectors as case_selectors
from intervenors.models import IntervenorCase
from referrals import selectors as referral_selectors
from referrals.models import Person, Referral
from reviews import selectors as review_selectors
from reviews.lifecycle import may_post_update
from reviews.models import Action, PanelMember, Review
from reviews.services import action_set_owner

pytestmark = pytest.mark.django_db

GENERATED = [
    # (username, roles, organisation name)
    ("cqc-chair-not-on-panel", [Role.CHAIR], "Care Quality Commission"),
    ("cqc-commissioner", [Role.COMMISSIONER], "Care Quality Commission"),
    ("cqc-action-owner", [Role.ACTION_OWNER], "Care Quality Commission"),
    ("nhse-intervenor-no-cases", [Role.INTERVENOR], "NHS England"),
    ("nhse-commissioner", [Role.COMMISSIONER], "NHS England"),
    ("icb-a-intervenor", [Role.INTERVENOR], "North Central London ICB"),
    ("icb-a-panel-member", [Role.PANEL_MEMBER], "North Central London ICB"),
    ("icb-a-no-role", [], "North Central London ICB"),
    ("icb-a-commissioner-and-intervenor", [Role.COMMISSIONER, Role.INTERVENOR],
     "North Central London ICB"),
    ("icb-b-commissioner-and-owner", [Role.COMMISSIONER, Role.ACTION_OWNER],
     "Greater Manchester ICB"),
    ("oversight-and-owner", [Role.OVERSIGHT, Role.ACTION_OWNER], "NHS England"),
    ("inactive-commissioner", [Role.COMMISSIONER], "North Central London ICB"),
    ("provider-admin", [Role.ADMINISTRATOR], "Riverside Health Partnership"),
]


@pytest.fixture
def people(users):
    everyone = dict(users)
    for username, roles, org in GENERATED:
        user = User.objects.create_user(username, password="a-long-password-123")
        user.groups.add(*Group.objects.filter(name__in=[str(r) for r in roles]))
        user_set_organisation(user=user, organisation=Organisation.objects.get(name=org))
        everyone[username] = user
    User.objects.filter(username="inactive-commissioner").update(is_active=False)
    # Staff-organisation owners: one action owned by someone at CQC, one by oversight.
    open_actions = Action.objects.filter(status__in=Action.OPEN_STATUSES).order_by("pk")
    for action, owner in zip(open_actions, ("cqc-action-owner", "oversight-and-owner"),
                             strict=False):
        action_set_owner(action=action, by=users["coordinator"],
                         owner=User.objects.get(username=owner), reason="oracle")
    return {name: User.objects.get(pk=u.pk) for name, u in everyone.items()}


def roles(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def reads_all(user, role_names) -> bool:
    return user.is_active and bool(role_names & {Role.COORDINATOR, Role.OVERSIGHT})


def commissions(user, role_names, organisation_id) -> bool:
    return (user.is_active and Role.COMMISSIONER in role_names
            and user.organisation_id == organisation_id)


class World:
    """The relationships, read once as plain data."""

    def __init__(self):
        self.panels = {}   # review id -> {user id: panel role}
        for m in PanelMember.objects.filter(user__isnull=False):
            self.panels.setdefault(m.review_id, {})[m.user_id] = m.role
        self.reviews = {r.pk: r for r in Review.objects.select_related("referral")}
        self.referrals = {r.pk: r for r in Referral.objects.all()}
        self.cases = {c.pk: c for c in IntervenorCase.objects.select_related("intervenor")}

    def worker(self, case):
        return case.intervenor.user_id if case.intervenor_id and case.status in (
            "active", "closed") else None

    def may_see_review(self, user, role_names, review):
        return (reads_all(user, role_names)
                or commissions(user, role_names, review.referral.organisation_id)
                or (user.is_active and user.pk in self.panels.get(review.pk, {})))

    def may_see_referral(self, user, role_names, referral):
        return (reads_all(user, role_names)
                or commissions(user, role_names, referral.organisation_id)
                or any(self.may_see_review(user, role_names, r) and not reads_all(
                    user, role_names) for r in self.reviews.values()
                    if r.referral_id == referral.pk and user.pk in self.panels.get(r.pk, {})))

    def may_see_person(self, user, role_names, person):
        if reads_all(user, role_names) or commissions(user, role_names, person.commissioner_id):
            return True
        if not user.is_active:
            return False
        if any(commissions(user, role_names, r.organisation_id)
               for r in self.referrals.values() if r.person_id == person.pk):
            return True
        if any(user.pk in self.panels.get(r.pk, {}) for r in self.reviews.values()
               if r.person_id == person.pk):
            return True
        return any(self.worker(c) == user.pk for c in self.cases.values()
                   if c.person_id == person.pk)

    def may_see_case(self, user, role_names, case):
        return (reads_all(user, role_names)
                or commissions(user, role_names, case.referral.organisation_id)
                or (user.is_active and self.worker(case) == user.pk))

    def may_see_action(self, user, role_names, action):
        if action.case_id is not None:   # agreed on a case: read as the case is (decision 0027)
            case = self.cases[action.case_id]
            return (reads_all(user, role_names)
                    or commissions(user, role_names, case.referral.organisation_id)
                    or (user.is_active and (action.owner_id == user.pk
                                            or self.worker(case) == user.pk)))
        review = self.reviews[action.review_id]
        chair = self.panels.get(review.pk, {}).get(user.pk) == PanelMember.PanelRole.CHAIR
        return (reads_all(user, role_names)
                or commissions(user, role_names, review.referral.organisation_id)
                or (user.is_active and (action.owner_id == user.pk or chair)))

    def may_update_action(self, user, role_names, action):
        return user.is_active and (action.owner_id == user.pk or Role.OVERSIGHT in role_names)


def test_what_each_person_sees_follows_from_their_relationships_alone(people):
    world = World()
    persons = list(Person.objects.all())
    referrals = list(Referral.objects.select_related("organisation"))
    reviews = list(world.reviews.values())
    actions = list(Action.objects.all())
    cases = list(IntervenorCase.objects.select_related("referral", "intervenor"))
    failures = []
    for name, user in people.items():
        role_names = roles(user)
        checks = [
            ("person", persons, set(referral_selectors.people_visible(user).values_list(
                "pk", flat=True)), world.may_see_person),
            ("referral", referrals, set(referral_selectors.referrals_visible(user).values_list(
                "pk", flat=True)), world.may_see_referral),
            ("review", reviews, set(review_selectors.reviews_visible(user).values_list(
                "pk", flat=True)), world.may_see_review),
            ("action", actions, set(review_selectors.actions_visible(user).values_list(
                "pk", flat=True)), world.may_see_action),
            ("case", cases, set(case_selectors.cases_visible(user).values_list(
                "pk", flat=True)), world.may_see_case),
        ]
        for kind, objects, allowed, rule in checks:
            expected = {o.pk for o in objects if rule(user, role_names, o)}
            if allowed != expected:
                failures.append(f"{name} {kind}: code allows {len(allowed - expected)} too many, "
                                f"{len(expected - allowed)} too few")
        for action in actions:
            if may_post_update(user, action) != world.may_update_action(user, role_names, action):
                failures.append(f"{name} may update action {action.pk}: "
                                f"code {may_post_update(user, action)}")
        for case in cases:
            code = user.has_perm("intervenors.change_intervenorcase", case)
            rule = user.is_active and case.status == "active" and world.worker(case) == user.pk
            if code != rule:
                failures.append(f"{name} may change case {case.pk}: code {code}")
    assert not failures, "\n".join(failures)


def test_the_oracle_sees_something_for_each_kind_of_relationship(people):
    """Guard against a vacuous oracle: each relationship grants something to someone."""
    world = World()
    sample = {
        "commissioner": referral_selectors.people_visible(people["commissioner"]).count(),
        "chair": review_selectors.reviews_visible(people["chair"]).count(),
        "intervenor": case_selectors.cases_visible(people["intervenor"]).count(),
        "cqc-action-owner": review_selectors.actions_visible(people["cqc-action-owner"]).count(),
    }
    assert all(sample.values()), sample
    nothing = ["cqc-chair-not-on-panel", "cqc-commissioner", "nhse-intervenor-no-cases",
               "icb-a-intervenor", "icb-a-no-role", "inactive-commissioner", "provider-admin"]
    for name, visible in itertools.product(nothing, [
            referral_selectors.people_visible, review_selectors.reviews_visible,
            review_selectors.actions_visible, case_selectors.cases_visible]):
        assert not visible(people[name]).exists(), (name, visible.__name__)
    assert world.panels
