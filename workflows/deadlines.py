"""The hourly sweep over action due dates: reminders, overdue notices and escalation.

Driven by database state, not by countdowns, so a lost message is recovered on the next run
(SECURITY.md S32, S35), and idempotent: each notice and each escalation happens once per
action and due date, however often the sweep runs (S33).
"""
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import Decision
from audit.services import decision_record, stamp, system_user
from intervenors.selectors import cases_visible
from notifications.models import Notification
from notifications.services import (
    link_to,
    notification_owe,
    oversight_recipients,
    users_of_role,
    visible_in,
)
from referrals.selectors import people_visible, referrals_visible
from reviews.models import Action
from reviews.selectors import actions_visible, reviews_visible

SWEEP_HEARTBEAT = "deadline-sweep"   # its Heartbeat, read by /health/background
DUE_SOON_DAYS = 7        # DOMAIN.md: reminders 7 days before
ESCALATE_AFTER_DAYS = 14  # DOMAIN.md: escalation 14 days past due


def _owners(action) -> list:
    """The named owner, never every user of an organisation. An action with no owner (issued
    before owners were people) goes to the coordinators, who can name one."""
    return users_of_role(Role.COORDINATOR) if action.owner is None else [action.owner]


def sweep_action_deadlines(today: date | None = None) -> dict:
    today = today or timezone.localdate()
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}
    open_actions = Action.objects.filter(status__in=Action.OPEN_STATUSES).select_related(
        "person", "owner")
    for action in open_actions.filter(due_date__gt=today,
                                      due_date__lte=today + timedelta(days=DUE_SOON_DAYS)):
        if _owe(action, Notification.Kind.DUE_SOON, _owners(action),
                f"Action due on {action.due_date:%d %b %Y}"):
            counts["due_soon"] += 1
    for action in open_actions.filter(due_date__lt=today):
        if _owe(action, Notification.Kind.OVERDUE, _owners(action),
                f"Action overdue since {action.due_date:%d %b %Y}"):
            counts["overdue"] += 1
        late = action.due_date <= today - timedelta(days=ESCALATE_AFTER_DAYS)
        if late and action_escalate(action_id=action.pk, today=today):
            counts["escalated"] += 1
    return counts


def _owe(action, kind, recipients, subject) -> bool:
    # Email carries the pseudonymous reference and a link, never the action's free text.
    return notification_owe(
        key=f"action:{action.pk}:{kind}:{action.due_date.isoformat()}", kind=kind,
        users=recipients, subject=f"Pathways: {subject}",
        body=f"{subject} for {action.person.reference}.\n"
             f"Sign in to read and update it: {link_to('reviews:action', action.pk)}",
        link=reverse("reviews:action", args=[action.pk]),
        readable=visible_in(actions_visible, action.pk), action=action,
    ) is not None


@transaction.atomic
def action_escalate(*, action_id, today: date) -> bool:
    """Escalate an overdue action to the oversight group, once per due date."""
    action = Action.objects.select_for_update(of=("self",)).select_related(
        "person").get(pk=action_id)
    if action.status not in Action.OPEN_STATUSES or action.due_date > today - timedelta(
            days=ESCALATE_AFTER_DAYS):
        return False   # completed, cancelled or its date moved since the sweep read it
    owed = notification_owe(
        key=f"action:{action.pk}:escalated:{action.due_date.isoformat()}",
        kind=Notification.Kind.ESCALATED, users=oversight_recipients(),
        link=reverse("reviews:action", args=[action.pk]),
        readable=visible_in(actions_visible, action.pk),
        subject=f"Pathways: action escalated for {action.person.reference}",
        body=f"An action for {action.person.reference} was due on "
             f"{action.due_date:%d %b %Y} and is {ESCALATE_AFTER_DAYS} or more days overdue.\n"
             f"Sign in to follow it up: {link_to('reviews:action', action.pk)}")
    if owed is None:
        return False
    system = system_user()
    action.escalated_at = timezone.now()
    stamp(action, by=system, reason=f"Escalated: {ESCALATE_AFTER_DAYS}+ days overdue").save()
    decision_record(actor=system, kind=Decision.Kind.ACTION_ESCALATED, subject=action,
                    person=action.person,
                    reason=f"Overdue since {action.due_date:%d %b %Y}",
                    summary=f"Action escalated to the oversight group: {action.text[:80]}",
                    facts={"due_date": action.due_date.isoformat(), "run_on": today.isoformat()})
    return True


def notify_case_assigned(case) -> None:
    user = case.intervenor.user
    notification_owe(
        key=f"case:{case.pk}:assigned:{case.assigned_on.isoformat()}",
        kind=Notification.Kind.CASE_ASSIGNED, users=[user],
        subject=f"Pathways: {case.person.reference} assigned to you",
        body=f"{case.person.reference} has been assigned to your caseload.\n"
             f"Sign in to see them: {link_to('intervenors:case', case.pk)}",
        link=reverse("intervenors:case", args=[case.pk]),
        readable=visible_in(cases_visible, case.pk))


def notify_triaged(referral) -> None:
    """The commissioner who raised the referral hears it was triaged (the outcome is on the
    page, not in the message)."""
    notification_owe(
        key=f"referral:{referral.pk}:triaged", kind=Notification.Kind.TRIAGED,
        users=[referral.raised_by],
        subject=f"Pathways: the referral for {referral.person.reference} has been triaged",
        body=f"The referral for {referral.person.reference} has been triaged.\n"
             f"Sign in to see the decision: {link_to('referrals:detail', referral.pk)}",
        link=reverse("referrals:detail", args=[referral.pk]),
        readable=visible_in(referrals_visible, referral.pk))


def notify_panel_allocated(review) -> None:
    """Each person named on the panel (chair, members with an account)."""
    members = [m.user for m in review.panel.select_related("user") if m.user_id]
    notification_owe(
        key=f"review:{review.pk}:panel:{review.scheduled_for.isoformat()}",
        kind=Notification.Kind.PANEL_ALLOCATED, users=members,
        subject=f"Pathways: you are on the panel for {review.person.reference}",
        body=f"You are on the review panel for {review.person.reference} on "
             f"{review.scheduled_for:%d %b %Y}.\n"
             f"Sign in to see the review: {link_to('reviews:detail', review.pk)}",
        link=reverse("reviews:detail", args=[review.pk]),
        readable=visible_in(reviews_visible, review.pk))


def notify_report_issued(review) -> None:
    """The commissioner who raised the referral hears of the report, with a link to it. Each
    action's named owner hears of their own actions, with a link to the action (or, for
    several, to their actions): an owner outside the review's readers may open their actions
    but not the review (security round 3, finding 9)."""
    notification_owe(
        key=f"review:{review.pk}:report", kind=Notification.Kind.REPORT_ISSUED,
        users=[review.referral.raised_by],
        subject=f"Pathways: the review report for {review.person.reference} is issued",
        body=f"The review report for {review.person.reference} has been issued.\n"
             f"Sign in to read it and its actions: {link_to('reviews:detail', review.pk)}",
        link=reverse("reviews:detail", args=[review.pk]),
        readable=visible_in(reviews_visible, review.pk))
    owned: dict = {}
    for action in review.actions.select_related("owner").order_by("due_date", "pk"):
        if action.owner_id:
            owned.setdefault(action.owner, []).append(action)
    for owner, actions in owned.items():
        one = len(actions) == 1
        url = ("reviews:action", actions[0].pk) if one else ("reviews:actions",)
        notification_owe(
            key=f"review:{review.pk}:report:owner:{owner.pk}",
            kind=Notification.Kind.REPORT_ISSUED, users=[owner],
            subject=f"Pathways: {'an action' if one else 'actions'} for you after the review "
                    f"of {review.person.reference}",
            body=f"The review report for {review.person.reference} has been issued and names "
                 f"you as the owner of {'an action' if one else f'{len(actions)} actions'}.\n"
                 f"Sign in to see {'it' if one else 'them'}: {link_to(*url)}",
            link=reverse(url[0], args=url[1:]),
            readable=visible_in(actions_visible, actions[0].pk), action=actions[0])


def notify_person_elsewhere(person, *, asked_by) -> None:
    """The review coordinators hear that a commissioner tried to refer someone recorded under
    another organisation (the commissioner is told only that the referral was not raised)."""
    notification_owe(
        key=f"person:{person.pk}:elsewhere:{asked_by.organisation_id}",
        kind=Notification.Kind.PERSON_ELSEWHERE, users=users_of_role(Role.COORDINATOR),
        subject=f"Pathways: a referral for {person.reference} needs a coordinator",
        body=f"A commissioner in {asked_by.organisation or 'an organisation'} tried to refer "
             f"{person.reference}, who is recorded under another commissioning organisation. "
             "The referral was not raised. Contact them to transfer the person or to add their "
             f"concerns to an open referral.\nSign in to see the person: "
             f"{link_to('referrals:person', person.pk)}",
        link=reverse("referrals:person", args=[person.pk]),
        readable=visible_in(people_visible, person.pk))


def notify_action_agreed(action) -> None:
    """The named owner hears of an action the senior intervenor agreed with them, with a link
    to the action (never the text: that stays behind sign-in)."""
    notification_owe(
        key=f"action:{action.pk}:agreed", kind=Notification.Kind.ACTION_AGREED,
        users=[action.owner],
        subject=f"Pathways: an action for you, agreed with the senior intervenor for "
                f"{action.person.reference}",
        body=f"The senior intervenor for {action.person.reference} has agreed an action with "
             f"you, due on {action.due_date:%d %b %Y}.\n"
             f"Sign in to see it: {link_to('reviews:action', action.pk)}",
        link=reverse("reviews:action", args=[action.pk]),
        readable=visible_in(actions_visible, action.pk), action=action)


def notify_action_verified(action) -> None:
    """The named owner hears that the action they completed has been verified."""
    notification_owe(
        key=f"action:{action.pk}:verified:{action.verified_at.isoformat()}",
        kind=Notification.Kind.VERIFIED, users=[action.owner],
        subject=f"Pathways: an action for {action.person.reference} is verified",
        body=f"An action you completed for {action.person.reference} has been "
             f"verified.\nSign in to see it: {link_to('reviews:action', action.pk)}",
        link=reverse("reviews:action", args=[action.pk]),
        readable=visible_in(actions_visible, action.pk), action=action)


def after_action_update(action) -> None:
    """What the flow layer owes after an action moved (called by the pages and the API)."""
    action.refresh_from_db()
    if action.status == "verified" and action.owner_id and action.verified_at:
        notify_action_verified(action)


__all__ = ["sweep_action_deadlines", "action_escalate", "notify_case_assigned",
           "notify_triaged", "notify_panel_allocated", "notify_report_issued",
           "notify_action_verified", "notify_action_agreed", "notify_person_elsewhere",
           "after_action_update"]


def record_sweep_heartbeat() -> None:
    """Note that the scheduled sweep ran, for the background check (/health/background)."""
    from .models import Heartbeat

    Heartbeat.objects.update_or_create(name=SWEEP_HEARTBEAT, defaults={"at": timezone.now()})
