"""Reads for reviews and actions, scoped to the user."""
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from accounts.roles import ACTION_OWNER_ROLES
from accounts.selectors import scope

from . import lifecycle
from .models import Action, ActionStatus, BarrierAnswer, PanelMember, Recommendation, Review


def reviews_visible(user) -> QuerySet[Review]:
    return scope(user, "reviews.view_review",
                 Review.objects.select_related("person", "person__current_unit", "referral"))


def review_get(user, pk) -> Review:
    return reviews_visible(user).prefetch_related(
        Prefetch("panel", queryset=PanelMember.objects.select_related("user")),
        Prefetch("barriers", queryset=BarrierAnswer.objects.select_related("domain")),
        Prefetch("recommendations", queryset=Recommendation.objects.prefetch_related(
            Prefetch("actions", queryset=Action.objects.select_related("owner_organisation")))),
        Prefetch("actions", queryset=Action.objects.select_related(
            "owner_organisation", "recommendation", "person")),
    ).get(pk=pk)


def my_reviews(user) -> QuerySet[Review]:
    """Reviews the user sits on; coordinators and oversight see every review (a list: only the
    columns the list and the API show are read, never the reports' long texts)."""
    reviews = (reviews_visible(user).select_related(None).select_related("person")
               .only("referral", "follows", "kind", "status", "requested_at", "scheduled_for",
                     "held_on", "report_issued_on", "person__reference")
               .prefetch_related(Prefetch(
                   "panel", queryset=PanelMember.objects.filter(role="chair")
                   .select_related("user"), to_attr="chairs")))
    if user.has_perm("reviews.schedule_review") or user.has_perm("reviews.verify_action"):
        return reviews
    return reviews.filter(panel__user=user).distinct()


def actions_visible(user) -> QuerySet[Action]:
    return scope(user, "reviews.view_action",
                 Action.objects.select_related("person", "owner_organisation",
                                               "recommendation"))


def action_get(user, pk) -> Action:
    return actions_visible(user).select_related("theme").get(pk=pk)


# A status filter for every action not yet done: open or in progress (the dashboard's "Open
# actions").
STILL_OPEN = "still_open"
STATUS_FILTER_CHOICES = [(STILL_OPEN, "Open or in progress"), *ActionStatus.choices]


FROM_REVIEW, FROM_CASE = "review", "case"
SOURCE_CHOICES = [(FROM_REVIEW, "A review's recommendation"),
                  (FROM_CASE, "Agreed by the senior intervenor")]


def actions_filtered(user, *, status: str = "", overdue: bool = False,
                     owner_organisation=None, region: str = "", escalated: bool = False,
                     source: str = "", today: date | None = None) -> QuerySet[Action]:
    today = today or date.today()
    actions = actions_visible(user)
    if status == STILL_OPEN:
        actions = actions.filter(status__in=Action.OPEN_STATUSES)
    elif status:
        actions = actions.filter(status=status)
    if overdue:
        actions = actions.filter(Q(status__in=Action.OPEN_STATUSES) & Q(due_date__lt=today))
    if escalated:   # escalated and still open: the dashboard's "Escalated actions still open"
        actions = actions.filter(status__in=Action.OPEN_STATUSES, escalated_at__isnull=False)
    if owner_organisation:
        actions = actions.filter(owner_organisation=owner_organisation)
    if region:   # where the person is placed now
        actions = actions.filter(person__current_unit__region=region)
    if source:
        actions = actions.filter(case__isnull=source == FROM_REVIEW)
    return actions.order_by("due_date", "pk")


def action_transitions_for(user, action: Action) -> list[tuple[str, str]]:
    """The status changes this user may make now, as (value, label) pairs."""
    return lifecycle.transitions_for(user, action)


def action_owner_candidates():
    """People who may be named as an action's owner: active, with an organisation, in a role
    that owns actions (never a whole organisation)."""
    return (get_user_model().objects
            .filter(is_active=True, groups__name__in=list(ACTION_OWNER_ROLES),
                    organisation__isnull=False)
            .select_related("organisation").distinct()
            .order_by("organisation__name", "last_name", "first_name"))


def person_links(person) -> dict:
    """The organisations with a link to the person, {organisation id: what the link is}: their
    commissioner, and the provider of the unit they are in. An action owner from elsewhere is
    allowed, with a reason (issue 44)."""
    links = {person.commissioner_id: "the person's commissioner"}
    if person.current_unit_id:
        links[person.current_unit.provider_id] = "the person's provider"
    return links
