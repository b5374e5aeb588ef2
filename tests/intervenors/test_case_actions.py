"""Actions agreed by the senior intervenor on their case (issue 45, decision 0027): one action
system with the panel's, reaching the owner's My work, going overdue and escalated once, read
by the case's readers and no one else, counted on the oversight pages by where they came from;
and a case gone quiet in the intervenor's My work."""
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import Decision
from intervenors.models import CaseActivity, Intervenor, IntervenorCase
from notifications.models import Notice
from oversight.services import thresholds
from pathways.errors import ConflictError, DomainError, NotAllowedError
from reviews.models import Action, Theme
from reviews.services import action_update
from workflows import services as flow
from workflows.casework import case_action_agree
from workflows.deadlines import sweep_action_deadlines
from workflows.grants import drift
from workflows.inbox import Inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(users):
    return IntervenorCase.objects.filter(
        intervenor__user=users["intervenor"], status="active",
        referral__organisation__name__startswith="North").order_by("pk").first()


def agree(case, users, owner="commissioner", days=30, **more):
    return case_action_agree(
        case=case, by=users["intervenor"], text=more.pop("text", "Agree the funding split"),
        owner=users[owner], due_date=date.today() + timedelta(days=days),
        theme=Theme.objects.get(code="commissioning-funding"), **more)


def test_the_demo_has_agreed_actions_of_every_kind_of_owner_one_overdue_one_escalated():
    agreed = Action.objects.filter(case__isnull=False)
    kinds = set(agreed.values_list("owner_organisation__kind", flat=True))
    assert kinds == {"icb", "provider", "local_authority"}
    today = date.today()
    assert agreed.filter(status__in=Action.OPEN_STATUSES, due_date__lt=today,
                         escalated_at__isnull=True).exists()
    assert agreed.filter(escalated_at__isnull=False, status="open").exists()
    assert agreed.filter(status="completed").exists()


def test_an_agreed_action_is_the_panels_kind_of_action_with_a_decision_and_a_notice(
        case, users, django_capture_on_commit_callbacks):
    with pytest.raises(NotAllowedError):
        agree(case, users | {"intervenor": users["intervenor2"]})
    with pytest.raises(DomainError, match="after today"):
        agree(case, users, days=0)
    with pytest.raises(DomainError, match="no link to the person"):
        agree(case, users, owner="housinglead")
    with pytest.raises(DomainError, match="cannot own actions"):
        agree(case, users, owner="chair")
    with pytest.raises(DomainError, match="theme"):
        case_action_agree(case=case, by=users["intervenor"], text="x",
                               owner=users["commissioner"], theme=None,
                               due_date=date.today() + timedelta(days=3))
    assert not Action.objects.filter(text="Agree the funding split").exists()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):     # the email goes on commit
        action = agree(case, users, owner="housinglead",
                       owner_why="The council holds the housing register")
    assert action.case == case and action.person == case.person and action.review is None
    assert action.issued_on == date.today() and action.source_label == (
        "Agreed by the senior intervenor")
    decision = Decision.objects.get(kind="action_agreed", subject_id=str(action.pk))
    assert decision.actor == users["intervenor"] and decision.person == case.person
    assert decision.reason == "The council holds the housing register"
    assert decision.facts["linked_to_person"] is False
    assert "no link to the person" in action.history.first().history_change_reason
    notice = Notice.objects.get(user=users["housinglead"],
                                notification__key=f"action:{action.pk}:agreed")
    assert notice.notification.link == reverse("reviews:action", args=[action.pk])
    assert "funding" not in notice.notification.body      # the text stays behind sign-in
    assert [m.to for m in mail.outbox] == [[users["housinglead"].email]]


def test_only_an_active_case_takes_actions(case, users):
    flow.case_propose_closure(case=case, by=users["intervenor"], outcome="discharged",
                              reason="Home")
    flow.case_confirm_closure(case=case, by=users["coordinator"], confirm=True, reason="")
    with pytest.raises(ConflictError):
        agree(case, users)


def test_the_owner_the_cases_readers_and_no_one_else_open_an_agreed_action(
        case, users, client_for):
    action = agree(case, users)
    page = reverse("reviews:action", args=[action.pk])
    expected = {"commissioner": 200, "intervenor": 200, "coordinator": 200, "oversight": 200,
                "commissioner2": 404, "intervenor2": 404, "intervenor3": 404, "chair": 404,
                "chair2": 404, "wardmanager": 404, "housinglead": 404}
    got = {name: client_for(name).get(page).status_code for name in expected}
    assert got == expected
    # The intervenor reads it from the case; its source links to the case for them.
    body = client_for("intervenor").get(page).content.decode()
    assert "Agreed by the senior intervenor" in body
    assert reverse("intervenors:case", args=[case.pk]) in body
    # The owner (the commissioner) may update it; the intervenor may only read.
    assert client_for("intervenor").post(page, {"text": "x", "transition": "start"}
                                         ).status_code == 403
    assert drift() == (set(), set())


def test_reassigning_the_case_moves_reading_its_actions_to_the_new_intervenor(
        case, users, client_for):
    action = agree(case, users)
    owned = agree(case, users, owner="intervenor", text="Chair the provider meeting")
    from intervenors.services import case_reassign

    target = Intervenor.objects.get(user=users["intervenor2"])
    for full in IntervenorCase.objects.filter(intervenor=target, status="active"):
        flow.case_propose_closure(case=full, by=users["intervenor2"], outcome="discharged",
                                  reason="Home")     # room on the new caseload
        flow.case_confirm_closure(case=full, by=users["coordinator"], confirm=True, reason="")

    case_reassign(case=case, to=target, by=users["coordinator"], reason="Leave")
    page = reverse("reviews:action", args=[action.pk])
    assert client_for("intervenor2").get(page).status_code == 200
    assert client_for("intervenor").get(page).status_code == 404
    # An action the old intervenor owns stays theirs to see.
    assert client_for("intervenor").get(
        reverse("reviews:action", args=[owned.pk])).status_code == 200
    assert drift() == (set(), set())


def test_an_agreed_action_reaches_my_work_goes_overdue_and_is_escalated_exactly_once(
        case, users):
    action = agree(case, users, days=5)
    mine = [i for i in Inbox(users["commissioner"], thresholds())
            if i.kind == "action" and i.url == reverse("reviews:action", args=[action.pk])]
    assert len(mine) == 1 and mine[0].about.startswith("Agree the funding split")
    assert mine[0].reference == case.person.reference
    later = date.today() + timedelta(days=20)
    sweep_action_deadlines(today=later)
    sweep_action_deadlines(today=later)
    escalated = Decision.objects.filter(kind="action_escalated", subject_id=str(action.pk))
    assert escalated.count() == 1 and escalated.get().person == case.person
    action.refresh_from_db()
    assert action.escalated_at is not None
    keys = set(Notice.objects.filter(notification__key__startswith=f"action:{action.pk}:")
               .values_list("notification__key", flat=True))
    due = action.due_date.isoformat()
    assert {f"action:{action.pk}:overdue:{due}", f"action:{action.pk}:escalated:{due}"} <= keys
    waiting = [i for i in Inbox(users["oversight"], thresholds()) if i.kind == "escalation"
               and i.url == reverse("reviews:action", args=[action.pk])]
    assert len(waiting) == 1


def test_the_commissioner_completes_it_and_the_oversight_group_verifies_it(case, users):
    action = agree(case, users)
    action_update(action=action, by=users["commissioner"], text="Agreed at the joint panel",
                  transition="complete", evidence="Joint funding panel minutes")
    action_update(action=action, by=users["oversight"], text="Evidence seen",
                  transition="verify")
    action.refresh_from_db()
    assert action.status == "verified" and action.verified_by == users["oversight"]


def test_lists_api_themes_and_the_pack_say_where_an_action_came_from(
        case, users, client_for):
    action = agree(case, users)
    listing = client_for("oversight").get(reverse("reviews:actions") + "?source=case")
    body = listing.content.decode()
    assert action.text[:20] in body and "Agreed by the senior intervenor" in body
    assert Action.objects.filter(case__isnull=True).first().text[:20] not in body

    api = APIClient()
    api.force_authenticate(users["commissioner"])
    rows = api.get("/api/v1/actions/?source=case&page_size=100").json()["results"]
    assert rows and {r["source"] for r in rows} == {"case"}
    mine = next(r for r in rows if r["id"] == str(action.pk))
    assert mine["case"] == str(case.pk) and mine["review"] is None
    assert mine["recommendation"] is None and mine["issued_on"] == date.today().isoformat()
    plan = api.get(f"/api/v1/intervenor-cases/{case.pk}/plan/").json()
    assert str(action.pk) in {a["id"] for a in plan["actions"]}
    outsider = APIClient()
    outsider.force_authenticate(users["commissioner2"])
    assert outsider.get(f"/api/v1/intervenor-cases/{case.pk}/plan/").status_code == 404
    assert outsider.get(f"/api/v1/actions/{action.pk}/").status_code == 404

    from oversight.themes import period_named, theme_table

    table = theme_table(users["oversight"], period_named("all"))
    funding = next(r for r in table["rows"] if r["theme"] and r["theme"].code
                   == "commissioning-funding")
    assert funding["agreed"] == Action.objects.filter(
        case__isnull=False, theme__code="commissioning-funding").count()
    theme_page = client_for("oversight").get(
        reverse("oversight:theme", args=["commissioning-funding"])).content.decode()
    assert "Actions agreed by senior intervenors" in theme_page and action.text in theme_page

    from oversight.packs import actions_by_organisation

    Action.objects.filter(pk=action.pk).update(due_date=date.today() - timedelta(days=1))
    rows = actions_by_organisation(period_named("all"), date.today())
    icb = next(r for r in rows if r["owner_organisation"] == users["commissioner"]
               .organisation_id)
    assert icb["overdue_from_cases"] >= 1 and icb["overdue_from_cases"] <= icb["overdue"]


def test_the_timeline_shows_an_agreed_action_to_the_cases_readers_only(case, users):
    from records.timeline import person_timeline

    agree(case, users)
    for reader in ("intervenor", "commissioner", "oversight"):
        seen = {e.title for e in person_timeline(users[reader], case.person)}
        assert any(t.startswith("Action agreed with") for t in seen), reader
        assert "Action recorded: open" in seen, reader
    # A chair on none of the person's reviews reads no trace of the case's actions.
    seen = {e.title for e in person_timeline(users["chair2"], case.person)}
    assert not any(t.startswith("Action agreed with") for t in seen)


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_case_page_and_actions_lists_cost_the_same_with_2_and_20_agreed_actions(
        case, users, client_for):
    intervenor, commissioner = client_for("intervenor"), client_for("commissioner")
    page = reverse("intervenors:case", args=[case.pk])
    lists = reverse("reviews:actions") + "?source=case"
    for n in range(2):
        agree(case, users, text=f"Small {n}")
    small = (_queries(intervenor, page), _queries(commissioner, lists))
    for n in range(18):
        agree(case, users, text=f"Large {n}", owner="wardmanager" if n % 2 else "commissioner",
              owner_why="")
    assert case.actions.count() >= 20
    assert (_queries(intervenor, page), _queries(commissioner, lists)) == small


def test_a_case_with_nothing_logged_for_28_days_asks_its_intervenor_for_contact(case, users):
    def quiet(user):
        return [i for i in Inbox(user, thresholds()) if i.kind == "quiet"]

    CaseActivity.objects.filter(case=case).delete()
    IntervenorCase.objects.filter(pk=case.pk).update(
        assigned_on=timezone.now() - timedelta(days=40))
    CaseActivity.objects.create(case=case, author=users["intervenor"], kind="meeting",
                                text="Spoke to the ward", occurred_on=date.today()
                                - timedelta(days=30))
    item = next(i for i in quiet(users["intervenor"]) if i.reference == case.person.reference)
    assert item.due == date.today() - timedelta(days=2)
    assert f"every {thresholds()['case_quiet_days']} days" in item.about
    assert item.url.endswith("#log-activity")
    assert not [i for i in quiet(users["intervenor2"]) if i.reference == case.person.reference]
    # The figure is data: at 60 days the case is not yet quiet.
    from oversight.models import OversightThreshold

    OversightThreshold.objects.filter(key="case_quiet_days").update(days=60)
    assert not [i for i in quiet(users["intervenor"]) if i.reference == case.person.reference]
    OversightThreshold.objects.filter(key="case_quiet_days").update(days=28)
    from intervenors.services import case_activity_log

    case_activity_log(case=case, by=users["intervenor"], kind="visit", text="Visited")
    assert not [i for i in quiet(users["intervenor"]) if i.reference == case.person.reference]
