"""Audit: history with who and why, an append-only decision log, and the person's timeline."""
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AccessLogEntry, AppendOnlyError, Decision
from intervenors.models import CaseActivity, IntervenorCase
from referrals.models import Concern, LtsEpisode, Person, Referral
from reviews.models import Action, ActionUpdate, PanelMember, Review

pytestmark = pytest.mark.django_db

AUDITED = [Person, LtsEpisode, Concern, Referral, Review, PanelMember, Action, ActionUpdate,
           IntervenorCase, CaseActivity]


@pytest.mark.parametrize("model", AUDITED, ids=lambda m: m.__name__)
def test_every_history_row_names_who_and_why(model):
    rows = model.history.all()
    assert rows.exists()
    assert not rows.filter(history_user__isnull=True).exists()
    assert not rows.filter(history_change_reason__isnull=True).exists()
    assert not rows.filter(history_change_reason="").exists()


def test_changes_made_outside_a_request_are_attributed_to_the_named_system_user():
    snapshot = Referral.history.filter(history_change_reason__startswith="Priority snapshot")
    assert snapshot.exists()
    assert set(snapshot.values_list("history_user__username", flat=True)) == {
        settings.SYSTEM_USERNAME}


def test_decisions_cannot_be_changed_or_deleted_in_code():
    decision = Decision.objects.first()
    decision.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        decision.save()
    with pytest.raises(AppendOnlyError):
        decision.delete()
    with pytest.raises(AppendOnlyError):
        Decision.objects.filter(pk=decision.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        Decision.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().update(granted=False)


def test_the_database_refuses_raw_changes_to_decisions(postgres):
    decision = Decision.objects.first()
    for sql in ("UPDATE workflows_decision SET reason = 'x' WHERE id = %s",
                "DELETE FROM workflows_decision WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
            c.execute(sql, [decision.pk])
    assert Decision.objects.get(pk=decision.pk).reason == decision.reason


def test_decisions_are_not_editable_in_the_admin():
    from django.contrib import admin

    assert Decision not in admin.site._registry and AccessLogEntry not in admin.site._registry


APP_DIRS = ["accounts", "referrals", "reviews", "intervenors", "workflows"]
BYPASS = re.compile(r"\.(update|bulk_create|bulk_update|raw)\(|cursor\(\)")
# Bulk writers that write the history themselves, each proved by its own test.
WRITES_ITS_OWN_HISTORY = {
    "demo/scale.py": "tests/demo/test_seed_scale.py",
}
# Files whose database cursor only reads (a query Django cannot write), each with its test.
READS_WITH_A_CURSOR = {
    "records/timeline.py": "test_each_timeline_page_read_with_its_count_is_that_page_of_the_whole",
}
CURSOR = re.compile(r"cursor\(\)")


def test_no_app_code_writes_around_history():
    """QuerySet.update, bulk writes and raw SQL leave no history (SECURITY.md S24)."""
    offenders = []
    for app in APP_DIRS:
        for path in Path(settings.BASE_DIR, app).rglob("*.py"):
            if "migrations" in path.parts or str(
                    path.relative_to(settings.BASE_DIR)) in WRITES_ITS_OWN_HISTORY:
                continue
            reads = str(path.relative_to(settings.BASE_DIR)) in READS_WITH_A_CURSOR
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if reads and CURSOR.search(line) and not BYPASS.search(CURSOR.sub("", line)):
                    continue
                if BYPASS.search(line) and "def update" not in line and "vars().update" not in line:
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line}")
    assert not offenders, "\n".join(offenders)


def test_a_seeded_persons_timeline_shows_who_decided_what_in_order(client_for):
    review = Review.objects.filter(status="report_issued").first()
    person = review.person
    page = client_for("coordinator").get(reverse("records:timeline", args=[person.pk]))
    body = page.content.decode()
    expected = ["Referral raised for", "Referral accepted for", "Panel scheduled for",
                "Panel held on", "Report issued:"]
    positions = [body.index(text) for text in expected]
    assert positions == sorted(positions)
    assert "Demo: meets the criteria for the national programme." in body   # the why
    assert "Cara Lewis" in body and "Dev Patel" in body                      # the who
    only = client_for("coordinator").get(reverse("records:timeline", args=[person.pk]),
                                         {"kind": "decision"}).content.decode()
    assert "Referral accepted for" in only and "Concern recorded" not in only


def test_timeline_hides_reviews_from_people_not_on_them(client_for, users):
    review = Review.objects.filter(status="report_issued",
                                   referral__organisation__name__startswith="North").first()
    body = client_for("commissioner").get(
        reverse("records:timeline", args=[review.person_id])).content.decode()
    assert "Referral raised for" in body
    # The commissioner's organisation may see its review, so its events are there.
    assert "Report issued:" in body
    other = client_for("commissioner2").get(
        reverse("records:timeline", args=[review.person_id]))
    assert other.status_code == 404


def test_history_rows_cannot_be_changed_or_removed_in_the_database(postgres):
    """S27: every history table refuses UPDATE and DELETE; new tables must join."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables "
                       "WHERE table_schema = 'public' AND table_name LIKE '%%_historical%%'")
        tables = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT DISTINCT event_object_table FROM information_schema.triggers "
                       "WHERE trigger_name LIKE '%%_append_only'")
        guarded = {row[0] for row in cursor.fetchall()}
    assert tables and tables <= guarded, tables - guarded
    row = Referral.history.first()
    for sql in ("UPDATE referrals_historicalreferral SET history_change_reason = 'x' "
                "WHERE history_id = %s",
                "DELETE FROM referrals_historicalreferral WHERE history_id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
            c.execute(sql, [row.history_id])


def _long_history(updates: int, apart):
    """A person with a long timeline: their open action gets `updates` updates, `apart` from
    each other from the day its review was asked for."""
    action = Action.objects.filter(status__in=["open", "in_progress"],
                                   review__isnull=False).first()
    for n in range(updates):
        ActionUpdate.objects.create(action=action, author=action.owner, text=f"Update {n}",
                                    created_at=action.review.requested_at + n * apart)
    return action.person


def test_each_timeline_page_read_with_its_count_is_that_page_of_the_whole(users, rf):
    """A timeline page is read with the count in one windowed query; every page, a page past
    the end and a page that is not a number show what the whole timeline has there."""
    from datetime import timedelta

    from django.core.paginator import Paginator
    from django.test.utils import CaptureQueriesContext

    from pathways import paging
    from records.timeline import person_timeline

    person = _long_history(120, timedelta(minutes=1))
    user = users["coordinator"]
    whole = list(person_timeline(user, person))
    assert len(whole) > 2 * paging.PER_PAGE
    last = -(-len(whole) // paging.PER_PAGE)
    for asked in [*map(str, range(1, last + 1)), str(last + 3), "abc", "0", None]:
        request = rf.get("/", {"page": asked} if asked else {})
        page = paging.page(request, person_timeline(user, person))
        assert page.paginator.count == len(whole), asked
        start = (page.number - 1) * paging.PER_PAGE
        assert list(page.object_list) == whole[start:start + paging.PER_PAGE], asked
        assert page.number == (min(int(asked), last) if asked and asked.isdigit()
                               and asked != "0" else 1 if asked in (None, "abc") else last)
    # One query fewer than counting and reading apart.
    with CaptureQueriesContext(connection) as together:
        list(paging.page(rf.get("/", {"page": "2"}), person_timeline(user, person)).object_list)
    with CaptureQueriesContext(connection) as apart:
        list(Paginator(person_timeline(user, person), paging.PER_PAGE).get_page("2").object_list)
    assert len(together) == len(apart) - 1
    assert all(q["sql"].lstrip("( ").upper().startswith("SELECT")      # it only reads
               for q in together.captured_queries)


def test_going_to_a_day_shows_the_page_that_holds_its_first_event(users, client_for):
    """A long timeline is found by when things happened: going to a day shows the page that
    holds the first event on or after it (London days), at one query's cost; a page asked for
    wins; a day after everything shows the last page and says so; an impossible day is an
    error on the form, never a 500."""
    from datetime import timedelta

    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from pathways import paging
    from records.timeline import person_timeline

    person = _long_history(130, timedelta(days=1))
    whole = list(person_timeline(users["coordinator"], person))
    assert len(whole) > 2 * paging.PER_PAGE
    client, url = client_for("coordinator"), reverse("records:timeline", args=[person.pk])

    def go(day, **more):
        return client.get(url, {"start_day": day.day, "start_month": day.month,
                                "start_year": day.year, **more})

    days = [timezone.localdate(whole[i].at) for i in (0, 49, 50, 51, 75, 110, -1)]
    for day in days:
        first = next(i for i, e in enumerate(whole) if timezone.localdate(e.at) >= day)
        shown = go(day)
        page = shown.context["page"]
        assert page.number == first // paging.PER_PAGE + 1, day
        assert whole[first] in page.object_list
        assert f"first event on or after {day:%-d %B %Y}" in shown.content.decode()
    with CaptureQueriesContext(connection) as plain:
        client.get(url, {"page": "2"})
    with CaptureQueriesContext(connection) as going:
        go(days[4])
    assert len(going) == len(plain) + 1
    assert go(days[4], page="1").context["page"].number == 1

    after = go(timezone.localdate(whole[-1].at) + timedelta(days=1))
    assert after.context["page"].number == after.context["page"].paginator.num_pages
    assert "Nothing is recorded on or after" in after.content.decode()

    wrong = client.get(url, {"start_day": "31", "start_month": "2", "start_year": "2025"})
    assert wrong.status_code == 200 and wrong.context["page"].number == 1
    body = wrong.content.decode()
    assert "Go to must be a real date" in body and "nhsuk-error-summary" in body


def test_the_api_reads_each_timeline_page_with_its_count_in_one_query(users, client_for):
    """The API's timeline pages (any page size) are the whole timeline's rows there, each read
    with its count in one query; a page past the end is a 404 with a body."""
    from datetime import timedelta

    from django.test.utils import CaptureQueriesContext

    from records.timeline import person_timeline

    person = _long_history(30, timedelta(minutes=1))
    whole = list(person_timeline(users["coordinator"], person))
    client, url = client_for("coordinator"), f"/api/v1/people/{person.pk}/timeline/"
    size = 7
    for number in range(1, -(-len(whole) // size) + 1):
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(url, {"page": number, "page_size": size}).json()
        assert body["count"] == len(whole)
        assert [(e["kind"], e["title"], e["actor"], e["reason"]) for e in body["results"]] == [
            (e.kind, e.title, e.actor, e.reason) for e in whole[(number - 1) * size:number * size]]
        assert len([q for q in ctx.captured_queries if '"tl_what"' in q["sql"]]) == 1
    past = client.get(url, {"page": len(whole), "page_size": size})
    assert past.status_code == 404 and past.json()


def test_each_kind_of_event_reads_as_its_record_says_in_one_query_a_page(users, rf):
    """A timeline page reads the few columns its events show for every kind of row, and the
    count of all, in one query; each event still says what its record says (labels, dates,
    who and why)."""
    from django.test.utils import CaptureQueriesContext

    from pathways import paging
    from records.timeline import person_timeline
    from referrals.models import CqcRating

    user = users["coordinator"]
    activity = CaseActivity.objects.select_related("case__person", "author").first()
    person = activity.case.person
    episode = LtsEpisode.objects.filter(person=person).first()
    episode.end_date = episode.start_date.replace(year=episode.start_date.year + 1)
    episode._change_reason = "Moved to a community placement"
    episode.save()
    concern = Concern.objects.create(person=person, source="family", category="other",
                                     severity="high", raised_on=episode.start_date,
                                     description="Worried about visits")
    rating = CqcRating.objects.filter(unit_id=episode.unit_id).first()
    events = list(person_timeline(user, person))
    shown = {(e.kind, e.title, e.actor, e.reason) for e in events}
    on = f"{episode.start_date:%d %b %Y} to {episode.end_date:%d %b %Y}"
    assert ("lts", f"LTS episode updated from {on}", "Pathways system",
            "Moved to a community placement") in shown
    assert ("concern", f"Concern recorded ({concern.get_source_display().lower()}, "
            f"{concern.get_severity_display().lower()}): {concern.get_status_display().lower()}",
            "Pathways system", "") in shown
    assert ("rating", f"CQC rating recorded {rating.get_rating_display()} "
            f"(rated {rating.rated_on:%d %b %Y})") in {e[:2] for e in shown}
    assert ("case", f"{activity.get_kind_display()} logged", str(activity.author),
            activity.text) in shown
    decision = Decision.objects.filter(person=person).select_related("actor").first()
    assert ("decision", decision.summary, str(decision.actor), decision.reason) in shown
    assert len({e.kind for e in events}) >= 5
    with CaptureQueriesContext(connection) as ctx:
        page = paging.page(rf.get("/"), person_timeline(user, person))
        assert list(page.object_list) == events[:paging.PER_PAGE]
    assert page.paginator.count == len(events)
    read = [q for q in ctx.captured_queries if '"tl_what"' in q["sql"]]   # the rows' columns
    assert len(read) == 1, [q["sql"][:80] for q in read]
