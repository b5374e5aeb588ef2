"""The fourth outside probe's findings and the walk through the pages (issue 40), each held by
a regression test. The import's oracle and speed are in tests/imports/test_import_round4.py,
CIS2's in tests/cis2/test_round4.py, health and the broker's return in
tests/workflows/test_health.py and tests/workflows/test_outbox.py, the page-text crawl in
tests/pathways/test_page_text.py."""
import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db.models import Count

from accounts.models import User
from audit.models import AccessLogEntry
from oversight.models import MeetingPack
from oversight.numbers import median_days
from oversight.services import thresholds
from pathways.text import shortened
from reviews.models import Action, Review, Theme
from workflows.inbox import Inbox

pytestmark = pytest.mark.django_db


# My work named five items alike ------------------------------------------------------------

def test_my_work_names_each_action_by_its_words(client_for, users):
    busiest = (Action.objects.filter(status__in=Action.OPEN_STATUSES, owner__isnull=False)
               .values("owner").annotate(n=Count("pk")).order_by("-n").first())
    owner = User.objects.get(pk=busiest["owner"])
    items = [i for i in Inbox(owner, thresholds()) if i.kind == "action"]
    assert len(items) >= 2, "the demo gives someone several actions"
    actions = {a.pk: a for a in Action.objects.filter(owner=owner)}
    for item in items:
        action = next(a for pk, a in actions.items() if str(pk) in str(item.url))
        assert item.about == shortened(action.text)
    page = client_for(owner.username).get("/work/").content.decode()
    links = re.findall(r'<a href="/actions/[0-9a-f-]+/">(.*?)</a>', page, re.S)
    # A link's name is what a screen reader says: the step, the action's words, the person.
    names = [" ".join(re.sub(r"<[^>]+>", " ", link).split()) for link in links]
    assert len(names) == len(items) and len(set(names)) == len(names)
    assert all(name.startswith("Update the action: ") for name in names)


def test_a_long_text_is_cut_at_a_word_and_marked():
    assert shortened("Agree a date") == "Agree a date"
    cut = shortened("Commission a community provider with autism expertise and agree the "
                    "transition plan with the family", 40)
    assert cut == "Commission a community provider with…"
    assert shortened("x" * 80, 10) == "x" * 10 + "…"
    assert shortened("Two\n lines   here") == "Two lines here"


# Medians printed as 1385.5 ---------------------------------------------------------------

def test_medians_of_days_are_whole_days_rounded_half_up():
    assert median_days([1385, 1386]) == 1386
    assert median_days([1384, 1385]) == 1385          # round() would give the even 1384
    assert median_days([3, 1, 2]) == 2
    assert isinstance(median_days([1, 2]), int)


def test_no_oversight_page_prints_a_half_day(client_for):
    client = client_for("oversight")
    for url in ("/oversight/", "/oversight/outcomes/", "/oversight/equality/"):
        page = client.get(url).content.decode()
        assert not re.search(r"\b\d+\.5\b", re.sub(r"<[^>]+>", " ", page)), url
        assert "rounded up" in page


# A panel member met links to actions that answer 403 ------------------------------------

def test_a_panel_member_sees_actions_as_text_and_a_chair_as_links(client_for, users):
    review = Review.objects.filter(report_issued_on__isnull=False,
                                   panel__user=users["expert"]).first()
    assert review is not None and review.actions.exists()
    url = f"/reviews/{review.pk}/"
    expert = client_for("expert").get(url).content.decode()
    assert not re.search(r'href="/actions/[0-9a-f-]+/"', expert)
    for action in review.actions.all():
        assert action.text.split("\n")[0][:30] in expert
    oversight = client_for("oversight").get(url).content.decode()
    links = re.findall(r'href="(/actions/[0-9a-f-]+/)"', oversight)
    assert len(links) == review.actions.count()
    for link in links:
        assert client_for("oversight").get(link).status_code == 200


# The access log printed model labels -------------------------------------------------------

def test_the_access_log_says_in_words_what_was_opened(client_for, users):
    review = Review.objects.filter(report_issued_on__isnull=False).first()
    person = review.person
    oversight = client_for("oversight")
    oversight.get(f"/people/{person.pk}/")
    oversight.get(f"/people/{person.pk}/timeline/")
    oversight.get(f"/reviews/{review.pk}/")
    kinds = list(AccessLogEntry.objects.filter(person=person).order_by("-at", "-pk")
                 .values_list("object_type", flat=True)[:3])
    assert kinds == ["reviews.Review", "timeline", "referrals.Person"]
    page = oversight.get(f"/people/{person.pk}/access-log/").content.decode()
    for words in ("Their record", "Their timeline", "A review"):
        assert words in page
    assert "referrals.Person" not in page and "reviews.Review" not in page


def test_a_person_found_by_a_search_is_logged_as_found(client_for):
    person = Review.objects.first().person
    found = client_for("coordinator").get("/api/v1/people/", {"reference": person.reference})
    assert [p["reference"] for p in found.json()["results"]] == [person.reference]
    entry = AccessLogEntry.objects.filter(person=person).order_by("-pk").first()
    assert entry.object_type == "search" and entry.at.date() == date.today()
    page = client_for("oversight").get(f"/people/{person.pk}/access-log/").content.decode()
    assert "Their entry in search results" in page


# The meeting pack's CSV wrote formulas live ----------------------------------------------

FORMULA = '=HYPERLINK("http://example.invalid/","Open")'


def test_the_meeting_pack_csv_keeps_names_set_by_people_as_text(
        client_for, users, django_capture_on_commit_callbacks):
    action = Action.objects.filter(status__in=Action.OPEN_STATUSES).first()
    organisation = action.owner_organisation
    organisation.name = FORMULA
    organisation.save()
    theme = Theme.objects.filter(recommendations__isnull=False).first()
    theme.name = "+" + FORMULA[1:]
    theme.save()
    Action.objects.filter(pk=action.pk).update(due_date=date.today() - timedelta(days=3))
    oversight = client_for("oversight")
    with django_capture_on_commit_callbacks(execute=True):
        oversight.post("/oversight/packs/", {"period": "12m"})
    pack = MeetingPack.objects.get()
    rows = list(csv.reader(io.StringIO(oversight.get(
        f"/oversight/packs/{pack.pk}/csv/").content.decode())))
    groups = {row[1] for row in rows[1:]}
    assert "'" + FORMULA in groups and "'+" + FORMULA[1:] in groups
    assert not any(cell[:1] and cell[0] in "=+-@" for row in rows for cell in row
                   if not _number(cell))
    # Measures in words, as the printed pack heads them, never the code's names (issue 44).
    measures = {row[2] for row in rows[1:] if row[0] == "Actions by organisation"}
    assert measures == {"overdue today", "overdue today, agreed by the senior intervenor",
                        "escalated in the period", "escalated, still open"}
    assert not any("_" in row[2] for row in rows[1:])


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_every_csv_in_the_app_is_written_by_the_one_writer():
    """A new CSV cannot bypass the writer: in the app's code only pathways/csvfile.py makes a
    csv writer (the import reads CSV; the demo's synthetic file is for the import to read)."""
    root = Path(__file__).resolve().parents[2]
    allowed = {"pathways/csvfile.py", "demo/management/commands/caseload_file.py"}
    writers = []
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.split("/")[0] in (".venv", "tests", "node_modules") or relative in allowed:
            continue
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text()):
            writers.append(relative)
    assert writers == []
