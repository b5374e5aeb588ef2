"""CSV exports written in the background (issue 12, decision 0014; SECURITY.md S2, S25, S28,
S29, S31, S33, S36): asked for from a list, written by a worker from what the asker may see
then, downloaded by the asker alone until it expires, every step logged."""
import csv
import io
from dataclasses import replace
from datetime import date, timedelta
from unittest.mock import patch

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AccessLogEntry
from audit.services import system_user
from exports.models import Export
from exports.services import KEEP_FOR, KINDS, REQUEUE_AFTER, export_build, export_request, exports_sweep
from notifications.models import Notice
from referrals.models import Referral
from reviews.models import Action

pytestmark = pytest.mark.django_db


def read_csv(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def asked(user, kind, **filters):
    """An export asked for, its task not yet run (as when the worker has not got to it)."""
    with patch("exports.services.build_export.delay") as delay:
        export = export_request(by=user, kind=kind, filters=filters)
    return export, delay


def written(user, kind, **filters):
    export, _ = asked(user, kind, **filters)
    export_build(str(export.pk))
    export.refresh_from_db()
    return export


def api_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_oversight_asks_for_overdue_actions_from_the_list_and_downloads_them(
        client, users, django_capture_on_commit_callbacks):
    oversight = users["oversight"]
    action = Action.objects.filter(status="open").first()
    Action.objects.filter(pk=action.pk).update(owner_name='=HYPERLINK("http://x")',
                                                due_date=date(2020, 1, 1))
    client.force_login(oversight)
    page = client.get(reverse("reviews:actions") + "?overdue=on").content.decode()
    assert "Download these actions as CSV" in page
    assert 'name="overdue" value="on"' in page          # the list's filter goes with it

    with django_capture_on_commit_callbacks(execute=True):     # the worker runs (eagerly)
        response = client.post(reverse("exports:exports"), {"kind": "actions",
                                                              "overdue": "on"})
    export = Export.objects.get(requested_by=oversight)
    assert response.status_code == 302 and response["Location"] == reverse(
        "exports:export", args=[export.pk])
    assert export.status == "ready" and export.filters == {"overdue": True}
    body = client.get(response["Location"]).content.decode()
    assert "Export: Actions" in body and "overdue only" in body
    assert f"Ready: {export.rows} rows" in body and 'http-equiv="refresh"' not in body

    before = AccessLogEntry.objects.filter(object_type="export:actions").count()
    rows = read_csv(client.get(reverse("exports:export_file", args=[export.pk])))
    assert rows[0] == ["person", "action", "source", "owner_organisation", "owner", "due_date",
                       "status", "overdue", "escalated"]
    overdue = Action.objects.filter(status__in=Action.OPEN_STATUSES, due_date__lt=date.today())
    assert len(rows) - 1 == export.rows == overdue.count()
    assert {r[7] for r in rows[1:]} == {"yes"}
    assert {r[2] for r in rows[1:]} == {"review", "intervenor case"}    # where each came from
    owners = [r[4] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in owners and not any(o.startswith("=") for o in owners)
    # Each download is logged with who and which export, never the content (S28, S29).
    log = AccessLogEntry.objects.filter(object_type="export:actions")
    assert log.count() == before + 1
    assert log.latest("at").user == oversight and log.latest("at").object_id == str(export.pk)
    # The owner is told, in Pathways and by email, with a link and no details.
    notice = Notice.objects.get(user=oversight, notification__kind="export_ready")
    assert notice.notification.link == reverse("exports:export", args=[export.pk])
    assert "HYPERLINK" not in notice.notification.body
    listing = client.get(reverse("exports:exports")).content.decode()
    assert "Your exports" in listing and reverse("exports:export", args=[export.pk]) in listing


def test_each_export_holds_only_what_its_owner_may_see(users):
    theirs = written(users["commissioner2"], "actions")
    rows = list(csv.reader(io.StringIO(theirs.csv)))
    # Exactly the actions their organisation's referrals led to, whoever owns them.
    from reviews.selectors import actions_visible

    theirs_only = actions_visible(users["commissioner2"])
    assert len(rows) > 1 and len(rows) - 1 == theirs_only.count()
    assert {r[0] for r in rows[1:]} == set(theirs_only.values_list("person__reference",
                                                                  flat=True))
    assert not set(theirs_only.values_list("pk", flat=True)) & set(
        actions_visible(users["commissioner"]).values_list("pk", flat=True))

    queue = list(csv.reader(io.StringIO(written(users["coordinator"], "queue").csv)))
    assert queue[0][0] == "rank"
    assert len(queue) == 1 + Referral.objects.filter(status="submitted").count()
    caseload = list(csv.reader(io.StringIO(written(users["intervenor"], "caseloads").csv)))
    assert len(caseload) == 1 + 3 and {r[0] for r in caseload[1:]} == {"Grace Murphy"}


def test_nobody_else_sees_or_downloads_an_export(client, users):
    export = written(users["oversight"], "actions")
    for other in ("coordinator", "commissioner"):          # both may export; neither sees it
        client.force_login(users[other])
        assert client.get(reverse("exports:export", args=[export.pk])).status_code == 404
        assert client.get(reverse("exports:export_file", args=[export.pk])).status_code == 404
        assert str(export.pk) not in client.get(reverse("exports:exports")).content.decode()
        api = api_for(users[other])
        assert api.get(f"/api/v1/exports/{export.pk}/").status_code == 404
        assert api.get(f"/api/v1/exports/{export.pk}/file/").status_code == 404
        assert api.get("/api/v1/exports/").json()["count"] == 0
    refused = AccessLogEntry.objects.filter(granted=False, object_id=str(export.pk))
    assert refused.count() == 8                    # every guess is a security event (S28)


def test_a_role_that_may_not_export_a_list_is_refused_and_nothing_is_made(client, users):
    client.force_login(users["commissioner"])
    assert client.post(reverse("exports:exports"), {"kind": "queue"}).status_code == 403
    response = api_for(users["commissioner"]).post("/api/v1/exports/", {"kind": "caseloads"},
                                                   format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    client.force_login(users["expert"])                # a panel member exports nothing
    assert client.post(reverse("exports:exports"), {"kind": "actions"}).status_code == 403
    assert not Export.objects.exists()


def test_asking_twice_while_it_is_written_is_one_export(users,
                                                       django_capture_on_commit_callbacks):
    oversight = users["oversight"]
    with django_capture_on_commit_callbacks() as queued:
        first = export_request(by=oversight, kind="actions", filters={"overdue": True})
        again = export_request(by=oversight, kind="actions", filters={"overdue": True})
        other = export_request(by=oversight, kind="actions")          # other filters
    assert again.pk == first.pk != other.pk and len(queued) == 2
    export_build(str(first.pk))
    later, _ = asked(oversight, "actions", overdue=True)      # once written, a new one
    assert later.pk != first.pk and Export.objects.count() == 3


def test_a_tampered_request_gets_a_clear_error_and_makes_nothing(client, users):
    client.force_login(users["oversight"])
    response = client.post(reverse("exports:exports"), {"kind": "everything"})
    assert response.status_code == 400
    assert "could not be asked for" in response.content.decode()
    assert not Export.objects.exists()


def test_an_integrator_asks_waits_and_downloads_over_the_api(users,
                                                             django_capture_on_commit_callbacks):
    api = api_for(users["oversight"])
    with (django_capture_on_commit_callbacks(execute=False) as queued,
          patch("exports.services.build_export.delay")):
        response = api.post("/api/v1/exports/", {"kind": "actions", "overdue": True},
                            format="json")
    assert response.status_code == 202
    body = response.json()
    assert response["Location"] == body["url"] == f"/api/v1/exports/{body['id']}/"
    assert body["status"] == "queued" and body["file_url"] is None and body["rows"] is None
    assert len(queued) == 1                          # queued only after commit (S31)
    assert api.get(f"/api/v1/exports/{body['id']}/file/").status_code == 404   # not yet

    export_build(body["id"])
    now = api.get(body["url"]).json()
    assert now["status"] == "ready" and now["rows"] > 0 and now["size"] > 0
    assert now["filters"] == {"overdue": True}
    rows = read_csv(api.get(now["file_url"]))
    assert len(rows) == 1 + now["rows"]
    assert api.get("/api/v1/exports/").json()["results"][0]["id"] == body["id"]


def test_the_api_names_a_wrong_kind_or_a_filter_the_list_does_not_take(users):
    api = api_for(users["oversight"])
    wrong = api.post("/api/v1/exports/", {"kind": "people"}, format="json")
    assert wrong.status_code == 400 and "kind" in wrong.json()["errors"]
    # A filter the queue does not take is an error, never a silently unfiltered file.
    stray = api.post("/api/v1/exports/", {"kind": "queue", "overdue": True}, format="json")
    assert stray.status_code == 400 and "overdue" in stray.json()["errors"]
    assert not Export.objects.exists()
    # A queue's body is its kind alone (round 3, finding 11): any other field is named.
    idle = api.post("/api/v1/exports/", {"kind": "queue", "overdue": False}, format="json")
    assert idle.status_code == 400 and "overdue" in idle.json()["errors"]
    unknown = api.post("/api/v1/exports/", {"kind": "actions", "colour": "red"}, format="json")
    assert unknown.status_code == 400 and "colour" in unknown.json()["errors"]
    assert not Export.objects.exists()
    with patch("exports.services.build_export.delay"):
        assert api.post("/api/v1/exports/", {"kind": "queue"}, format="json").status_code == 202


def test_a_rolled_back_request_queues_nothing(users, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (django_capture_on_commit_callbacks() as queued, pytest.raises(RuntimeError),
          transaction.atomic()):
        export_request(by=users["oversight"], kind="actions")
        raise RuntimeError
    assert queued == [] and not Export.objects.exists()


def test_a_withdrawn_role_is_checked_again_when_the_export_is_written(users):
    from django.contrib.auth.models import Group

    coordinator = users["coordinator"]
    export, _ = asked(coordinator, "queue")
    # Taking the role away closes the export at once (round 3, finding 5)...
    coordinator.groups.remove(Group.objects.get(name="Review coordinator"))
    assert export_build(str(export.pk)) == "closed"
    export.refresh_from_db()
    assert export.csv == "" and export.rows is None
    # ...and the worker checks the role again whatever closed or did not close it.
    again, _ = asked(users["oversight"], "queue")
    with patch("exports.services.may_export", return_value=False):
        assert export_build(str(again.pk)) == "failed"
    again.refresh_from_db()
    assert again.error == "ExportRefused" and again.csv == "" and again.rows is None
    assert not Notice.objects.filter(notification__kind="export_ready")


def test_a_withdrawn_role_also_closes_exports_already_written(client, users):
    from django.contrib.auth.models import Group

    coordinator = users["coordinator"]
    export = written(coordinator, "queue")
    client.force_login(coordinator)
    assert client.get(reverse("exports:export_file", args=[export.pk])).status_code == 200
    coordinator.groups.remove(Group.objects.get(name="Review coordinator"))
    coordinator.groups.add(Group.objects.get(name="Commissioner"))    # may export actions only
    client.force_login(coordinator)
    assert client.get(reverse("exports:export_file", args=[export.pk])).status_code == 404
    assert client.get(reverse("exports:export", args=[export.pk])).status_code == 404
    assert str(export.pk) not in client.get(reverse("exports:exports")).content.decode()
    assert api_for(coordinator).get(f"/api/v1/exports/{export.pk}/file/").status_code == 404


def test_writing_twice_writes_once_and_a_crashed_write_is_taken_again(users):
    export, _ = asked(users["oversight"], "actions")
    assert export_build(str(export.pk)) == "ready"
    assert export_build(str(export.pk)) == "ready"           # a redelivery does nothing more
    assert Notice.objects.filter(notification__key=f"export:{export.pk}:ready").count() == 1

    crashed, _ = asked(users["oversight"], "caseloads")
    Export.objects.filter(pk=crashed.pk).update(status="running")   # its worker died
    assert export_build(str(crashed.pk)) == "ready"


def test_a_failure_is_recorded_for_the_page_and_raised_for_the_log(client, users):
    export, _ = asked(users["oversight"], "actions")
    def broken(user, filters):
        raise ZeroDivisionError

    kinds = {"actions": replace(KINDS["actions"], rows=broken)}
    with patch.dict("exports.services.KINDS", kinds), pytest.raises(ZeroDivisionError):
        export_build(str(export.pk))
    export.refresh_from_db()
    assert export.status == "failed" and export.error == "ZeroDivisionError"
    client.force_login(users["oversight"])
    page = client.get(reverse("exports:export", args=[export.pk])).content.decode()
    assert "could not be written" in page and "ZeroDivisionError" in page


def test_each_change_says_who_made_it_and_why(users):
    export = written(users["oversight"], "actions")
    history = list(export.history.order_by("history_date"))
    assert [h.status for h in history] == ["queued", "running", "ready"]
    assert history[0].history_user == users["oversight"]
    assert {h.history_user for h in history[1:]} == {system_user()}       # S25
    assert "build_export" in history[-1].history_change_reason
    assert not hasattr(history[-1], "csv")          # the file is not copied into history


def test_the_sweep_empties_expired_files_and_queues_lost_exports_again(client, users):
    export = written(users["oversight"], "actions")
    lost, _ = asked(users["oversight"], "queue")
    fresh, _ = asked(users["oversight"], "caseloads")
    Export.objects.filter(pk=lost.pk).update(requested_at=timezone.now() - REQUEUE_AFTER)
    with patch("exports.services.build_export.delay") as delay:
        # The fresh one has waited under LOST_AFTER: its message may still be on its way.
        assert exports_sweep(now=timezone.now() + timedelta(seconds=10)) == (0, 1)
        delay.assert_called_once_with(str(lost.pk))
        assert exports_sweep(now=export.expires_at) == (1, 2)
    expired = Export.objects.get(pk=export.pk)
    assert expired.status == "expired" and expired.csv == "" and expired.rows > 0
    assert export.expires_at - export.finished_at == KEEP_FOR
    client.force_login(users["oversight"])
    assert client.get(reverse("exports:export_file", args=[export.pk])).status_code == 404
    assert "has expired" in client.get(
        reverse("exports:export", args=[export.pk])).content.decode()
