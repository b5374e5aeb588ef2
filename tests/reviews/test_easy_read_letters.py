"""The easy read posted to the person as a GOV.UK Notify precompiled letter (issue 43): the
address and consent recorded by the referring commissioner, the layout checked before sending,
sent exactly once, its status on the review page, each post a decision and a share."""
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader
from weasyprint import CSS

from audit.models import Decision
from notifications import notify
from pathways.errors import ConflictError, DomainError
from reviews import letters
from reviews.models import EasyReadLetter
from reviews.services import easy_read_write
from workflows import letters as posting
from workflows.letters import easy_read_post, letter_statuses_fetch

from .test_easy_read import TEXT, issued  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
ADDRESS = "Ruby Example\nFlat 2, 10 River Road\nCamden\nLondon\nNW1 8AB"
CONSENT = "Asked at the review with her advocate; she wants a copy to keep."


@pytest.fixture
def written(issued, users):  # noqa: F811 - the fixture
    easy_read_write(review=issued, by=users["chair"], **TEXT)
    return issued


def letters_at(server):
    return [n for n in server.notifications.values() if n["type"] == "letter"]


def post(review, users, **more):
    return easy_read_post(review=review, by=users["commissioner"],
                          **{"address": ADDRESS, "consent": True, "consent_note": CONSENT,
                             **more})


def test_the_letter_is_laid_out_as_notify_prints_it():
    lines = ADDRESS.splitlines()
    html = (f'<div class="letter-head"><div class="letter-address">'
            f'{"".join(f"<p>{line}</p>" for line in lines)}</div></div>'
            + "<h1>This is about your review</h1>" + "<p>One short idea a line.</p>" * 40)
    pdf = letters.letter_pdf(html, lines)
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210,
                                                                                            297)
    assert 1 < len(reader.pages) <= 10 and "NW1 8AB" in reader.pages[0].extract_text()
    # Text in the margin, or above the body outside the address block, is refused.
    with pytest.raises(letters.LetterRefused) as refused:
        letters.letter_pdf(html, lines, stylesheets=[CSS(string="@page { size: A4; margin: "
                                                                "2mm } body { margin: 0 }")])
    assert any("margin" in p for p in refused.value.problems)
    with pytest.raises(letters.LetterRefused, match="A4"):
        letters.letter_pdf(html, lines, stylesheets=[CSS(string="@page { size: A5 }")])
    assert letters.address_problems(["Ruby", "London"])
    assert letters.address_problems(["Ruby", "10 River Road", "London", "not a postcode"])


def test_the_commissioner_posts_it_once_and_everyone_sees_its_status(
        written, users, notify_service, client_for):
    letter = post(written, users)
    sent = letters_at(notify_service)
    assert len(sent) == 1 and sent[0]["reference"] == letter.reference
    assert sent[0]["postage"] == "second" and sent[0]["pdf"] > 1000
    assert letter.status == "pending-virus-check" and str(letter.notify_id) == sent[0]["id"]
    assert letter.share.how == "post" and letter.share.shared_with == "Ruby Example"
    decision = Decision.objects.get(kind="easy_read_posted", subject_id=str(letter.pk))
    assert decision.reason == CONSENT and decision.person == written.person
    page = reverse("reviews:detail", args=[written.pk])
    theirs = client_for("commissioner").get(page).content.decode()
    assert "Received by GOV.UK Notify, being checked" in theirs and "NW1 8AB" in theirs
    # The chair sees that it was posted and how it stands, never the address.
    chair = client_for("chair").get(page).content.decode()
    assert "Received by GOV.UK Notify, being checked" in chair and "NW1 8AB" not in chair
    # Letters get no receipts: the sweep asks Notify.
    notify_service.notifications[sent[0]["id"]]["status"] = "received"
    assert letter_statuses_fetch() == 1
    letter.refresh_from_db()
    assert letter.status == "received"
    assert "Posted by the printer" in client_for("chair").get(page).content.decode()


def test_a_letter_that_breaks_the_layout_rules_is_refused_before_sending(
        written, users, notify_service, monkeypatch):
    real = letters.letter_pdf
    monkeypatch.setattr(posting, "letter_pdf", lambda html, lines: real(
        html, lines, stylesheets=[CSS(string="@page { size: A4; margin: 1mm }")]))
    with pytest.raises(DomainError, match="layout check"):
        post(written, users)
    assert not letters_at(notify_service) and not notify_service.requests
    assert not Decision.objects.filter(kind="easy_read_posted").exists()


@pytest.mark.parametrize("field,value,message", [
    ("address", "Ruby\nLondon", "3 to 7 lines"),
    ("address", "Ruby Example\n10 River Road\nLondon\nnowhere", "UK postcode"),
    ("consent", False, "the person agreed"),
    ("consent_note", " ", "the person agreed"),
])
def test_an_address_or_consent_that_is_wrong_sends_nothing(written, users, notify_service,
                                                           field, value, message):
    with pytest.raises(DomainError, match=message):
        post(written, users, **{field: value})
    assert not letters_at(notify_service)


def test_only_the_referring_commissioner_posts_and_only_with_notify(
        written, users, notify_service, client_for, settings):
    url = reverse("reviews:easy_read_post", args=[written.pk])
    data = {"letter-address": ADDRESS, "letter-consent": "on", "letter-consent_note": CONSENT}
    assert client_for("chair").post(url, data).status_code == 403
    assert client_for("commissioner2").post(url, data).status_code == 404
    settings.NOTIFY_API_KEY = ""
    refused = client_for("commissioner").post(url, data)
    assert refused.status_code == 400 and "Print the PDF and post it" in refused.content.decode()
    assert not letters_at(notify_service)


def test_notify_down_keeps_the_address_and_a_retry_posts_once(written, users, notify_service,
                                                              monkeypatch):
    notify_service.fail_next(500)
    with pytest.raises(ConflictError, match="not answering"):
        post(written, users)
    kept = EasyReadLetter.objects.get()
    assert kept.sent_at is None and kept.address.endswith("NW1 8AB") and kept.error
    # The next try reaches Notify, then the process dies before marking it posted...
    real = notify.send_letter

    def taken_then_killed(**kwargs):
        real(**kwargs)
        raise SystemExit("killed")

    monkeypatch.setattr(posting.notify, "send_letter", taken_then_killed)
    with pytest.raises(SystemExit):
        post(written, users)
    monkeypatch.setattr(posting.notify, "send_letter", real)
    # ...and the one after finds the letter by its reference: one letter, posted once.
    letter = post(written, users)
    assert len(letters_at(notify_service)) == 1 and EasyReadLetter.objects.count() == 1
    assert str(letter.notify_id) == letters_at(notify_service)[0]["id"]
