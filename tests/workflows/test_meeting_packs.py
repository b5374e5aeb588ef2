"""The oversight group's meeting pack (issue 15): built by a Celery task with its progress
shown, as a PDF with the expected pages and text, the same content as HTML and CSV, no name or
NHS number, every request logged."""
import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AccessLogEntry, Decision
from oversight.models import MeetingPack
from oversight.packs import PACK_STEPS, pack_build
from referrals.models import Person

pytestmark = pytest.mark.django_db


def _ask(client, period="12m", *, capture):
    """Ask for a pack; the task queued on commit runs (eagerly) as the request's transaction
    ends; then open the page the request redirected to."""
    with capture(execute=True):
        response = client.post(reverse("oversight:packs"), {"period": period})
    assert response.status_code == 302
    return client.get(response["Location"])


def test_oversight_asks_for_a_pack_and_downloads_it(client, users,
                                                   django_capture_on_commit_callbacks):
    client.force_login(users["oversight"])
    page = client.get(reverse("oversight:packs")).content.decode()
    assert "No meeting packs yet." in page
    response = _ask(client, capture=django_capture_on_commit_callbacks)
    pack = MeetingPack.objects.get()
    assert pack.status == "ready" and pack.step == len(PACK_STEPS)
    assert pack.requested_by == users["oversight"] and pack.period_label == "The last 12 months"
    body = response.content.decode()
    assert "Open the meeting pack (PDF)" in body and "download it" in body
    assert 'http-equiv="refresh"' not in body           # no refreshing once ready
    decision = Decision.objects.get(kind="meeting_pack_requested", subject_id=str(pack.pk))
    assert decision.actor == users["oversight"] and decision.person is None

    pdf = client.get(reverse("oversight:pack_file", args=[pack.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # It opens in the browser; the download link asks for a file (issue 44).
    assert pdf["Content-Disposition"].startswith("inline;")
    kept = client.get(reverse("oversight:pack_file", args=[pack.pk, "pdf"]) + "?download=1")
    assert kept["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) >= 3
    text = "\n".join(p.extract_text() for p in reader.pages)
    for heading in ("meeting pack", "Headline figures", "People in long-term segregation",
                    "Overdue and escalated actions by organisation", "Themes of learning",
                    "Where progress has stalled", "Equality monitoring",
                    "Outcomes: is long-term segregation ending?", "Outcomes by route",
                    "Trends: is it getting better?", "Time to leaving LTS, by route"):
        assert heading.lower() in text.lower(), heading
    # Each trend with its chart and its sentence (issue 41).
    from oversight.trends import MEASURES

    for measure in MEASURES:
        assert measure.label.lower() in " ".join(text.lower().split()), measure.key
    assert "cause variation" in text.lower()
    assert "The last 12 months" in text
    # No name, no NHS number; people only by reference.
    for person in Person.objects.all():
        assert person.nhs_number not in text
        assert person.nhs_number not in pack.html and person.nhs_number not in pack.csv
    for user in (users["commissioner"], users["wardmanager"], users["intervenor"]):
        assert user.last_name not in text      # owners appear by organisation only

    rows = list(csv.reader(io.StringIO(client.get(
        reverse("oversight:pack_file", args=[pack.pk, "csv"])).content.decode())))
    assert rows[0] == ["section", "group", "measure", "value"]
    sections = {r[0] for r in rows[1:]}
    assert {"Headline", "Themes", "People in LTS by length", "Outcomes: Everyone",
            "Outcomes: By route"} <= sections
    # No mostly blank page: every page but the last carries a good share of text.
    sizes = [len(p.extract_text()) for p in reader.pages]
    assert all(size > 400 for size in sizes[:-1]), sizes
    html = client.get(reverse("oversight:pack_file", args=[pack.pk, "html"]))
    assert "attachment" in html["Content-Disposition"]
    assert b"Themes of learning" in html.content
    logged = set(AccessLogEntry.objects.filter(object_id=str(pack.pk)).values_list(
        "object_type", flat=True))
    assert logged == {"export:meeting_pack:pdf", "export:meeting_pack:csv",
                      "export:meeting_pack:html"}


def test_while_it_is_built_the_page_shows_progress_and_refreshes(client, users):
    client.force_login(users["oversight"])
    pack = MeetingPack.objects.create(period_key="all", period_label="All time", step=2,
                                      step_label=PACK_STEPS[2], status="running",
                                      requested_by=users["oversight"],
                                      requested_at="2026-12-01T10:00Z")
    page = client.get(reverse("oversight:pack", args=[pack.pk])).content.decode()
    assert f"step 2 of {len(PACK_STEPS)} (themes of learning)" in page
    assert 'http-equiv="refresh"' in page
    assert client.get(reverse("oversight:pack_file", args=[pack.pk, "pdf"])).status_code == 404


def test_a_redelivered_task_does_not_build_a_ready_pack_again(users):
    pack = MeetingPack.objects.create(period_key="all", period_label="All time",
                                      requested_by=users["oversight"],
                                      requested_at="2026-12-01T10:00Z")
    assert pack_build(str(pack.pk)) == "ready"
    pack.refresh_from_db()
    made = pack.finished_at
    assert pack_build(str(pack.pk)) == "ready"
    pack.refresh_from_db()
    assert pack.finished_at == made


def test_a_failure_is_shown_and_names_no_data(users, monkeypatch):
    import oversight.packs as packs

    def broken(*args, **kwargs):
        raise ValueError("boom with details")
    monkeypatch.setattr(packs, "pack_content", broken)
    pack = MeetingPack.objects.create(period_key="all", period_label="All time",
                                      requested_by=users["oversight"],
                                      requested_at="2026-12-01T10:00Z")
    with pytest.raises(ValueError):
        pack_build(str(pack.pk))
    pack.refresh_from_db()
    assert (pack.status, pack.error) == ("failed", "ValueError")


@pytest.mark.parametrize("role", ["coordinator", "commissioner", "chair", "intervenor"])
def test_only_the_oversight_group_makes_or_reads_packs(client, users, role):
    pack = MeetingPack.objects.create(period_key="all", period_label="All time",
                                      requested_by=users["oversight"],
                                      requested_at="2026-12-01T10:00Z", status="ready",
                                      pdf=b"%PDF-1.7")
    client.force_login(users[role])
    assert client.get(reverse("oversight:packs")).status_code == 403
    assert client.post(reverse("oversight:packs"), {"period": "all"}).status_code == 403
    assert client.get(reverse("oversight:pack_file", args=[pack.pk, "pdf"])).status_code == 403
    assert MeetingPack.objects.count() == 1
