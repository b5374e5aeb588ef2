"""Every URL in the app, as every demo role and anonymous (SECURITY.md S1, S2, S6, S7).

URLs come from the URL conf, so a new page that is not in EXPECTED fails this test until its
access rules are written down here.
"""
import uuid
from datetime import date
from unittest.mock import patch

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import User
from audit.models import Decision
from intervenors.models import IntervenorCase
from notifications.models import Notice
from oversight.models import MeetingPack, SpcRebase
from referrals.models import Referral
from reviews.models import Action, Review, Theme

pytestmark = pytest.mark.django_db

ROLES = ["commissioner", "commissioner2", "coordinator", "chair", "chair2", "expert",
         "intervenor", "intervenor2", "intervenor3", "oversight", "admin", "wardmanager",
         "norole", None]
INTERVENORS = {"intervenor", "intervenor2", "intervenor3"}
ALL = set(ROLES) - {None}
COMMISSIONERS = {"commissioner", "commissioner2"}
# Everyone who may export a list (the actions list's readers; the queue's and caseloads'
# are among them). A panel member, an administrator and a user with no role may not.
EXPORTERS = ALL - {"expert", "admin", "norole"}
IMPORTERS = ("coordinator", "commissioner", "commissioner2", "admin")

# name -> (which object fills <pk>, {role: expected GET status}, default for other roles)
EXPECTED = {
    "home": (None, {None: 302, "norole": 403}, 302),
    "login": (None, {None: 200}, 302),
    "logout": (None, {None: 302}, 200),   # the sign-out page; signing out is its POST
    "tokens": (None, {None: 302, "norole": 403}, 200),
    # The timeout warning's "Stay signed in": whether there is a session, never a redirect.
    "session_renew": (None, {None: 401}, 200),
    # Sign-in through NHS CIS2: none of it exists until CIS2 is set up (tests/cis2 set it up);
    # the back-channel logout takes only the provider's POST, the signed-out page is anyone's.
    **{f"cis2:{name}": (None, {}, 404) for name in ("start", "callback", "jwks")},
    "cis2:signed_out": (None, {}, 200),
    "cis2:backchannel_logout": (None, {}, 405),
    "password_reset_confirm": (None, {}, 200),
    "password_reset_complete": (None, {}, 200),
    # Anyone who works with people may search; what they find is scoped (tests/referrals).
    "referrals:find": (None, {None: 302, "norole": 403}, 200),
    # Importing the caseload: administrators, coordinators, commissioners; an import is its
    # uploader's alone (the referral's id stands in for one that is not theirs).
    "imports:imports": (None, dict.fromkeys(IMPORTERS, 200) | {None: 302}, 403),
    "imports:template": ("template", dict.fromkeys(IMPORTERS, 200) | {None: 302}, 403),
    "imports:run": ("referral", dict.fromkeys(IMPORTERS, 404) | {None: 302}, 403),
    "imports:apply": ("referral", dict.fromkeys(IMPORTERS, 405) | {None: 302}, 403),
    "referrals:mine": (None, dict.fromkeys(COMMISSIONERS, 200) | {None: 302}, 403),
    "referrals:create": (None, dict.fromkeys(COMMISSIONERS, 200) | {None: 302}, 403),
    "referrals:queue": (None, {"coordinator": 200, "oversight": 200, None: 302}, 403),
    "referrals:detail": ("referral", {"commissioner": 200, "coordinator": 200, "oversight": 200,
                                      None: 302, "norole": 403}, 404),
    "referrals:triage": ("referral", {"coordinator": 200, None: 302}, 403),
    "referrals:person": ("person", {"commissioner": 200, "coordinator": 200, "oversight": 200,
                                    None: 302, "norole": 403}, 404),
    "referrals:concern_add": ("person", {}, 405),
    "referrals:lts_end": ("person", {}, 405),
    "referrals:discharge_add": ("person", {}, 405),
    "referrals:readmission_add": ("person", {}, 405),
    "referrals:concern_resolve": ("concern", {}, 405),
    "records:timeline": ("person", {"commissioner": 200, "coordinator": 200, "oversight": 200,
                                      None: 302, "norole": 403}, 404),
    "records:access_log": ("person", {"oversight": 200, None: 302}, 403),
    "oversight:equality": (None, {"oversight": 200, None: 302}, 403),
    "oversight:outcomes": (None, {"oversight": 200, "coordinator": 200, None: 302}, 403),
    "oversight:outcomes_csv": (None, {"oversight": 200, "coordinator": 200, None: 302}, 403),
    "oversight:dashboard": (None, {"oversight": 200, "coordinator": 200, None: 302}, 403),
    "oversight:themes": (None, {"oversight": 200, "coordinator": 200, None: 302}, 403),
    "oversight:trends": (None, {"oversight": 200, "coordinator": 200, None: 302}, 403),
    "oversight:trends_csv": (None, {"oversight": 200, "coordinator": 200, None: 302}, 403),
    "oversight:trend": ("trend", {"oversight": 200, "coordinator": 200, None: 302}, 403),
    "oversight:rebase_withdraw": ("rebase", {"oversight": 302, "coordinator": 302, None: 302},
                                  403),
    "oversight:evaluation": (None, {"oversight": 200, "coordinator": 200, None: 302}, 403),
    "oversight:packs": (None, {"oversight": 200, None: 302}, 403),
    "oversight:pack": ("pack", {"oversight": 200, None: 302}, 403),
    "oversight:pack_file": ("pack", {"oversight": 200, None: 302}, 403),
    "oversight:theme": ("theme", {"oversight": 200, "coordinator": 200, None: 302}, 403),
    "workflows:inbox": (None, {None: 302, "norole": 403}, 200),
    "notifications:notices": (None, {None: 302, "norole": 403}, 200),
    "workflows:task_take": ("referral", {}, 405),        # POST only
    "workflows:task_release": ("referral", {}, 405),
    "workflows:owner_email_follow_up": ("action", {}, 405),     # POST only
    # Notify's receipts: POST only, by bearer token (tests/workflows/test_notify.py).
    "notifications:delivery_receipts": (None, {}, 405),
    # One's own notification opens (a redirect to its page); anyone else's is not there.
    "notifications:notice_open": ("notice", {"commissioner": 302, None: 302, "norole": 403}, 404),
    "intervenors:caseload": (None, dict.fromkeys(("intervenor", "intervenor2", "intervenor3"),
                                                 200) | {None: 302}, 403),
    "intervenors:waiting": (None, {"coordinator": 200, "oversight": 200, None: 302}, 403),
    "intervenors:capacity": (None, {"coordinator": 200, "oversight": 200, None: 302}, 403),
    "intervenors:case": ("case", {"intervenor": 200, "coordinator": 200, "oversight": 200,
                                  "commissioner": 200, "intervenor2": 404, "intervenor3": 404,
                                  "commissioner2": 404, None: 302}, 403),
    **{f"intervenors:{name}": ("case", {}, 405) for name in (
        "assign", "reassign", "activity", "plan", "propose_closure", "confirm_closure",
        "barrier_add", "milestone_add", "action_add")},
    "intervenors:milestone": ("milestone", {"intervenor": 200, "coordinator": 200,
                                            "oversight": 200, "commissioner": 200,
                                            "intervenor2": 404, "intervenor3": 404,
                                            "commissioner2": 404, None: 302}, 403),
    "intervenors:milestone_update": ("milestone", {}, 405),
    "intervenors:barrier": ("barrier", {"intervenor": 200, "coordinator": 200, "oversight": 200,
                                        "commissioner": 200, "intervenor2": 404,
                                        "intervenor3": 404, "commissioner2": 404, None: 302},
                            403),
    **{f"intervenors:{name}": ("barrier", {}, 405) for name in (
        "barrier_status", "barrier_escalate", "barrier_answer")},
    "reviews:list": (None, dict.fromkeys(("chair", "chair2", "expert", "coordinator",
                                          "oversight", "commissioner", "commissioner2"), 200)
                     | {None: 302}, 403),
    "reviews:detail": ("review", {"chair": 200, "expert": 200, "coordinator": 200,
                                  "oversight": 200, "commissioner": 200, "chair2": 404,
                                  "commissioner2": 404, None: 302}, 403),
    **{f"reviews:{name}": ("review", {}, 405) for name in (
        "schedule", "panel", "panel_draft", "report", "easy_read_write", "easy_read_share",
        "easy_read_post")},
    **{f"reviews:{name}": ("review", {"chair": 200, "expert": 200, "coordinator": 200,
                                      "oversight": 200, "commissioner": 200, "chair2": 404,
                                      "commissioner2": 404, None: 302}, 403)
       for name in ("easy_read", "easy_read_pdf")},
    "reviews:actions": (None, dict.fromkeys(("commissioner", "commissioner2", "coordinator",
                                             "oversight", "chair", "chair2", "wardmanager",
                                             *INTERVENORS), 200)
                        | {None: 302}, 403),
    "reviews:action": ("action", {"commissioner": 200, "coordinator": 200, "oversight": 200,
                                  "commissioner2": 404, "chair": 200, "chair2": 404,
                                  "wardmanager": 404, **dict.fromkeys(INTERVENORS, 404),
                                  None: 302}, 403),
    "exports:exports": (None, dict.fromkeys(EXPORTERS, 200) | {None: 302}, 403),
    # One's own export only (the fixture's is oversight's); another exporter gets a 404.
    **{f"exports:{name}": ("export", dict.fromkeys(EXPORTERS, 404) | {
        "oversight": 200, None: 302}, 403) for name in ("export", "export_file")},
    "reviews:action_owner": ("action", {}, 405),
    "reviews:action_escalation": ("action", {}, 405),
}


def app_urls(api=False):
    """(name, route, view) for every named page URL (or every API URL) outside the admin."""
    found = []

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.app_name == "admin":
                    continue
                ns = p.namespace or namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                found.append((name, prefix + str(p.pattern), p.callback))

    walk(get_resolver().url_patterns)
    found = [entry for entry in found if not entry[0].startswith("health")]  # tests/ops
    is_api = [name.startswith("api") for name, _, _ in found]
    return [entry for entry, flag in zip(found, is_api, strict=True) if flag == api]


@pytest.fixture
def objects(users):
    chair_review = Review.objects.filter(panel__user=users["chair"],
                                         referral__organisation__name__startswith="North",
                                         status="report_issued").first()
    action = chair_review.actions.filter(owner=users["commissioner"]).first()
    referral = Referral.objects.filter(status="submitted",
                                       organisation__name__startswith="North").first()
    return {
        "referral": referral, "person": referral.person, "review": chair_review,
        "action": action, "concern": referral.person.concerns.filter(status="open").first(),
        "notice": Notice.objects.filter(user=users["commissioner"]).first(),
        "theme": Theme.objects.get(code="environment"),
        "trend": "in_lts",
        "barrier": _barrier(users),
        "milestone": _milestone(users),
        "rebase": SpcRebase.objects.create(
            measure="in_lts", month=date(2025, 6, 1), reason="A new service began",
            marked_by=users["oversight"], marked_at=timezone.now()),
        "pack": MeetingPack.objects.create(
            period_key="all", period_label="All time", requested_by=users["oversight"],
            requested_at=timezone.now(), status="ready", pdf=b"%PDF-1.7", csv="a,b"),
        "export": export_ready(users["oversight"]),
        "case": IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                              status="active",
                                              referral__organisation__name__startswith="North"
                                              ).first(),
    }


def _barrier(users):
    from intervenors.models import SystemBarrierKind
    from intervenors.services import barrier_record

    case = IntervenorCase.objects.filter(intervenor__user=users["intervenor"], status="active",
                                         referral__organisation__name__startswith="North").first()
    return barrier_record(case=case, by=users["intervenor"],
                          kind=SystemBarrierKind.objects.get(code="housing"),
                          note="No adapted flat in the borough")


def _milestone(users):
    from datetime import timedelta

    from intervenors.services import milestone_add

    case = IntervenorCase.objects.filter(intervenor__user=users["intervenor"], status="active",
                                         referral__organisation__name__startswith="North").first()
    return milestone_add(case=case, by=users["intervenor"], title="Funding agreed",
                         owner_name="Sam Case", target_date=date.today() + timedelta(days=30))


def export_ready(user):
    from exports.services import export_build, export_request

    with patch("exports.services.build_export.delay"):
        export = export_request(by=user, kind="actions", filters={"overdue": True})
    export_build(str(export.pk))
    return export


def url_for(route: str, pk, concern_pk=None) -> str:
    url = "/" + route.replace("<uuid:pk>", str(pk)).replace("<int:pk>", str(pk)).replace(
        "<str:kind>", "referral").replace("<str:fmt>", "pdf")
    return url.replace("<uuid:concern_pk>", str(concern_pk or uuid.uuid4())).replace(
        "<uuid:discharge_pk>", str(uuid.uuid4())).replace(
        "<uuid:barrier_pk>", str(uuid.uuid4())).replace("<uuid:milestone_pk>", str(uuid.uuid4()))


def object_url(route: str, kind: str, objects) -> str:
    if kind == "template":  # an import template names its kind and format
        return "/" + route.replace("<str:kind>", "people").replace("<str:file_format>", "csv")
    if kind == "concern":   # a concern's URL names its person, then the concern
        return url_for(route, objects["concern"].person_id, objects["concern"].pk)
    if kind == "theme":     # a theme's URL names its code
        return "/" + route.replace("<slug:code>", objects["theme"].code)
    if kind == "barrier":   # a barrier's URL names its case, then the barrier
        return "/" + route.replace("<uuid:pk>", str(objects["barrier"].case_id)).replace(
            "<uuid:barrier_pk>", str(objects["barrier"].pk))
    if kind == "milestone":  # a milestone's URL names its case, then the milestone
        return "/" + route.replace("<uuid:pk>", str(objects["milestone"].case_id)).replace(
            "<uuid:milestone_pk>", str(objects["milestone"].pk))
    if kind == "trend":     # a trend's URL names its measure
        return "/" + route.replace("<slug:key>", "in_lts")
    return url_for(route, objects[kind].pk)


@pytest.fixture
def clients(users, client_for):
    users["norole"] = User.objects.create_user("norole", password="a-long-password-123")
    return {role: client_for(role) for role in ROLES}


def test_every_app_url_is_in_the_matrix_and_declares_its_access():
    names = {name for name, _, _ in app_urls()}
    assert names == set(EXPECTED), f"missing: {names - set(EXPECTED)}; stale: {set(EXPECTED) - names}"
    for name, _, callback in app_urls():
        assert hasattr(callback, "pathways_access"), f"{name} declares no access rule"


PUBLIC_API = {"api:token"}


def test_every_api_view_requires_a_signed_in_user_with_a_role():
    """DRF views declare permission classes; none but sign-in and the schema is open (S6)."""
    from django.conf import settings
    from rest_framework.permissions import AllowAny

    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] != [
        "rest_framework.permissions.AllowAny"]
    views = app_urls(api=True)
    assert len(views) > 15
    for name, _, callback in views:
        classes = getattr(callback, "cls", None).permission_classes
        open_view = any(c is AllowAny for c in classes)
        assert open_view == (name in PUBLIC_API), name


def test_every_role_gets_the_expected_status_on_every_page(clients, objects):
    """Every URL of the app as every role and anonymous, each page drawn in full: slow (over 20 s)
    because it is the whole matrix."""
    failures = []
    for name, route, _ in app_urls():
        kind, expected, default = EXPECTED[name]
        url = object_url(route, kind, objects) if kind else "/" + route
        for role in ROLES:
            status = clients[role].get(url).status_code
            want = expected.get(role, default)
            if status != want:
                failures.append(f"{name} as {role}: {status}, expected {want}")
    assert not failures, "\n".join(failures)


def test_guessed_ids_are_404_for_every_role_that_may_use_the_page(clients):
    """Every page that takes an id, as every role that may use it, with guessed ids: slow (over
    20 s) because it is the whole matrix."""
    for name, route, _ in app_urls():
        if "<uuid:pk>" not in route:
            continue
        url = url_for(route, uuid.uuid4())
        for role in ALL:
            for method in ("get", "post"):
                status = getattr(clients[role], method)(url).status_code
                assert status in (403, 404, 405), (name, role, method, status)
                assert status != 200


POST_ACTIONS = {
    "referrals:triage": ("referral", {"route": "decline", "reason": "probe"}, {"coordinator"}),
    "referrals:concern_resolve": ("concern", {"reason": "probe"},
                                  {"commissioner", "coordinator"}),
    "referrals:concern_add": ("person", {"kind": "concern", "source": "cqc", "category": "other",
                                         "severity": "high", "description": "probe"},
                              {"commissioner", "coordinator"}),
    "referrals:lts_end": ("person", {"end_date": "2026-01-01", "end_reason": "discharged",
                                     "reason": "probe"}, {"commissioner", "coordinator"}),
    "intervenors:activity": ("case", {"kind": "note", "occurred_on": "2026-01-01",
                                      "text": "probe"}, {"intervenor"}),
    "referrals:discharge_add": ("person", {"discharged_on": date.today().isoformat(),
                                           "setting": "own_home", "reason": "probe"},
                                {"commissioner", "coordinator"}),
    "intervenors:plan": ("case", {"plan": "probe"}, {"intervenor"}),
    "intervenors:propose_closure": ("case", {"outcome": "other", "reason": "probe"},
                                    {"intervenor"}),
    "intervenors:reassign": ("case", {"reason": "probe"}, {"coordinator"}),
    "reviews:action": ("action", {"text": "probe", "transition": "start"},
                       {"commissioner", "oversight"}),
    "reviews:easy_read_write": ("review", {"found": "probe", "will_happen": "probe",
                                           "who_when": "probe", "speak_to": "probe"},
                                {"chair"}),
    "reviews:easy_read_share": ("review", {"shared_on": "2026-01-01", "shared_with": "probe",
                                           "how": "post"}, {"commissioner"}),
    "reviews:easy_read_post": ("review", {"letter-address": "A\nB\nC\nNW1 8AB",
                                          "letter-consent": "on",
                                          "letter-consent_note": "probe"}, {"commissioner"}),
    "reviews:action_owner": ("action", {"owner": "wardmanager", "reason": "probe"},
                             {"coordinator"}),
    "reviews:action_escalation": ("action", {"step": "other", "reason": "probe",
                                             "follow_up_on": "2099-01-01"}, {"oversight"}),
    "oversight:theme": ("theme", {"text": "probe"}, {"oversight"}),
    "intervenors:barrier_status": ("barrier", {"status": "being_worked", "note": "probe"},
                                   {"intervenor"}),
    "intervenors:barrier_escalate": ("barrier", {"need": "probe"}, {"intervenor"}),
    "intervenors:milestone_update": ("milestone", {"status": "done", "target_date_day": "1",
                                                   "target_date_month": "1",
                                                   "target_date_year": "2027", "note": "probe"},
                                     {"intervenor"}),
    "oversight:packs": ("pack", {"period": "all"}, {"oversight"}),
    "intervenors:action_add": ("case", {"action-text": "probe", "action-theme": "1",
                                        "action-due_date_day": "1", "action-due_date_month": "1",
                                        "action-due_date_year": "2099"}, {"intervenor"}),
}


def test_no_one_outside_a_relationship_can_change_anything_by_posting(clients, objects, users):
    """POST each state-changing URL as every role that should not be able to use it."""
    routes = {name: route for name, route, _ in app_urls()}
    for name, (kind, data, allowed) in POST_ACTIONS.items():
        url = object_url(routes[name], kind, objects)
        data = {k: users[v].pk if k == "owner" else v for k, v in data.items()}
        for role in ALL - allowed:
            before = (Decision.objects.count(), objects[kind].__class__.objects.get(
                pk=objects[kind].pk).history.count())
            status = clients[role].post(url, data).status_code
            after = (Decision.objects.count(), objects[kind].__class__.objects.get(
                pk=objects[kind].pk).history.count())
            assert status in (403, 404), (name, role, status)
            assert before == after, (name, role)


def test_the_oversight_group_sees_everything_and_changes_only_actions(clients, objects):
    oversight = clients["oversight"]
    assert oversight.get(url_for("referrals/<uuid:pk>/triage/", objects["referral"].pk)
                         ).status_code == 403
    assert Action.objects.filter(pk=objects["action"].pk).exists()
