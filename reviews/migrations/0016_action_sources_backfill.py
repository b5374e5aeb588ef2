"""Every action so far came from a review: its person and issue day, from the review.

Apart from the schema change before it (0015), so PostgreSQL creates that change's indexes
before this rewrites the rows: a table with pending foreign-key trigger events takes no new
index in the same transaction.
"""
from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError
from django.db.models import OuterRef, Subquery


def only_from_reviews(apps, schema_editor):
    """Back to actions that came only from reviews: refused while any was agreed on a case,
    since the older tables cannot hold it (delete those first, knowingly, if that is meant)."""
    if apps.get_model("reviews", "Action").objects.filter(case__isnull=False).exists():
        raise IrreversibleError("Actions agreed on intervenor cases exist; the earlier schema "
                                "has no place for them.")


def from_reviews(apps, schema_editor):
    """Every action so far came from a review: it is for the review's person, issued on the
    report's day."""
    Action = apps.get_model("reviews", "Action")
    Review = apps.get_model("reviews", "Review")
    review = Review.objects.filter(pk=OuterRef("review_id"))
    Action.objects.update(person_id=Subquery(review.values("person_id")[:1]))
    Action.objects.exclude(review__report_issued_on=None).update(
        issued_on=Subquery(review.values("report_issued_on")[:1]))


class Migration(migrations.Migration):
    dependencies = [("reviews", "0015_action_sources")]
    operations = [migrations.RunPython(from_reviews, only_from_reviews)]
