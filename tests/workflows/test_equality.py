"""Equality monitoring: aggregate only, small numbers suppressed, oversight only."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.equality import HIDDEN, SMALL, SUPPRESS_BELOW, cohort, equality_tables, suppress

pytestmark = pytest.mark.django_db


def test_counts_cover_the_open_cohort_and_hide_small_numbers():
    data = equality_tables()
    people = list(cohort())
    assert data["total"] == len(people) > 0
    for rows in data["tables"].values():
        for _, count in rows:
            assert count in ("fewer than 5", "hidden") or count >= 5
    sexes = dict(data["tables"]["Sex"])
    exact = sum(v for v in sexes.values() if isinstance(v, int))
    assert exact <= data["total"]


def test_the_page_shows_tables_and_no_one_by_name_or_reference(client_for):
    page = client_for("oversight").get("/oversight/equality/").content.decode()
    assert "Ethnicity" in page and "Age band" in page and "fewer than 5" in page
    for person in cohort():
        assert person.reference not in page
    assert client_for("coordinator").get("/oversight/equality/").status_code == 403


def _recoverable(counts: dict[str, int]) -> bool:
    """Can any hidden cell be worked out exactly from the total and the cells shown?"""
    if sum(counts.values()) < SUPPRESS_BELOW:
        return False            # the total itself is hidden, and every cell is "fewer than 5"
    rows = dict(suppress(counts))
    hidden = [label for label, shown in rows.items() if shown in (SMALL, HIDDEN)]
    if not hidden:
        return False
    hidden_total = sum(counts.values()) - sum(v for v in rows.values() if isinstance(v, int))
    return len(hidden) == 1 or hidden_total < SUPPRESS_BELOW


@given(st.dictionaries(st.sampled_from("ABCDEFGH"), st.integers(min_value=0, max_value=40),
                       min_size=1))
def test_no_hidden_cell_can_be_worked_out_from_the_total(counts):
    assert not _recoverable(counts)
    rows = dict(suppress(counts))
    for label, n in counts.items():
        if 0 < n < SUPPRESS_BELOW:
            assert rows[label] == SMALL
        elif rows[label] not in (SMALL, HIDDEN):
            assert rows[label] == n


def test_one_small_cell_takes_the_next_smallest_with_it():
    assert suppress({"A": 20, "B": 9, "C": 2}) == [("A", 20), ("B", HIDDEN), ("C", SMALL)]
    assert suppress({"A": 20, "B": 9}) == [("A", 20), ("B", 9)]
