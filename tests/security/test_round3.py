"""The third outside probe's findings (issue 29), each held by a regression test and, where a
finding is one case of a class, by a test of the class. Suppression is in
tests/workflows/test_suppression.py; malformed parameters on every route in
tests/security/test_malformed_input.py."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Organisation, User
from accounts.roles import Role
from accounts.services import user_update_account
from audit.models import Decision
from exports.models import Export
from notifications.models import Notice
from pathways.errors import NotAllowedError
from referrals.models import Concern, Person
from reviews.models import Action, PanelMember
from tests.accounts.test_admin import _account_post as account_form
from tests.accounts.test_admin import second_administrator
from tests.workflows.test_exports import api_for, written

pytestmark = pytest.mark.django_db


def send_link_action(client, user):
    return client.post("/admin/accounts/user/", {"action": "send_password_link",
                                                 "_selected_action": [user.pk]}, follow=True)


# Finding 1 (HIGH): an administrator took over an account by changing its email -----------

def test_the_probes_takeover_path_leaves_the_administrator_holding_nothing(
        client_for, users, mailoutbox, django_capture_on_commit_callbacks):
    admin, target = client_for("admin"), users["oversight"]
    url = f"/admin/accounts/user/{target.pk}/change/"
    old_address, password_before = target.email, target.password
    # No reason: nothing changes, and the form says why.
    refused = admin.post(url, account_form(target, email="attacker@example.com"))
    assert refused.status_code == 200 and "Give the reason" in refused.content.decode()
    assert User.objects.get(pk=target.pk).email == old_address
    # With a reason, the change is an account decision and the old address is told.
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(url, account_form(target, email="attacker@example.com",
                                            reason="New NHSmail address")).status_code == 302
    target.refresh_from_db()
    assert target.email == "attacker@example.com" and target.email_set_by == users["admin"]
    decision = Decision.objects.get(kind="account_changed", subject_id=str(target.pk))
    assert decision.actor == users["admin"] and "email address changed" in decision.summary
    assert decision.reason == "New NHSmail address"
    assert [m.to for m in mailoutbox] == [[old_address]]
    assert "was changed by an administrator" in mailoutbox[0].body
    # The link the probe then sent is refused to the administrator who set the address.
    page = send_link_action(admin, target)
    assert "another administrator must check it" in page.content.decode()
    assert all("attacker@example.com" not in m.to for m in mailoutbox)
    assert User.objects.get(pk=target.pk).password == password_before    # nothing to take


@pytest.mark.parametrize("field,value", [
    ("email", "elsewhere@example.com"), ("username", "renamed"), ("is_active", ""),
    ("organisation", "other")])
def test_every_change_to_who_an_account_is_is_a_decision_and_yields_no_credential(
        client_for, users, mailoutbox, field, value):
    """The class of finding 1: each identity field an administrator may change needs a reason,
    makes a Decision, and no link the same administrator then sends reaches an address they
    set."""
    admin, target = client_for("admin"), users["commissioner2"]
    if value == "other":
        value = str(Organisation.objects.exclude(pk=target.organisation_id).first().pk)
    url = f"/admin/accounts/user/{target.pk}/change/"
    before = Decision.objects.filter(subject_id=str(target.pk)).count()
    assert admin.post(url, account_form(target, **{field: value})).status_code == 200
    assert Decision.objects.filter(subject_id=str(target.pk)).count() == before
    assert admin.post(url, account_form(target, **{field: value}, reason="As asked by the ICB")
                      ).status_code == 302
    assert Decision.objects.filter(subject_id=str(target.pk),
                                   kind="account_changed").count() == before + 1
    mailoutbox.clear()
    send_link_action(admin, User.objects.get(pk=target.pk))
    set_by_admin = {u.email for u in User.objects.filter(email_set_by=users["admin"])}
    for message in mailoutbox:
        assert not set(message.to) & set_by_admin, (field, message.to)


def test_another_administrator_checks_a_new_address_and_sends_the_link(client, users,
                                                                        mailoutbox):
    user_update_account(user=users["commissioner2"], by=users["admin"], reason="New address",
                        email="ben.okafor@example.nhs.uk")
    mailoutbox.clear()
    client.force_login(second_administrator())
    send_link_action(client, users["commissioner2"])
    assert [m.to for m in mailoutbox] == [["ben.okafor@example.nhs.uk"]]
    assert Decision.objects.filter(subject_id=str(users["commissioner2"].pk),
                                   summary__contains="link to set a new password").exists()


def test_the_password_link_service_refuses_the_administrator_who_set_the_address(users):
    from accounts.services import password_link_send

    user_update_account(user=users["chair2"], by=users["admin"], reason="New address",
                        email="chair2@example.com")
    with pytest.raises(NotAllowedError):
        password_link_send(user=User.objects.get(pk=users["chair2"].pk), by=users["admin"])
    with pytest.raises(NotAllowedError):
        password_link_send(user=users["admin"], by=users["admin"])


def test_an_accounts_history_cannot_be_restored_around_a_decision(client_for, users):
    target = users["commissioner2"]
    user_update_account(user=target, by=users["admin"], reason="New address",
                        email="ben@example.com")
    old = target.history.order_by("history_date").first()
    url = f"/admin/accounts/user/{target.pk}/history/{old.history_id}/"
    response = client_for("admin").post(url, account_form(User.objects.get(pk=target.pk),
                                                          email=old.email))
    assert response.status_code in (302, 403)
    assert User.objects.get(pk=target.pk).email == "ben@example.com"


def test_an_administrator_saves_their_own_account_but_not_who_it_is(client_for, users):
    admin = users["admin"]
    url = f"/admin/accounts/user/{admin.pk}/change/"
    response = client_for("admin").post(url, account_form(
        admin, first_name="Kimberley", email="me@example.com", roles=["Oversight group"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    admin.refresh_from_db()
    assert admin.first_name == "Kimberley" and admin.email != "me@example.com"
    assert admin.role_names & set(Role.values) == {"Administrator"}


# Finding 2: an export past its time still downloaded -------------------------------------

def test_an_export_past_its_time_is_refused_where_it_is_served_without_any_sweep(client, users):
    export = written(users["oversight"], "actions")
    api = api_for(users["oversight"])
    client.force_login(users["oversight"])
    assert client.get(reverse("exports:export_file", args=[export.pk])).status_code == 200
    # Its 24 hours are up; no sweep has run (the default first run has no scheduler).
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("exports:export_file", args=[export.pk])).status_code == 404
    assert api.get(f"/api/v1/exports/{export.pk}/file/").status_code == 404
    assert api.get(f"/api/v1/exports/{export.pk}/").json()["file_url"] is None
    page = client.get(reverse("exports:export", args=[export.pk])).content.decode()
    assert "has expired" in page
    listed = client.get(reverse("exports:exports")).content.decode()
    assert "Expired" in listed
    export.refresh_from_db()
    assert export.status == "expired" and export.csv == ""


def test_an_export_is_not_served_at_the_moment_it_expires(users):
    export = written(users["oversight"], "actions")
    assert export.downloadable(now=export.expires_at - timedelta(seconds=1))
    assert not export.downloadable(now=export.expires_at)


def test_the_hourly_sweep_also_empties_expired_exports(users):
    from workflows.tasks import sweep_action_deadlines

    export = written(users["oversight"], "actions")
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert sweep_action_deadlines()["exports_expired"] == 1
    assert Export.objects.get(pk=export.pk).status == "expired"


FILE_ROUTES = {   # name -> how a file that is out of time or out of scope is refused
    "exports:export_file": "expires, and follows its asker's role, organisation and grants",
    "oversight:pack_file": "oversight's aggregate pack: the role is checked on every download",
    "oversight:outcomes_csv": "written at the request from the reader's role, never stored",
    "oversight:trends_csv": "aggregate figures written at the request, for the roles that read the trends",
    "reviews:easy_read_pdf": "written at the request through the reader's scoped selector",
    "api:export-file": "the export file's own view, through the API",
    "api-schema": "the API's description: no records, for signed-in people only",
    "imports:template": "an empty template (headers and a made-up example), for importers only",
}


def test_every_route_that_serves_a_file_is_known_and_checked():
    """Every view that answers with an attachment is in FILE_ROUTES (and has its test here or
    in the access matrix): a new download route fails this until its rules are written."""
    import inspect

    from tests.workflows.test_access_matrix import app_urls

    found = set()
    for name, _, callback in app_urls() + app_urls(api=True):
        view = getattr(callback, "view_class", None) or callback
        while hasattr(view, "__wrapped__"):
            view = view.__wrapped__
        try:
            source = inspect.getsource(view)
        except (OSError, TypeError):
            continue
        if "Content-Disposition" in source or "export_download" in source:
            found.add(name)
    assert found == set(FILE_ROUTES), found ^ set(FILE_ROUTES)


# Finding 3: the referring commissioner closed a family's request for a review -------------

def test_only_a_coordinator_answers_a_request_for_a_review(client_for, users):
    from referrals.services import concern_raise

    person = Person.objects.filter(commissioner=users["commissioner"].organisation).first()
    request_ = concern_raise(person=person, by=users["coordinator"], source="family",
                             category="other", severity="medium", kind="review_request",
                             description="The family ask for a review")
    concern = concern_raise(person=person, by=users["commissioner"], source="system",
                            category="other", severity="low", description="A concern")
    commissioner = client_for("commissioner")
    page = commissioner.get(reverse("referrals:person", args=[person.pk])).content.decode()
    assert "A review coordinator answers this request." in page
    url = reverse("referrals:concern_resolve", args=[person.pk, request_.pk])
    commissioner.post(url, {"reason": "Not needed"})
    assert Concern.objects.get(pk=request_.pk).status == "open"
    # Their own kind of concern they still close; a coordinator answers the request.
    commissioner.post(reverse("referrals:concern_resolve", args=[person.pk, concern.pk]),
                      {"reason": "Dealt with"})
    assert Concern.objects.get(pk=concern.pk).status == "resolved"
    client_for("coordinator").post(url, {"reason": "Review scheduled"})
    assert Concern.objects.get(pk=request_.pk).status == "resolved"


# Finding 5: a person who moved kept their old organisation's export ---------------------

def test_moving_organisation_closes_an_export_asked_for_in_the_old_one(client, users):
    commissioner = users["commissioner"]
    export = written(commissioner, "actions")
    client.force_login(commissioner)
    assert client.get(reverse("exports:export_file", args=[export.pk])).status_code == 200
    other = Organisation.objects.exclude(pk=commissioner.organisation_id).filter(
        kind="icb").first()
    user_update_account(user=commissioner, by=users["admin"], reason="New job",
                        organisation=other)
    client.force_login(User.objects.get(pk=commissioner.pk))
    assert client.get(reverse("exports:export_file", args=[export.pk])).status_code == 404
    assert api_for(commissioner).get(f"/api/v1/exports/{export.pk}/file/").status_code == 404
    assert Export.objects.get(pk=export.pk).status == "closed"


def test_an_export_asked_for_elsewhere_is_not_served_even_if_nothing_closed_it(client, users):
    export = written(users["oversight"], "actions")
    other = Organisation.objects.exclude(pk=users["oversight"].organisation_id).first()
    Export.objects.filter(pk=export.pk).update(organisation=other)   # as if the hook missed
    client.force_login(users["oversight"])
    assert client.get(reverse("exports:export_file", args=[export.pk])).status_code == 404


@pytest.mark.parametrize("shrink", ["role", "owner", "permission", "group"])
def test_any_shrinking_of_access_closes_open_exports(users, shrink):
    """The class of finding 5: whichever way access is taken away (a role, an action handed
    to another owner, a grant removed, a group emptied), the files made from it close in the
    same transaction."""
    from guardian.shortcuts import remove_perm

    from reviews.services import action_set_owner

    owner = users["wardmanager"] if shrink == "owner" else users["chair"]
    export = written(owner, "actions")
    if shrink == "role":
        owner.groups.remove(Group.objects.get(name=Role.CHAIR))
    elif shrink == "owner":
        action = Action.objects.filter(owner=owner, status__in=Action.OPEN_STATUSES).first()
        action_set_owner(action=action, by=users["coordinator"], owner=users["commissioner"],
                         reason="Handed to the ICB")
    elif shrink == "permission":
        member = PanelMember.objects.filter(user=owner).select_related("review").first()
        remove_perm("reviews.view_review", owner, member.review)
    else:
        Group.objects.get(name=Role.CHAIR).user_set.remove(owner)
    closed = Export.objects.get(pk=export.pk)
    assert closed.status == "closed" and closed.csv == ""
    assert not closed.downloadable()


# Finding 6: a new password ended sessions but not API tokens ----------------------------

def test_setting_a_password_ends_every_token(users, client_for):
    user = users["coordinator"]
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me/tasks/").status_code == 200
    user.set_password("another-long-password-81")
    user.save()
    assert not Token.objects.filter(user=user).exists()
    assert client.get("/api/v1/me/tasks/").status_code == 401


def test_the_emailed_link_ends_every_token(users, client, mailoutbox, settings):
    from accounts.services import password_link_send

    settings.SITE_URL = "http://127.0.0.1:8000"
    target = users["commissioner2"]
    Token.objects.create(user=target)
    password_link_send(user=target, by=second_administrator())
    link = next(line for line in mailoutbox[-1].body.splitlines() if "/accounts/password/" in line)
    form = client.get(link.split("8000", 1)[1], follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": "a-fresh-long-password-77",
                                             "new_password2": "a-fresh-long-password-77"})
    assert User.objects.get(pk=target.pk).check_password("a-fresh-long-password-77")
    assert not Token.objects.filter(user=target).exists()


# Finding 7: two 500s --------------------------------------------------------------------

def test_a_hand_over_to_a_malformed_person_is_an_error_message(client_for):
    from referrals.models import Referral

    referral = Referral.objects.filter(status="submitted").first()
    for to in ("abc", "9" * 30, "-1", "١٢"):
        response = client_for("coordinator").post(
            reverse("workflows:task_release", args=["referral", referral.pk]),
            {"to": to, "reason": "Leaving"}, follow=True)
        assert response.status_code == 200
        assert "Choose a review coordinator" in response.content.decode()


def test_a_huge_page_number_is_a_400_on_the_api_and_the_last_page_on_a_page(client_for, users):
    api = APIClient()
    api.force_authenticate(users["coordinator"])
    response = api.get("/api/v1/me/tasks/", {"page": "9" * 19})
    assert response.status_code == 400 and "page" in response.json()["errors"]
    assert client_for("coordinator").get("/work/", {"page": "9" * 19}).status_code == 200


# Finding 8: the set-password link followed the request's Host -----------------------------

def test_the_link_is_built_from_site_url_whatever_host_the_request_named(users, settings):
    settings.SITE_URL = "https://pathways.example.nhs.uk"
    settings.ALLOWED_HOSTS = ["*"]
    client = __import__("django.test", fromlist=["Client"]).Client(HTTP_HOST="evil.example:8443")
    client.force_login(second_administrator())
    target = users["commissioner2"]
    send_link_action(client, target)
    body = mail.outbox[-1].body
    assert "https://pathways.example.nhs.uk/accounts/password/" in body
    assert "evil.example" not in body


# Finding 9: a notification linked to a page its reader could not open --------------------

def every_notice_after_a_week_of_work(users):
    """The demo's notices plus those the sweeps and a fresh report make."""
    from workflows.tasks import sweep_action_deadlines

    sweep_action_deadlines()
    written(users["oversight"], "actions")
    return Notice.objects.select_related("notification", "user")


def test_every_notification_opens_for_each_of_its_readers(users):
    from django.test import Client

    notices = list(every_notice_after_a_week_of_work(users))
    kinds = {n.notification.kind for n in notices}
    assert {"report_issued", "overdue", "export_ready"} <= kinds, kinds
    checked = 0
    for notice in notices:
        if not notice.notification.link or not notice.user.is_active:
            continue
        client = Client()
        client.force_login(notice.user)
        response = client.get(notice.notification.link)
        assert response.status_code == 200, (notice.notification.kind, notice.user.username,
                                             notice.notification.link, response.status_code)
        checked += 1
    assert checked > 10


def test_an_action_owner_hears_of_a_report_through_their_action(users):
    from workflows.deadlines import notify_report_issued

    action = Action.objects.filter(owner=users["wardmanager"], case__isnull=True).select_related(
        "review").first()
    notify_report_issued(action.review)
    notice = Notice.objects.filter(user=users["wardmanager"],
                                   notification__kind="report_issued").get()
    assert notice.notification.link in (reverse("reviews:action", args=[action.pk]),
                                        reverse("reviews:actions"))
    assert not Notice.objects.filter(
        user=users["wardmanager"],
        notification__link=reverse("reviews:detail", args=[action.review.pk])).exists()


# Finding 10 -----------------------------------------------------------------------------

def test_bidirectional_controls_are_taken_out_of_what_is_saved(users):
    from referrals.services import concern_raise

    person = Person.objects.first()
    concern = concern_raise(person=person, by=users["coordinator"], source="system",
                            category="other", severity="low",
                            description="Paid \u202etnemyap\u202c on \u2066time\u2069")
    assert Concern.objects.get(pk=concern.pk).description == "Paid tnemyap on time"


def test_formula_text_in_any_width_or_after_padding_is_kept_as_text():
    from pathways.csvfile import csv_text

    cells = ["\uff1d1+1", "\uff0bSUM(A1)", "\u200b=HYPERLINK(\"x\")", "\ufeff@cmd", " -2+3",
             "\u00a0=1", "plain", "Zoë"]
    import csv
    import io

    text, _ = csv_text(["cell"], [[c] for c in cells])
    read = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert read[:6] == ["'" + c for c in cells[:6]], read
    assert read[6:] == ["plain", "Zoë"]


def test_every_response_sends_a_permissions_policy(client_for):
    for response in (client_for(None).get("/accounts/login/"),
                     client_for("coordinator").get("/work/")):
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


def test_a_referral_for_another_organisations_person_goes_to_the_coordinators(users,
                                                                             client_for):
    from tests.security.test_findings import api, referral_body

    person = Person.objects.filter(commissioner__name__startswith="North").first()
    for _ in range(2):
        response = api(users["commissioner2"]).post("/api/v1/referrals/",
                                                    referral_body(person.nhs_number),
                                                    format="json")
        assert response.status_code == 409
        assert person.reference not in response.content.decode()
    notices = Notice.objects.filter(notification__kind="person_elsewhere")
    assert {n.user for n in notices} == set(User.objects.filter(groups__name=Role.COORDINATOR))
    assert notices.values("notification").distinct().count() == 1     # once, not per try
    link = notices.first().notification.link
    assert client_for("coordinator").get(link).status_code == 200
    assert person.reference not in " ".join(
        n.notification.body for n in Notice.objects.filter(user=users["commissioner2"]))
