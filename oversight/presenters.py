"""What the oversight pages show, shaped for their templates (see referrals/presenters.py)."""
from pathways.frontend.choices import label
from pathways.frontend.dates import day_month_year
from pathways.links import link


class ThemeRecommendation:
    """A recommendation behind a theme: when its report was issued, whose review it came from
    (with a link to it), the person's unit's region, and its number and words."""

    def __init__(self, recommendation):
        review = recommendation.review
        issued = review.report_issued_on
        self.issued = day_month_year(issued) if issued else ""
        self.review_url = link("reviews:detail", recommendation.review_id)
        self.reference = review.person.reference
        self.region = label(review.person.current_unit, "region") or "–"
        self.text = f"{recommendation.number}. {recommendation.text}"


def theme_recommendations(recommendations) -> list[ThemeRecommendation]:
    return [ThemeRecommendation(r) for r in recommendations]
