"""Writes for reviews, panels, findings, recommendations and actions."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import remove_perm
from viewflow.fsm import TransitionNotAllowed

from accounts.grants import grant
from accounts.roles import ACTION_OWNER_ROLES, Role
from accounts.services import commissioners_group
from audit.models import Decision
from audit.services import decision_record, stamp
from pathways.errors import ConflictError, DomainError, NotAllowedError

from .lifecycle import ActionLifecycle, is_owner, may, may_post_update
from .models import (
    Action,
    ActionStatus,
    ActionUpdate,
    BarrierAnswer,
    BarrierDomain,
    EasyReadShare,
    EasyReadSummary,
    EscalationResponse,
    LearningNote,
    PanelDraft,
    PanelMember,
    Recommendation,
    Review,
    Theme,
)
from .selectors import person_links
from .taxonomy import EASY_READ


def _require_status(review: Review, status: str, doing: str):
    if review.status != status:
        raise ConflictError(
            f"This review is {review.get_status_display().lower()}; it must be "
            f"{Review.Status(status).label.lower()} to {doing}.", code="review_wrong_state")


def _require_chair(review: Review, by):
    if not review.panel.filter(role=PanelMember.PanelRole.CHAIR, user=by).exists():
        raise DomainError("Only the chair of this review can do this.", code="not_review_chair")


def _grant_panel_member(user, review: Review, *, chair: bool):
    grant("reviews.view_review", user, review)
    grant("referrals.view_person", user, review.person)
    grant("referrals.view_referral", user, review.referral)
    if chair:
        grant("reviews.change_review", user, review)


@transaction.atomic
def review_request(*, referral, by, follows: Review | None = None) -> Review:
    person = referral.person
    kind = Review.Kind.ICETR if person.age < 18 else Review.Kind.ICTR
    why = (f"Follow-up review started: the chair asked for one by {follows.follow_up_by:%d %b %Y}"
           if follows else f"Review requested at triage by {by}")
    review = stamp(Review(referral=referral, person=person, kind=kind, follows=follows,
                          requested_at=timezone.now()), by=by, reason=why)
    review.save()
    grant("reviews.view_review", commissioners_group(referral.organisation), review)
    return review


@transaction.atomic
def review_schedule(*, review: Review, by, scheduled_for: date, chair, members: list[dict],
                    venue: str = "", reasonable_adjustments: str = "",
                    consent_recorded: bool = False, invitees: str = "",
                    empty_places_reason: str = "") -> Review:
    """Set the date and allocate the panel: a chair with the role and unconflicted members.
    A place left empty (no one free, or everyone conflicted) is allowed, with its reason kept
    in the decision."""
    review = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
    _require_status(review, Review.Status.REQUESTED, "schedule it")
    if scheduled_for <= date.today():
        raise DomainError("Schedule the panel for a date after today.", field="scheduled_for")
    if chair is None or not chair.is_active or not chair.has_role(Role.CHAIR):
        raise DomainError("The chair must be a CQC Mental Health Act Reviewer with the Review "
                          "chair role.", field="chair")
    seen = {chair.pk}
    for member in members:
        user = member.get("user")
        name = user or member.get("external_name", "").strip()
        if not name:
            raise DomainError("Each panel member needs a user or a name.", field="members")
        if member.get("conflict_declared"):
            raise DomainError(f"{name} has declared a conflict of interest and cannot sit on "
                              "this panel. Choose someone else for the place; if no one else "
                              "can sit, leave it empty and say why.", field="members")
        if member.get("role") == PanelMember.PanelRole.CHAIR:
            raise DomainError("The panel has one chair; choose another role.", field="members")
        if user is not None:
            if user.pk in seen:
                raise DomainError(f"{user} is on the panel twice.", field="members")
            seen.add(user.pk)
    if review.kind == Review.Kind.ICETR and not any(
            m.get("role") == PanelMember.PanelRole.EDUCATION for m in members):
        raise DomainError("An ICETR panel for a child or young person needs an education "
                          "representative.", field="education_rep_name")
    review.scheduled_for = scheduled_for
    review.venue = venue
    review.reasonable_adjustments = reasonable_adjustments
    review.consent_recorded = consent_recorded
    review.invitees = invitees
    review.status = Review.Status.SCHEDULED
    stamp(review, by=by, reason=f"Panel scheduled for {scheduled_for:%d %b %Y} by {by}").save()
    chair_row = stamp(PanelMember(review=review, user=chair, role=PanelMember.PanelRole.CHAIR),
                      by=by, reason=f"Allocated as chair by {by}")
    chair_row.save()
    _grant_panel_member(chair, review, chair=True)
    for member in members:
        row = stamp(PanelMember(
            review=review, user=member.get("user"), role=member["role"],
            external_name=member.get("external_name", ""),
            conflict_details=member.get("conflict_details", ""),
        ), by=by, reason=f"Added to the panel by {by}")
        row.save()
        if row.user is not None:
            _grant_panel_member(row.user, review, chair=False)
    decision_record(
        actor=by, kind=Decision.Kind.PANEL_SCHEDULED, subject=review, person=review.person,
        summary=f"{review.short_kind} panel for {scheduled_for:%d %b %Y}, chaired by {chair}",
        reason=empty_places_reason.strip(),
        facts={"chair": chair.pk, "members": [str(m.get("user") or m.get("external_name"))
                                              for m in members],
               "empty_places_reason": empty_places_reason.strip()},
    )
    return review


VOICE_FIELDS = ("person_took_part", "family_took_part", "advocate_took_part", "person_view",
                "person_view_how", "family_view", "family_view_by")


@transaction.atomic
def review_record_panel(*, review: Review, by, held_on: date, findings: str, attendance: str = "",
                        life_story: str = "", reason_for_admission: str = "",
                        reason_for_lts: str = "", diagnoses: str = "", treatment_plan: str = "",
                        barriers: list[dict] = (), voice: dict | None = None) -> Review:
    """Record the panel day: what was found, the person's and family's own view, and the
    Barriers to Change Checklist."""
    review = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
    _require_chair(review, by)
    _require_status(review, Review.Status.SCHEDULED, "record the panel")
    if held_on > date.today():
        raise DomainError("The panel cannot be recorded as held on a future date.",
                          field="held_on")
    scheduled = Decision.objects.filter(
        kind=Decision.Kind.PANEL_SCHEDULED, subject_type=review._meta.label,
        subject_id=str(review.pk)).order_by("-made_at").values_list("made_at", flat=True).first()
    arranged = timezone.localdate(scheduled) if scheduled else timezone.localdate(review.requested_at)
    if held_on < arranged:
        raise DomainError(f"The panel cannot have been held before it was arranged on "
                          f"{arranged:%-d %B %Y}: check the date it was held.", field="held_on")
    if not findings.strip():
        raise DomainError("Record the panel's findings.", field="findings")
    voice = voice or {}
    if voice.get("person_view", "").strip() and not voice.get("person_view_how"):
        raise DomainError("Say how the person's view was given.", field="person_view_how")
    if voice.get("family_view", "").strip() and not voice.get("family_view_by", "").strip():
        raise DomainError("Say who gave the family's or advocate's view.",
                          field="family_view_by")
    for name in VOICE_FIELDS:
        if name in voice:
            setattr(review, name, voice[name])
    for name, value in dict(held_on=held_on, findings=findings, attendance=attendance,
                            life_story=life_story, reason_for_admission=reason_for_admission,
                            reason_for_lts=reason_for_lts, diagnoses=diagnoses,
                            treatment_plan=treatment_plan).items():
        setattr(review, name, value)
    review.status = Review.Status.HELD
    stamp(review, by=by, reason=f"Panel recorded by {by}").save()
    domains = {d.pk: d for d in BarrierDomain.objects.filter(active=True)}
    for answer in barriers:
        domain = answer["domain"]
        if domain.pk not in domains:
            raise DomainError(f"'{domain}' is not a current checklist domain.", field="barriers")
        if answer.get("is_barrier") and not answer.get("evidence", "").strip():
            raise DomainError(f"Give the evidence for the barrier '{domain}'.", field="barriers")
        row = stamp(BarrierAnswer(
            review=review, domain=domain, is_barrier=bool(answer.get("is_barrier")),
            evidence=answer.get("evidence", ""),
            planned_intervention=answer.get("planned_intervention", ""),
        ), by=by, reason=f"Checklist answered by {by}")
        row.save()
    PanelDraft.objects.filter(review=review).delete()   # the record is now the panel's own
    decision_record(actor=by, kind=Decision.Kind.PANEL_HELD, subject=review, person=review.person,
                    summary=f"Panel held on {held_on:%d %b %Y}",
                    facts={"barriers": [str(a["domain"]) for a in barriers if a.get("is_barrier")]})
    return review


# A draft holds what a chair types, not files: far more than 30 boxes of notes, far less than
# anyone could use to fill the database.
DRAFT_LIMIT = 200_000


@transaction.atomic
def panel_draft_save(*, review: Review, by, fields: dict[str, list[str]]) -> PanelDraft:
    """Keep what the chair has typed into the panel record so far, replacing their last draft.
    Not a decision and not part of the record: nothing is checked but who may write it, while
    the panel is still to be recorded, and its size."""
    review = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
    _require_chair(review, by)
    _require_status(review, Review.Status.SCHEDULED, "keep a draft of the panel record")
    kept = {name: [str(v) for v in values] for name, values in fields.items()
            if name != "csrfmiddlewaretoken" and isinstance(values, list)}
    if sum(len(v) for values in kept.values() for v in values) > DRAFT_LIMIT:
        raise DomainError("The draft is too long to keep: record the panel, or shorten the "
                          "notes.", field="draft")
    draft, _ = PanelDraft.objects.update_or_create(
        review=review, author=by, defaults={"data": kept, "saved_at": timezone.now()})
    return draft


def panel_draft_for(review: Review, user) -> PanelDraft | None:
    """The chair's own draft of this panel record, if they kept one."""
    if review.status != Review.Status.SCHEDULED:
        return None
    return PanelDraft.objects.filter(review=review, author=user).first()


FOLLOW_UP_DAYS = 91        # about 3 months for an adult
FOLLOW_UP_DAYS_CHILD = 42  # 6 weeks for a child or young person


def follow_up_default(person, today: date | None = None) -> date:
    today = today or date.today()
    return today + timedelta(FOLLOW_UP_DAYS_CHILD if person.is_child else FOLLOW_UP_DAYS)


@transaction.atomic
def review_issue_report(*, review: Review, by, summary: str,
                        recommendations: list[dict], follow_up_by: date | None = None) -> Review:
    """Issue the report. Each recommendation carries actions with an owner and a future date;
    the chair says when the person should be reviewed again (by default 3 months, 6 weeks for
    a child or young person)."""
    review = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
    _require_chair(review, by)
    _require_status(review, Review.Status.HELD, "issue the report")
    if not recommendations:
        raise DomainError("A report needs at least one recommendation.", field="recommendations")
    today = date.today()
    links = person_links(review.person)
    for number, rec in enumerate(recommendations, start=1):
        if not rec.get("text", "").strip():
            raise DomainError(f"Recommendation {number} has no text.", field="recommendations")
        if not rec.get("actions"):
            raise DomainError(f"Recommendation {number} needs at least one action.",
                              field="recommendations")
        theme = rec.get("theme")
        if theme is None or not theme.active:
            raise DomainError(f"Choose the theme of recommendation {number}: it is how the "
                              "oversight group sees what keeps coming up.",
                              field="recommendations")
        for action in rec["actions"]:
            action_owner_check(action.get("owner"), where=f"under recommendation {number}")
            owner = action["owner"]
            if owner.organisation_id not in links and not (action.get("owner_why")
                                                           or "").strip():
                raise DomainError(
                    f"{owner}, named to own an action under recommendation {number}, works at "
                    f"{owner.organisation}, which has no link to the person: say why they "
                    "should own it.", field="recommendations")
            if action.get("due_date") is None or action["due_date"] <= today:
                raise DomainError(f"Every action under recommendation {number} needs a due date "
                                  "after today.", field="recommendations")
    follow_up_by = follow_up_by or follow_up_default(review.person, today)
    if follow_up_by <= today:
        raise DomainError("The follow-up review must be after today.", field="follow_up_by")
    review.follow_up_by = follow_up_by
    review.report_summary = summary
    review.report_issued_on = today
    review.status = Review.Status.REPORT_ISSUED
    stamp(review, by=by, reason=f"Report issued by {by}").save()
    count = _recommendations_save(
        review, recommendations, by=by, chair=by,
        why=f"Recommendation issued with the report by {by}",
        why_action=lambda owner, spec: f"Action issued with the report by {by}, owned by "
                                       f"{owner}" + _owner_why(owner, spec, links))
    decision_record(actor=by, kind=Decision.Kind.REPORT_ISSUED, subject=review,
                    person=review.person, reason=summary,
                    summary=f"Report issued: {len(recommendations)} recommendations, "
                            f"{count} actions",
                    facts={"follow_up_by": follow_up_by.isoformat()})
    return review


def _owner_why(owner, spec: dict, links: dict) -> str:
    """Why an owner from an organisation with no link to the person was named, as the
    action's history keeps it."""
    if owner.organisation_id in links:
        return ""
    return f" (no link to the person: {spec['owner_why'].strip()})"


def _recommendations_save(review: Review, recommendations: list[dict], *, by, chair, why: str,
                          why_action, prepare=None) -> int:
    """Save a report's recommendations and their actions; how many actions. Each action's
    named owner sees and changes it; the chair follows it; the commissioning organisation that
    referred the person reads (never changes) it, as it reads the review: a relationship, not
    a staff organisation. `prepare(action, spec)` sets what else an action starts with."""
    referrer = commissioners_group(review.referral.organisation)
    count = 0
    for number, rec in enumerate(recommendations, start=1):
        recommendation = stamp(Recommendation(review=review, number=number, text=rec["text"],
                                              theme=rec.get("theme")), by=by, reason=why)
        recommendation.save()
        for spec in rec.get("actions") or ():
            owner = spec["owner"]
            action = Action(
                recommendation=recommendation, review=review, person=review.person,
                issued_on=review.report_issued_on, text=spec["text"], owner=owner,
                owner_organisation=owner.organisation, owner_name=owner_label(owner),
                due_date=spec["due_date"])
            if prepare is not None:
                prepare(action, spec)
            stamp(action, by=by, reason=why_action(owner, spec)).save()
            _grant_owner(owner, action)
            grant("reviews.view_action", chair, action)
            grant("reviews.view_action", referrer, action)
            count += 1
    return count


@transaction.atomic
def action_agree(*, case, by, text: str, owner, due_date: date | None, theme,
                 owner_why: str = "") -> Action:
    """An action the senior intervenor agreed with the local system on their case (decision
    0027): the same action as a panel's, with a named owner, a due date, reminders, overdue
    notices and escalation, marked as agreed on the case. The owner sees and changes it; the
    intervenor and the organisation that referred the person read it, as they read the case."""
    case = type(case).objects.select_for_update(of=("self",)).select_related(
        "person__current_unit", "referral__organisation", "intervenor").get(pk=case.pk)
    if case.intervenor is None or case.intervenor.user_id != by.pk:
        raise NotAllowedError("Only the intervenor assigned to this case can agree actions "
                              "on it.")
    if case.status != "active":
        raise ConflictError("Actions are agreed on an active case.", code="case_not_active")
    text = (text or "").strip()
    if not text:
        raise DomainError("Say what the action is.", field="text")
    if theme is None or not theme.active:
        raise DomainError("Choose the theme: it is how the oversight group sees what keeps "
                          "coming up.", field="theme")
    try:
        action_owner_check(owner, where="")
    except DomainError as error:
        raise DomainError(error.message, field="owner") from None
    # The person's commissioner and provider are linked to them; so is the intervenor, who
    # may take an action on themselves.
    linked = owner.organisation_id in person_links(case.person) or owner.pk == by.pk
    owner_why = (owner_why or "").strip()
    if not linked and not owner_why:
        raise DomainError(f"{owner} works at {owner.organisation}, which has no link to the "
                          "person: say why they should own it.", field="owner_why")
    today = date.today()
    if due_date is None or due_date <= today:
        raise DomainError("Give a due date after today.", field="due_date")
    action = Action(case=case, person=case.person, issued_on=today, theme=theme, text=text,
                    owner=owner, owner_organisation=owner.organisation,
                    owner_name=owner_label(owner), due_date=due_date)
    why = (f"Action agreed by the senior intervenor {by}, owned by {owner}"
           + ("" if linked else f" (no link to the person: {owner_why})"))
    stamp(action, by=by, reason=why).save()
    _grant_owner(owner, action)
    grant("reviews.view_action", by, action)
    grant("reviews.view_action", commissioners_group(case.referral.organisation), action)
    decision_record(actor=by, kind=Decision.Kind.ACTION_AGREED, subject=action,
                    person=case.person, reason=owner_why,
                    summary=f"Action agreed with {owner.organisation}, due "
                            f"{due_date:%-d %b %Y}: {text[:80]}",
                    facts={"case": str(case.pk), "owner": owner.pk,
                           "owner_organisation": str(owner.organisation_id),
                           "due_date": due_date.isoformat(), "theme": theme.code,
                           "linked_to_person": linked})
    return action


PAST_STATUS_NOTE = {ActionStatus.COMPLETED: "completion_evidence",
                    ActionStatus.VERIFIED: "completion_evidence",
                    ActionStatus.CANCELLED: "cancel_reason"}


@transaction.atomic
def review_record_past(*, referral, by, held_on: date, chair, findings: str,
                       recommendations: list[dict], summary: str = "",
                       report_issued_on: date | None = None, source: str) -> Review:
    """A review held before Pathways (an imported caseload), recorded whole as it stands: the
    panel day, its chair, findings, report, and each recommendation's actions with their owner,
    due date and status. The same people get the same access as when the steps are done live
    (the chair, each owner, the referring organisation); the dates are the past's, so the
    rules are those that hold for a past: nothing in the future, no report before the panel,
    no action due before the recommendation was made.

    `recommendations`: [{"text", "theme" (or None), "actions": [{"text", "owner", "due_date",
    "status", "note"}]}], where `note` is the evidence for a completed action or the reason
    for a cancelled one (the import says where it came from when there is none).
    """
    from referrals.validation import age_on

    person = referral.person
    today = date.today()
    if held_on > today:
        raise DomainError("The panel cannot be recorded as held on a future date.",
                          field="held_on")
    issued = report_issued_on or held_on
    if issued < held_on:
        raise DomainError("The report cannot have been issued before the panel was held.",
                          field="report_issued_on")
    if issued > today:
        raise DomainError("The report cannot be dated in the future.", field="report_issued_on")
    if chair is None or not chair.is_active or not chair.has_role(Role.CHAIR):
        raise DomainError(f"{chair or 'The chair'} is not a review chair in Pathways: ask an "
                          "administrator to give them the Review chair role first.",
                          field="chair")
    if not findings.strip():
        raise DomainError("Record the panel's findings.", field="findings")
    if Review.objects.filter(person=person, held_on=held_on).exists():
        raise ConflictError(f"A review of {person.reference} held on {held_on:%-d %B %Y} is "
                            "already recorded.", code="review_present", field="held_on")
    if not recommendations:
        raise DomainError("A past review needs at least one recommendation.",
                          field="recommendations")
    for number, rec in enumerate(recommendations, start=1):
        if not rec.get("text", "").strip():
            raise DomainError(f"Recommendation {number} has no text.", field="recommendation")
        if rec.get("theme") is not None and not rec["theme"].active:
            raise DomainError(f"The theme {rec['theme']} is no longer in use.", field="theme")
        for action in rec.get("actions") or ():
            action_owner_check(action.get("owner"), where=f"under recommendation {number}")
            if action["due_date"] < issued:
                raise DomainError(f"An action is due on {action['due_date']:%-d %B %Y}, before "
                                  f"the recommendation was made on {issued:%-d %B %Y}: check "
                                  "the due date.", field="due_date")
            if action.get("status", ActionStatus.OPEN) not in ActionStatus.values:
                raise DomainError("Choose the action's status.", field="status")
    at = timezone.make_aware(datetime.combine(held_on, time(12)))
    review = stamp(Review(
        referral=referral, person=person, requested_at=at, scheduled_for=held_on,
        kind=Review.Kind.ICETR if age_on(person.date_of_birth, held_on) < 18 else Review.Kind.ICTR,
        held_on=held_on, findings=findings, report_summary=summary, report_issued_on=issued,
        status=Review.Status.REPORT_ISSUED,
    ), by=by, reason=f"Past review recorded by {by} ({source})")
    review.save()
    stamp(PanelMember(review=review, user=chair, role=PanelMember.PanelRole.CHAIR),
          by=by, reason=f"Chair of the past review ({source})").save()
    _grant_panel_member(chair, review, chair=True)
    grant("reviews.view_review", commissioners_group(referral.organisation), review)

    def as_it_stands(action, spec):
        action.status = status = spec.get("status", ActionStatus.OPEN)
        if status in PAST_STATUS_NOTE:
            setattr(action, PAST_STATUS_NOTE[status], spec.get("note", "").strip() or
                    f"Recorded as {ActionStatus(status).label.lower()} before Pathways "
                    f"({source})")

    count = _recommendations_save(
        review, recommendations, by=by, chair=chair,
        why=f"Recommendation of a past review ({source})",
        why_action=lambda owner, spec: f"Action of a past review, owned by {owner} ({source})",
        prepare=as_it_stands)
    decision_record(actor=by, kind=Decision.Kind.PAST_REVIEW_RECORDED, subject=review,
                    person=person, reason=f"Recorded from the programme's records ({source})",
                    summary=f"Past {review.short_kind} held on {held_on:%d %b %Y}, chaired by "
                            f"{chair}: {len(recommendations)} recommendations, {count} actions",
                    facts={"held_on": held_on.isoformat(), "chair": chair.pk,
                           "report_issued_on": issued.isoformat(), "source": source})
    return review


def owner_label(owner) -> str:
    name = owner.get_full_name() or owner.username
    return f"{name}, {owner.job_title}" if owner.job_title else name


def action_owner_check(owner, *, where: str) -> None:
    """An action's owner is one named, active person in a role that owns actions."""
    if owner is None:
        raise DomainError(f"Every action {where} needs a named owner.", field="recommendations")
    if not owner.is_active or not any(owner.has_role(r) for r in ACTION_OWNER_ROLES):
        raise DomainError(f"{owner} cannot own actions: choose a commissioner, an intervenor or "
                          "a named action owner.", field="recommendations")
    if owner.organisation_id is None:
        raise DomainError(f"{owner} has no organisation recorded; ask an administrator to add "
                          "it before naming them as an owner.", field="recommendations")


def _grant_owner(owner, action: Action) -> None:
    grant("reviews.view_action", owner, action)
    grant("reviews.change_action", owner, action)


def _revoke_owner(owner, action: Action) -> None:
    remove_perm("reviews.view_action", owner, action)
    remove_perm("reviews.change_action", owner, action)


@transaction.atomic
def action_set_owner(*, action: Action, by, owner, reason: str) -> Action:
    """Name (or change) the person who owns an action. A coordinator's decision, with a reason;
    the previous owner loses access to it at once."""
    action = Action.objects.select_for_update(of=("self",)).select_related(
        "person", "owner").get(pk=action.pk)
    if not by.has_perm("reviews.assign_owner_action"):
        raise NotAllowedError("Only the programme team can change who owns an action.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for changing the owner.", field="reason")
    if action.status not in Action.OPEN_STATUSES:
        raise ConflictError(f"This action is {action.get_status_display().lower()}; only an "
                            "open action can change owner.", code="action_closed")
    if owner is None:
        raise DomainError("Choose the new owner.", field="owner")
    if owner.pk == action.owner_id:
        raise DomainError(f"{owner} already owns this action.", field="owner")
    try:
        action_owner_check(owner, where="")
    except DomainError as error:
        raise DomainError(error.message, field="owner") from None
    previous = action.owner
    action.owner = owner
    action.owner_organisation = owner.organisation
    action.owner_name = owner_label(owner)
    stamp(action, by=by, reason=reason).save()
    if previous is not None:
        _revoke_owner(previous, action)
    _grant_owner(owner, action)
    decision_record(actor=by, kind=Decision.Kind.ACTION_OWNER_CHANGED, subject=action,
                    person=action.person, reason=reason,
                    summary=f"Action now owned by {owner}"
                            + (f" (was {previous})" if previous else ""),
                    facts={"from": previous.pk if previous else None, "to": owner.pk,
                           "linked_to_person": owner.organisation_id
                           in person_links(action.person)})
    return action


TRANSITIONS = {
    "start": ActionStatus.IN_PROGRESS,
    "complete": ActionStatus.COMPLETED,
    "reopen": ActionStatus.IN_PROGRESS,
    "verify": ActionStatus.VERIFIED,
    "cancel": ActionStatus.CANCELLED,
}


@transaction.atomic
def action_update(*, action: Action, by, text: str, transition: str = "",
                  evidence: str = "", reason: str = "") -> ActionUpdate:
    """Post an update on an action, optionally moving it along its lifecycle."""
    action = Action.objects.select_for_update(of=("self",)).select_related(
        "person").get(pk=action.pk)
    if not may_post_update(by, action):
        raise NotAllowedError("Only the action's named owner or the oversight group can post "
                              "updates on it.")
    text = (text or "").strip()
    if not text:
        raise DomainError("Write the update.", field="text")
    new_status = ""
    if transition and transition not in TRANSITIONS:
        raise DomainError("Unknown change of status.", field="transition")
    if transition and not may(by, action, transition):
        raise NotAllowedError(_why_not(by, action, transition))
    if transition:
        lifecycle = ActionLifecycle(action)
        try:
            if transition == "complete":
                if not evidence.strip():
                    raise DomainError("Completing an action needs evidence of what was done.",
                                      field="evidence")
                lifecycle.complete(evidence)
            elif transition == "cancel":
                if not reason.strip():
                    raise DomainError("Cancelling an action needs a reason.", field="reason")
                lifecycle.cancel(reason)
            elif transition in ("start", "reopen", "verify"):
                getattr(lifecycle, transition)()
            else:
                raise DomainError("Unknown change of status.", field="transition")
        except TransitionNotAllowed:
            raise ConflictError(
                f"An action that is {action.get_status_display().lower()} cannot be moved that "
                "way.", code="action_transition_not_allowed") from None
        new_status = action.status
        if transition == "complete":
            action.completed_by = by
        if transition == "verify":
            action.verified_by = by
            action.verified_at = timezone.now()
        stamp(action, by=by, reason=reason or text).save()
    update = stamp(ActionUpdate(action=action, author=by, created_at=timezone.now(),
                                text=text, new_status=new_status),
                   by=by, reason=f"Update posted by {by}")
    update.save()
    if transition in ("verify", "cancel", "start", "complete", "reopen"):
        kind = {"verify": Decision.Kind.ACTION_VERIFIED,
                "cancel": Decision.Kind.ACTION_CANCELLED}.get(transition,
                                                              Decision.Kind.ACTION_STATUS)
        decision_record(actor=by, kind=kind, subject=action, person=action.person,
                        reason=reason or evidence or text,
                        summary=f"Action now {action.get_status_display().lower()}: "
                                f"{action.text[:80]}")
    return update


@transaction.atomic
def action_escalation_respond(*, action: Action, by, step: str, reason: str,
                              follow_up_on: date, new_due_date: date | None = None
                              ) -> EscalationResponse:
    """The oversight group records what it did about an escalated action (a decision on the
    person's timeline). A new due date resets the deadline sweep for the action."""
    action = Action.objects.select_for_update(of=("self",)).select_related(
        "person").get(pk=action.pk)
    if not by.has_perm("reviews.respond_escalation_action"):
        raise NotAllowedError("Only the oversight group records what was done about an "
                              "escalation.")
    if action.status not in Action.OPEN_STATUSES:
        raise ConflictError("This action is no longer open.", code="action_closed")
    if action.escalated_at is None:
        raise ConflictError("This action has not been escalated.", code="action_not_escalated")
    if step not in EscalationResponse.Step.values:
        raise DomainError("Choose what the group did.", field="step")
    today = date.today()
    if follow_up_on <= today:
        raise DomainError("The date to look at it again must be after today.",
                          field="follow_up_on")
    if step == EscalationResponse.Step.NEW_DATE and new_due_date is None:
        raise DomainError("Give the new due date that was agreed.", field="new_due_date")
    if new_due_date is not None and new_due_date <= today:
        raise DomainError("The new due date must be after today.", field="new_due_date")
    if not reason.strip():
        raise DomainError("Say what was done and why.", field="reason")
    response = stamp(EscalationResponse(
        action=action, step=step, reason=reason, follow_up_on=follow_up_on,
        previous_due_date=action.due_date, new_due_date=new_due_date, recorded_by=by,
        recorded_at=timezone.now()), by=by, reason=reason)
    response.save()
    facts = {"step": step, "follow_up_on": follow_up_on.isoformat(),
             "due_date": action.due_date.isoformat()}
    if new_due_date is not None:
        facts["new_due_date"] = new_due_date.isoformat()
        action.due_date, action.escalated_at = new_due_date, None
        stamp(action, by=by, reason=f"New due date agreed: {reason}").save()
    decision_record(actor=by, kind=Decision.Kind.ESCALATION_RESPONDED, subject=action,
                    person=action.person, reason=reason, facts=facts,
                    summary=f"Escalation followed up: {response.get_step_display().lower()}"
                            + (f", now due {new_due_date:%d %b %Y}" if new_due_date else ""))
    return response


@transaction.atomic
def learning_note_add(*, theme: Theme, by, text: str) -> LearningNote:
    """The oversight group writes down what it has learned about a theme (history keeps who
    and when; notes are about themes, never about a person)."""
    if not by.has_perm("reviews.add_learningnote"):
        raise NotAllowedError("Only the oversight group records learning notes.")
    if not text.strip():
        raise DomainError("Write the learning note.", field="text")
    note = stamp(LearningNote(theme=theme, text=text.strip(), recorded_by=by,
                              recorded_at=timezone.now()),
                 by=by, reason=f"Learning note on {theme} by {by}")
    note.save()
    return note


def _why_not(by, action: Action, transition: str) -> str:
    """Say which rule refused the change, so the person knows who can make it."""
    if transition in ("start", "complete"):
        if not is_owner(by, action):
            return "Only the action's named owner can start or complete it."
    elif is_owner(by, action):
        return "You own this action, so someone else in the oversight group must " + (
            "verify it." if transition == "verify" else f"{transition} it.")
    elif transition == "verify" and action.completed_by_id == by.pk:
        return "You recorded this action as completed; someone else must verify it."
    return "Only the oversight group can verify, reopen or cancel an action."


# Easy-read summaries ---------------------------------------------------------------------------

PLAIN_WORDS = 15     # a sentence longer than this is marked for the chair to shorten
NHS_NUMBER = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")


def long_sentences(text: str) -> list[str]:
    """Sentences of more than PLAIN_WORDS words: easy read keeps to one short idea a line."""
    return [s.strip() for s in plain_lines(text) if len(s.split()) > PLAIN_WORDS]


def plain_lines(text: str) -> list[str]:
    """The text one sentence (one idea) a line."""
    parts = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    return [p.strip() for p in parts if p.strip()]


def _easy(theme) -> tuple[str, str, str] | None:
    return EASY_READ.get(theme.code) if theme is not None else None


def easy_read_draft(review: Review) -> dict:
    """Easy-read sentences to start from (issue 44): stock sentences in everyday words for each
    barrier found and each recommendation and action, by its theme (reviews.taxonomy), the
    panel's own words only where a theme has none. One short idea a line."""
    found = [f"We met on {review.held_on:%-d %B %Y}." if review.held_on else "We met.",
             "We listened to what matters to you."]
    for b in review.barriers.all():
        if b.is_barrier:
            stock = _easy(b.domain.theme)
            found.append(stock[0] if stock else
                         f"This makes it hard to move on: {b.domain.name.lower()}.")
    will, who = [], []
    for r in review.recommendations.all():
        stock = _easy(r.theme)
        line = stock[1] if stock else f"{r.text.rstrip('.')}."
        if line not in will:
            will.append(line)
        for a in r.actions.all():
            person, when = a.owner_name.split(",")[0], f"{a.due_date:%-d %B %Y}"
            who.append(stock[2].format(who=person, when=when) if stock else
                       f"{person} will do this by {when}: {a.text.rstrip('.')}.")
    return {"found": "\n".join(dict.fromkeys(found)), "will_happen": "\n".join(will),
            "who_when": "\n".join(who),
            "speak_to": "You can talk to your advocate about this.\n"
                        "You can ask staff on the ward to help you."}


@transaction.atomic
def easy_read_write(*, review: Review, by, found: str, will_happen: str, who_when: str,
                    speak_to: str, use_first_name: bool = False, advocate_name: str = "",
                    advocate_contact: str = "") -> EasyReadSummary:
    """The chair writes (or rewrites) the easy-read summary once the report is issued."""
    review = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
    _require_chair(review, by)
    _require_status(review, Review.Status.REPORT_ISSUED, "write its easy-read summary")
    texts = {"found": found, "will_happen": will_happen, "who_when": who_when,
             "speak_to": speak_to}
    person = review.person
    for name, label in EasyReadSummary.SECTIONS:
        text = texts[name]
        if not text.strip():
            raise DomainError(f"Write '{label}'.", field=name)
        if NHS_NUMBER.search(text):
            raise DomainError(f"Leave out the NHS number ('{label}').", field=name)
        if person.family_name and re.search(rf"\b{re.escape(person.family_name)}\b", text,
                                            re.IGNORECASE):
            raise DomainError(f"Leave out the person's surname ('{label}').", field=name)
    summary = EasyReadSummary.objects.filter(review=review).first() or EasyReadSummary(
        review=review)
    for name, text in texts.items():
        setattr(summary, name, text.strip())
    summary.use_first_name = use_first_name
    summary.advocate_name = (advocate_name or "").strip()
    summary.advocate_contact = (advocate_contact or "").strip()
    summary.written_by, summary.written_at = by, timezone.now()
    stamp(summary, by=by, reason=f"Easy-read summary written by {by}").save()
    long = sum(len(long_sentences(t)) for t in texts.values())
    decision_record(actor=by, kind=Decision.Kind.EASY_READ_WRITTEN, subject=summary,
                    person=person, summary="Easy-read summary written",
                    facts={"long_sentences": long, "first_name": use_first_name})
    return summary


@transaction.atomic
def easy_read_share(*, review: Review, by, shared_on: date, shared_with: str,
                    how: str) -> EasyReadShare:
    """The referring commissioner records giving the summary to the person or family."""
    review = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
    if review.status != Review.Status.REPORT_ISSUED:
        raise ConflictError("The summary can be shared once the report is issued.",
                            code="review_wrong_state")
    summary = EasyReadSummary.objects.filter(review=review).first()
    if summary is None:
        raise DomainError("The chair has not written the easy-read summary yet.",
                          field="shared_with")
    if not (by.has_role(Role.COMMISSIONER) and by.organisation_id
            == review.referral.organisation_id):
        raise NotAllowedError("Only the referring commissioner records that it was shared.")
    if shared_on > date.today():
        raise DomainError("The date it was shared cannot be in the future.", field="shared_on")
    if shared_on < review.report_issued_on:
        raise DomainError("It cannot have been shared before the report was issued "
                          f"({review.report_issued_on:%d %b %Y}).", field="shared_on")
    if not shared_with.strip():
        raise DomainError("Say who it was shared with.", field="shared_with")
    if how not in EasyReadShare.How.values:
        raise DomainError("Say how it was shared.", field="how")
    share = stamp(EasyReadShare(summary=summary, shared_on=shared_on,
                                shared_with=shared_with.strip(), how=how, shared_by=by,
                                recorded_at=timezone.now()),
                  by=by, reason=f"Easy-read summary shared by {by}")
    share.save()
    decision_record(actor=by, kind=Decision.Kind.EASY_READ_SHARED, subject=share,
                    person=review.person, summary=f"Easy-read summary shared: "
                                                  f"{share.get_how_display().lower()}",
                    facts={"shared_on": shared_on.isoformat(), "with": share.shared_with})
    return share
