"""Equality monitoring: aggregate only, small numbers suppressed, oversight only."""
import pytest

from workflows.equality import cohort, equality_tables

pytestmark = pytest.mark.django_db


def test_counts_cover_the_open_cohort_and_hide_small_numbers():
    data = equality_tables()
    people = list(cohort())
    assert data["total"] == len(people) > 0
    for rows in data["tables"].values():
        for _, count in rows:
            assert count == "fewer than 5" or count >= 5
    sexes = dict(data["tables"]["Sex"])
    exact = sum(v for v in sexes.values() if isinstance(v, int))
    assert exact <= data["total"]


def test_the_page_shows_tables_and_no_one_by_name_or_reference(client_for):
    page = client_for("oversight").get("/oversight/equality/").content.decode()
    assert "Ethnicity" in page and "Age band" in page and "fewer than 5" in page
    for person in cohort():
        assert person.reference not in page
    assert client_for("coordinator").get("/oversight/equality/").status_code == 403
