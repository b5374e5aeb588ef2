"""The easy-read summary posted to the person through GOV.UK Notify (issue 43).

The review is the reviews app's and Notify is the notifications app's; the step that joins
them lives here, above both. The letter is laid out and checked against Notify's rules before
anything is sent (reviews.letters); it is sent once, whatever fails on the way: the attempt is
counted before the send, and a letter tried before is looked up by its reference first.
"""
from __future__ import annotations

from datetime import date

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.roles import Role
from audit.models import Decision
from audit.services import decision_record, stamp, system_user
from notifications import notify
from pathways.errors import ConflictError, DomainError, NotAllowedError
from reviews.letters import LetterRefused, address_problems, letter_pdf
from reviews.models import EasyReadLetter, EasyReadShare, EasyReadSummary, Review
from reviews.services import plain_lines

NOT_ANSWERING = ("GOV.UK Notify is not answering, so nothing was posted. Your address and the "
                 "person's consent are kept: try again in a few minutes.")


def easy_read_content(review: Review, easy: EasyReadSummary) -> dict:
    """What the easy read says, for the page, the PDF and the letter alike."""
    person = review.person
    name = person.given_name if easy.use_first_name and person.given_name else ""
    return {"review": review, "easy": easy, "name": name, "sections": [
        (label, (easy.advocate_lines() if field == "speak_to" else [])
         + plain_lines(getattr(easy, field)))
        for field, label in EasyReadSummary.SECTIONS]}


def may_post(review: Review, user) -> bool:
    return (user.has_role(Role.COMMISSIONER)
            and user.organisation_id == review.referral.organisation_id)


def _letter_for(review: Review, *, by, address: str, consent: bool,
                consent_note: str) -> tuple[EasyReadLetter, bytes]:
    """Check and keep what the commissioner gave; the letter row (an unsent one is reused, so
    a try again after Notify did not answer finds the first attempt) and its PDF."""
    review = Review.objects.select_for_update(of=("self",)).select_related(
        "person", "referral").get(pk=review.pk)
    if review.status != Review.Status.REPORT_ISSUED:
        raise ConflictError("The summary can be posted once the report is issued.",
                            code="review_wrong_state")
    if not may_post(review, by):
        raise NotAllowedError("Only the referring commissioner posts the summary.")
    easy = EasyReadSummary.objects.filter(review=review).first()
    if easy is None:
        raise DomainError("The chair has not written the easy-read summary yet.",
                          field="address")
    if not notify.enabled():
        raise DomainError("Posting needs GOV.UK Notify, which is not set up here "
                          "(NOTIFY_API_KEY). Print the PDF and post it instead.",
                          field="address")
    if not consent or not (consent_note or "").strip():
        raise DomainError("Record that the person agreed, and how.", field="consent")
    lines = [line.strip() for line in (address or "").splitlines() if line.strip()]
    problems = address_problems(lines)
    if problems:
        raise DomainError(" ".join(problems), field="address")
    html = render_to_string("reviews/easy_read_letter.jinja",
                            {**easy_read_content(review, easy), "address_lines": lines})
    try:
        pdf = letter_pdf(html, lines)
    except LetterRefused as refused:
        raise DomainError("The letter would not pass GOV.UK Notify's layout check, so nothing "
                          "was sent: " + " ".join(refused.problems), field="address") from None
    letter = easy.letters.filter(status="", sent_at__isnull=True).first() or EasyReadLetter(
        summary=easy, recorded_by=by)
    letter.address, letter.consent_note = "\n".join(lines), consent_note.strip()
    letter.recorded_by, letter.recorded_at = by, timezone.now()
    letter.attempts += 1
    stamp(letter, by=by, reason="Address and consent recorded to post the easy read").save()
    return letter, pdf


def _letter_note(pk, *, by, reason: str, **changes) -> None:
    """Keep what became of a letter (its error, its status), with who and why in its
    history."""
    with transaction.atomic():
        letter = EasyReadLetter.objects.select_for_update().get(pk=pk)
        for field, value in changes.items():
            setattr(letter, field, value)
        stamp(letter, by=by, reason=reason).save()


def easy_read_post(*, review: Review, by, address: str, consent: bool,
                   consent_note: str) -> EasyReadLetter:
    """Post the easy read to the person as a Notify precompiled letter (a decision, and a share
    in the share log). Refused with a reason, and nothing sent, when the address, the consent
    or the letter's layout is wrong."""
    with transaction.atomic():
        letter, pdf = _letter_for(review, by=by, address=address, consent=consent,
                                  consent_note=consent_note)
    tried_before = letter.attempts > 1
    try:
        found = notify.sent_with_reference(letter.reference) if tried_before else None
        answer = found or notify.send_letter(pdf=pdf, reference=letter.reference)
    except notify.NotifyUnavailable as unavailable:
        _letter_note(letter.pk, by=by, reason="GOV.UK Notify did not answer",
                     error=str(unavailable))
        raise ConflictError(NOT_ANSWERING, code="notify_unavailable") from None
    except notify.NotifyRefused as refused:
        _letter_note(letter.pk, by=by, reason="GOV.UK Notify refused the letter",
                     error=str(refused), status=EasyReadLetter.Status.REFUSED,
                     status_at=timezone.now())
        raise DomainError(f"GOV.UK Notify refused the letter: {refused}", field="address") \
            from None
    with transaction.atomic():
        letter = EasyReadLetter.objects.select_for_update().select_related(
            "summary__review__person").get(pk=letter.pk)
        now = timezone.now()
        letter.notify_id = answer["id"]
        letter.status = (found or {}).get("status") or EasyReadLetter.Status.PENDING
        letter.sent_at = letter.status_at = now
        letter.error = ""
        name = letter.address_lines()[0]
        letter.share = stamp(EasyReadShare(
            summary=letter.summary, shared_on=date.today(), shared_with=name,
            how=EasyReadShare.How.POST, shared_by=by, recorded_at=now),
            by=by, reason="Easy-read summary posted through GOV.UK Notify")
        letter.share.save()
        stamp(letter, by=by, reason="Easy-read summary posted through GOV.UK Notify").save()
        decision_record(actor=by, kind=Decision.Kind.EASY_READ_POSTED, subject=letter,
                        person=letter.summary.review.person, reason=letter.consent_note,
                        summary="Easy-read summary posted as a letter (second class)",
                        facts={"notify_id": str(letter.notify_id),
                               "lines": len(letter.address_lines())})
    return letter


def letter_statuses_fetch(limit: int = 200) -> int:
    """Ask Notify where each posted letter not yet final stands (letters get no receipts);
    how many moved."""
    if not notify.enabled():
        return 0
    moved = 0
    waiting = (EasyReadLetter.objects.filter(notify_id__isnull=False)
               .exclude(status__in=EasyReadLetter.FINAL).order_by("sent_at")[:limit])
    for letter in waiting:
        try:
            status = notify.letter_status(letter.notify_id)
        except (notify.NotifyUnavailable, notify.NotifyRefused):
            continue
        if status != letter.status and status in EasyReadLetter.Status.values:
            _letter_note(letter.pk, by=system_user(), reason=f"GOV.UK Notify: {status}",
                         status=status, status_at=timezone.now())
            moved += 1
    return moved
