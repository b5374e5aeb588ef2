"""The chain of reviews: on the date the chair chose, the follow-up review begins.

The hourly sweep (workflows.tasks.sweep_action_deadlines) calls `start_due_follow_ups`. Each
review whose report is issued and whose follow-up date has come gets its follow-up ReviewFlow,
which puts "Schedule the panel" in the coordinators' work. Safe to run twice or in two workers
at once: each review is locked and checked, and the database holds one follow-up a review.
"""
from datetime import date

from django.utils import timezone

from audit.services import system_user
from reviews.models import Review

from . import services as flow


def due_follow_ups(today: date):
    return Review.objects.filter(status=Review.Status.REPORT_ISSUED, follow_up_by__lte=today,
                                 follow_up__isnull=True).order_by("follow_up_by", "pk")


def start_due_follow_ups(today: date | None = None) -> int:
    today = today or timezone.localdate()
    started = 0
    for review in due_follow_ups(today).select_related("referral"):
        before = Review.objects.filter(follows=review).exists()
        flow.review_follow_up_start(review=review, by=system_user())
        started += not before
    return started


def comparison(review: Review) -> dict | None:
    """For a follow-up: the previous review's checklist beside this one's, and what became of
    the previous recommendations' actions. None for a first review."""
    previous = review.follows
    if previous is None:
        return None
    before = {b.domain_id: b for b in previous.barriers.select_related("domain")}
    now = {b.domain_id: b for b in review.barriers.all()}
    rows = []
    for domain_id in sorted(set(before) | set(now),
                            key=lambda d: (before.get(d) or now.get(d)).domain.name):
        was, is_ = before.get(domain_id), now.get(domain_id)
        domain = (was or is_).domain
        if is_ is None:
            change = "Not yet recorded"
        elif was is None:
            change = "New in this review"
        elif was.is_barrier and not is_.is_barrier:
            change = "No longer a barrier"
        elif is_.is_barrier and not was.is_barrier:
            change = "Now a barrier"
        else:
            change = "Still a barrier" if is_.is_barrier else "Still not a barrier"
        rows.append({"domain": domain, "before": was, "now": is_, "change": change})
    return {"previous": previous, "checklist": rows,
            "recommendations": previous.recommendations.prefetch_related("actions")}
