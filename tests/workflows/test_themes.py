"""Learning captured as themes (issue 15): recommendations coded at the report, barriers through
their domain, counted by theme, region and period, checked against an independent count."""
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.themes import Period, period_named, periods, theme_table
from reviews.models import BarrierAnswer, LearningNote, Recommendation, Review, Theme

pytestmark = pytest.mark.django_db


def test_periods_are_whole_quarters_newest_first():
    found = periods(date(2026, 12, 1))
    assert [p.key for p in found[:4]] == ["all", "12m", "2026-Q4", "2026-Q3"]
    q4, q1 = found[2], found[5]
    assert (q4.start, q4.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert (q1.start, q1.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert found[-1].label == "2025 Q3"
    assert period_named("nonsense", date(2026, 12, 1)).key == "all"


def _independent(period: Period, region: str = ""):
    recs, barriers = Counter(), Counter()
    for r in Recommendation.objects.select_related("review__person__current_unit"):
        unit = r.review.person.current_unit
        if period.contains(r.review.report_issued_on) and (
                not region or (unit and unit.region == region)):
            recs[r.theme_id] += 1
    for b in BarrierAnswer.objects.filter(is_barrier=True).select_related(
            "domain", "review__person__current_unit"):
        unit = b.review.person.current_unit
        if period.contains(b.review.held_on) and (not region or (unit and unit.region == region)):
            barriers[b.domain.theme_id] += 1
    return recs, barriers


def _more_reviews(users):
    """Code a few more recommendations and barriers, in another region and an older quarter."""
    review = Review.objects.filter(status="report_issued").select_related("person").first()
    environment, funding = Theme.objects.get(code="environment"), Theme.objects.get(
        code="commissioning-funding")
    for n, theme in enumerate([funding, funding, environment], start=10):
        Recommendation.objects.create(review=review, number=n, text=f"R{n}", theme=theme)
    old = Review.objects.filter(status="report_issued").exclude(pk=review.pk).first()
    Review.objects.filter(pk=old.pk).update(report_issued_on=date.today() - timedelta(days=200),
                                            held_on=date.today() - timedelta(days=210))


@pytest.mark.parametrize("key, region", [("all", ""), ("12m", "london"), ("2026-Q4", "")])
def test_the_table_matches_an_independent_count(users, key, region):
    _more_reviews(users)
    period = period_named(key)
    table = theme_table(users["oversight"], period, region)
    recs, barriers = _independent(period, region)
    got = {(row["theme"].pk if row["theme"] else None): row for row in table["rows"]}
    for theme in Theme.objects.all():
        assert got[theme.pk]["recommendations"] == recs.get(theme.pk, 0), theme
        assert got[theme.pk]["barriers"] == barriers.get(theme.pk, 0), theme
    assert table["total_recommendations"] == sum(recs.values())
    assert table["total_barriers"] == sum(barriers.values())
    assert sum(recs.values()) > 0


def test_query_count_is_flat_however_many_reviews(users):
    oversight = users["oversight"]

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            theme_table(oversight, period_named("all"))
        return len(ctx.captured_queries)

    queries()             # the user's permissions are cached after the first
    before = queries()
    _more_reviews(users)
    review = Review.objects.filter(status="report_issued").last()
    Recommendation.objects.bulk_create([Recommendation(
        review=review, number=100 + n, text="More", theme=Theme.objects.first())
        for n in range(40)])
    assert queries() == before


def test_oversight_reads_a_theme_and_records_a_learning_note(client, users):
    theme = Theme.objects.get(code="housing-provider-market")
    client.force_login(users["oversight"])
    page = client.get(reverse("oversight:themes")).content.decode()
    assert "Housing and provider market" in page and "Recommendations by theme and region" in page
    url = reverse("oversight:theme", args=[theme.code])
    page = client.get(url).content.decode()
    expected = Recommendation.objects.filter(theme=theme).count()
    assert expected and f"{expected} recommendation" in page
    assert "No learning notes yet." in page
    response = client.post(url, {"text": "  "})
    assert response.status_code == 400 and "Write the learning note" in response.content.decode()
    response = client.post(url, {"text": "Providers will not bid without a capital grant."},
                           follow=True)
    assert "Learning note recorded." in response.content.decode()
    note = LearningNote.objects.get(theme=theme)
    assert note.recorded_by == users["oversight"]
    assert note.history.get().history_user == users["oversight"]


def test_a_coordinator_reads_themes_but_cannot_write_notes(client, users):
    theme = Theme.objects.first()
    client.force_login(users["coordinator"])
    assert client.get(reverse("oversight:theme", args=[theme.code])).status_code == 200
    assert client.post(reverse("oversight:theme", args=[theme.code]),
                       {"text": "x"}).status_code == 403
    client.force_login(users["commissioner"])
    assert client.get(reverse("oversight:themes")).status_code == 403
    assert not LearningNote.objects.exists()


def test_the_chair_must_code_each_recommendation(users):
    from pathways.errors import DomainError
    from workflows import services as flow

    review = Review.objects.filter(status="held").first()
    with pytest.raises(DomainError, match="Choose the theme of recommendation 1"):
        flow.review_issue_report(review=review, by=review.panel.get(role="chair").user,
                                 summary="s", recommendations=[{
                                     "text": "R", "theme": None, "actions": [{
                                         "text": "A", "owner": users["commissioner"],
                                         "due_date": date.today() + timedelta(30)}]}])


def test_the_kept_theme_table_counts_a_learning_note_at_once(client_for, users):
    """Theme counts are kept for those who read every review; note counts are read live."""
    from reviews.services import learning_note_add

    theme = Theme.objects.order_by("order").first()

    def notes_shown():
        page = client_for("oversight").get(reverse("oversight:themes"))
        row = next(r for r in page.context["table"]["rows"] if r["theme"] == theme)
        return row["notes"]

    before = notes_shown()
    learning_note_add(theme=theme, by=users["oversight"], text="Commissioners met providers.")
    assert notes_shown() == before + 1


def test_learning_notes_are_paged_ten_at_a_time_apart_from_the_recommendations(client_for,
                                                                                users):
    """A theme's learning notes, newest first, ten a page (`?notes=`); the recommendations
    keep their own page (`?page=`), and each pager keeps the other's place."""
    from datetime import UTC, datetime

    theme = Theme.objects.get(code="housing-provider-market")
    for n in range(23):
        LearningNote.objects.create(theme=theme, recorded_by=users["oversight"],
                                    text=f"Note number {n:02d}",
                                    recorded_at=datetime(2026, 1, 1, 9, n, tzinfo=UTC))
    client = client_for("oversight")
    url = reverse("oversight:theme", args=[theme.code])
    first = client.get(url).content.decode()
    assert "Note number 22" in first and "Note number 13" in first
    assert "Note number 12" not in first
    assert "Notes 1 to 10 of 23, newest first." in first
    assert 'href="?notes=2"' in first and "Older notes" in first and "Newer notes" not in first
    assert 'aria-label="Pages of learning notes"' in first
    last = client.get(url, {"notes": 3, "page": 2}).content.decode()
    assert "Note number 02" in last and "Note number 00" in last and "Note number 03" not in last
    assert "Notes 21 to 23 of 23, newest first." in last
    assert 'href="?notes=2&amp;page=2"' in last and "Older notes" not in last
    past_the_end = client.get(url, {"notes": 99}).content.decode()
    assert "Notes 21 to 23 of 23" in past_the_end


def test_a_themes_rows_show_when_whose_where_and_what(client, users):
    """Each recommendation behind a theme (oversight.presenters.ThemeRecommendation): the day its
    report was issued, the person's reference linked to the review, the unit's region, and the
    recommendation numbered; with no unit or no issue date, a dash and nothing."""
    from django.template.defaultfilters import date as date_filter
    from markupsafe import escape

    from oversight.presenters import ThemeRecommendation

    theme = Theme.objects.get(code="housing-provider-market")
    first = (Recommendation.objects.filter(theme=theme)
             .select_related("review__person__current_unit")
             .order_by("-review__report_issued_on", "pk").first())
    review, unit = first.review, first.review.person.current_unit
    client.force_login(users["oversight"])
    page = client.get(reverse("oversight:theme", args=[theme.code])).content.decode()
    link = f'<a href="{reverse("reviews:detail", args=[review.pk])}">{review.person.reference}</a>'
    row = page[page.index(link) - 200:page.index(link) + 400]
    assert f">{date_filter(review.report_issued_on, 'j M Y')}</td>" in row
    assert f">{unit.get_region_display()}</td>" in row
    assert f">{escape(f'{first.number}. {first.text}')}</td>" in row
    review.person.current_unit, review.report_issued_on = None, None
    shown = ThemeRecommendation(first)
    assert (shown.region, shown.issued) == ("–", "")
