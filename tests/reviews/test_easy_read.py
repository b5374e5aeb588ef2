"""The easy-read summary: written by the chair, read as a page or a large-type PDF, shared by
the referring commissioner; never the NHS number or the surname."""
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.models import Decision
from pathways.errors import ConflictError, DomainError, NotAllowedError
from reviews.models import EasyReadShare
from reviews.services import easy_read_share, easy_read_write, long_sentences

from .test_follow_ups import held, issue

pytestmark = pytest.mark.django_db

TEXT = {"found": "We met you. You want to live near your sister.",
        "will_happen": "We will find a home near your sister.",
        "who_when": "Amira will find two places by June.",
        "speak_to": "You can talk to your advocate, Sam."}


@pytest.fixture
def issued(users):
    review = issue(users, held(users))
    person = review.person
    person.given_name, person.family_name = "Ruby", "Okonjo"
    person.save()
    return review


def test_only_after_the_report_and_only_by_the_chair(users):
    review = held(users)
    with pytest.raises(ConflictError):
        easy_read_write(review=review, by=users["chair"], **TEXT)
    issue(users, review)
    with pytest.raises(DomainError):
        easy_read_write(review=review, by=users["chair2"], **TEXT)


@pytest.mark.parametrize("field, text, message", [
    ("found", "", "Write 'What we found'."),
    ("who_when", "Call about 943 476 5919 today.", "Leave out the NHS number"),
    ("speak_to", "Ask Mrs Okonjo's advocate.", "Leave out the person's surname"),
])
def test_bad_summaries_are_refused_and_nothing_is_saved(users, issued, field, text, message):
    with pytest.raises(DomainError, match=message) as refused:
        easy_read_write(review=issued, by=users["chair"], **{**TEXT, field: text})
    assert refused.value.field == field
    assert not hasattr(issued, "easy_read") or issued.easy_read is None


def test_long_sentences_are_marked_not_refused():
    text = ("This sentence has far too many words in it for anyone to read easily in one go "
            "at all. Short one.")
    assert long_sentences(text) == [text.split(". ")[0] + "."]


def test_the_pdf_holds_the_words_and_never_the_nhs_number_or_surname(users, issued,
                                                                       client_for):
    easy_read_write(review=issued, by=users["chair"], use_first_name=True, **TEXT)
    response = client_for("commissioner").get(reverse("reviews:easy_read_pdf",
                                                      args=[issued.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    for words in TEXT.values():
        assert words in flat
    assert "Ruby, this is about your review" in flat
    person = issued.person
    assert person.nhs_number not in flat.replace(" ", "") and "Okonjo" not in flat
    page = client_for("chair").get(reverse("reviews:easy_read", args=[issued.pk]))
    assert "You want to live near your sister." in page.content.decode()


def test_the_first_name_only_with_agreement(users, issued, client_for):
    """The summary itself (what the person is given) names them only if they agreed; the
    chair's page around it still says who it is about (the identity banner)."""
    easy_read_write(review=issued, by=users["chair"], use_first_name=False, **TEXT)
    page = client_for("chair").get(reverse("reviews:easy_read", args=[issued.pk]))
    html = page.content.decode()
    summary = html[html.index('<div class="app-easy-read">'):]
    assert "Ruby" not in summary and "Ruby" in html[:html.index('<div class="app-easy-read">')]


def test_sharing_is_recorded_by_the_referring_commissioner_only(users, issued, client_for):
    with pytest.raises(DomainError, match="not written"):
        easy_read_share(review=issued, by=users["commissioner"], shared_on=date.today(),
                        shared_with="Ruby and her sister", how="in_person")
    easy_read_write(review=issued, by=users["chair"], **TEXT)
    with pytest.raises(NotAllowedError):
        easy_read_share(review=issued, by=users["coordinator"], shared_on=date.today(),
                        shared_with="Ruby", how="in_person")
    with pytest.raises(DomainError, match="future"):
        easy_read_share(review=issued, by=users["commissioner"],
                        shared_on=date.today() + timedelta(1), shared_with="Ruby",
                        how="in_person")
    url = reverse("reviews:easy_read_share", args=[issued.pk])
    today = date.today()
    response = client_for("commissioner").post(url, {
        "shared_on_day": today.day, "shared_on_month": today.month,
        "shared_on_year": today.year, "shared_with": "Ruby and her sister", "how": "in_person"})
    assert response.status_code == 302
    share = EasyReadShare.objects.get(summary__review=issued)
    assert share.shared_by == users["commissioner"] and share.how == "in_person"
    assert Decision.objects.filter(kind="easy_read_shared", subject_id=str(share.pk)).exists()
    assert client_for("commissioner2").post(url, {"shared_with": "x"}).status_code == 404
    page = client_for("commissioner").get(reverse("reviews:detail", args=[issued.pk]))
    assert "Given in person to Ruby and her sister" in page.content.decode()


def test_the_chair_writes_it_through_the_page_starting_from_the_review(users, issued,
                                                                        client_for):
    chair = client_for("chair")
    page = chair.get(reverse("reviews:detail", args=[issued.pk])).content.decode()
    assert "Write the easy-read summary" in page
    # Plain words to start from, by theme, not the panel's jargon (issue 44).
    assert "There is no money agreed yet for the support you need to leave hospital." in page
    assert "This makes it hard to move on" not in page
    long = "word " * 20
    response = chair.post(reverse("reviews:easy_read_write", args=[issued.pk]),
                          {**TEXT, "found": long.strip() + "."})
    assert response.status_code == 302
    page = chair.get(reverse("reviews:detail", args=[issued.pk])).content.decode()
    assert "Some sentences may be too long" in page and "<mark>" in page
    written = Decision.objects.get(kind="easy_read_written",
                                   subject_id=str(issued.easy_read.pk))
    assert written.facts["long_sentences"] == 1


def test_the_advocate_starts_who_to_speak_to_and_the_first_name_shows_on_the_page(
        users, issued, client_for):
    """Issue 44: "Who to speak to" names the advocate and how to reach them; whether the
    summary uses the person's first name is said where the chair writes it."""
    chair = client_for("chair")
    response = chair.post(reverse("reviews:easy_read_write", args=[issued.pk]), {
        **TEXT, "use_first_name": "on", "advocate_name": "Sam Patel",
        "advocate_contact": "phone 0300 123 4567"})
    assert response.status_code == 302
    read = chair.get(reverse("reviews:easy_read", args=[issued.pk])).content.decode()
    summary = read[read.index('<div class="app-easy-read">'):]
    assert "Ruby, this is about your review" in summary
    speak = summary[summary.index("Who to speak to"):]
    assert speak.index("Your advocate is Sam Patel.") < speak.index(
        "You can reach them: phone 0300 123 4567.") < speak.index(TEXT["speak_to"])
    page = chair.get(reverse("reviews:detail", args=[issued.pk])).content.decode()
    assert "It begins “Ruby, this is about your review”" in page
    easy_read_write(review=issued, by=users["chair"], use_first_name=False, **TEXT)
    page = chair.get(reverse("reviews:detail", args=[issued.pk])).content.decode()
    assert "It does not use the person's name" in page
