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


def trend_value(value, unit: str, places: int = 0) -> str:
    """How a trend's value reads: grouped by thousands, a share with its per cent sign, a
    mean or a limit to one decimal place, a hidden or unpublished count in words."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    text = f"{value:,.{places}f}"
    return text + "%" if unit == "%" else text


def trend_signal(point) -> str:
    if point.value is None:
        return "No data"
    if not point.rule:
        return "Common cause"
    words = point.rule_words[:1].upper() + point.rule_words[1:]
    return f"{words} ({point.variation})" if point.variation in ("improvement", "concern") \
        else words


def trend_numbers(series) -> list[list[dict]]:
    """A trend's national numbers as the table macro's rows: month, value, mean, limits and
    the signal, worked out here once rather than cell by cell in the template (ten tables of
    36 rows on one page)."""
    unit = series.measure.unit
    return [[{"text": f"{month:%b %Y}"}, {"text": trend_value(p.value, unit)},
             {"text": trend_value(p.mean, unit, 1)}, {"text": trend_value(p.lower, unit, 1)},
             {"text": trend_value(p.upper, unit, 1)}, {"text": trend_signal(p)}]
            for month, p in series.rows]


def trend_breakdown(table: dict, unit: str) -> list[list[dict]]:
    """A breakdown's rows, newest month first, as the table macro's rows."""
    return [[{"text": f"{month:%b %Y}"}, *({"text": trend_value(v, unit)} for v in values)]
            for month, values in reversed(table["rows"])]
