"""Equality monitoring: aggregate only, small numbers suppressed, oversight only."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oversight.equality import SUPPRESS_BELOW, cohort, equality_tables, suppress
from oversight.suppression import SUPPRESSED, TOTAL, suppress_grid

pytestmark = pytest.mark.django_db


def test_counts_cover_the_open_cohort_and_hide_small_numbers():
    data = equality_tables()
    people = list(cohort())
    assert data["total"] == len(people) > 0
    for rows in data["tables"].values():
        for _, count, days in rows:
            assert count == SUPPRESSED or count >= 5
            assert days is None or isinstance(count, int)
    sexes = {label: count for label, count, _ in data["tables"]["Sex"]}
    exact = sum(v for v in sexes.values() if isinstance(v, int))
    assert exact <= data["total"]


def test_the_page_shows_tables_and_no_one_by_name_or_reference(client_for):
    page = client_for("oversight").get("/oversight/equality/").content.decode()
    assert "Ethnic" in page and "Age band" in page and "[c]" in page
    for person in cohort():
        assert person.reference not in page
    assert client_for("coordinator").get("/oversight/equality/").status_code == 403


@given(st.dictionaries(st.sampled_from("ABCDEFGH"), st.integers(min_value=0, max_value=40),
                       min_size=1))
def test_small_counts_are_suppressed_and_the_rest_shown_as_they_are(counts):
    rows = dict(suppress(counts))
    hidden = [label for label, shown in rows.items() if shown == SUPPRESSED]
    # Never one hidden count alone, unless the total is hidden too.
    assert len(hidden) != 1 or 0 < sum(counts.values()) < SUPPRESS_BELOW
    for label, n in counts.items():
        if 0 < n < SUPPRESS_BELOW:
            assert rows[label] == SUPPRESSED
        elif rows[label] != SUPPRESSED:
            assert rows[label] == n


def test_one_small_cell_takes_the_next_smallest_with_it():
    assert suppress({"A": 20, "B": 9, "C": 2}) == [("A", 20), ("B", SUPPRESSED),
                                                   ("C", SUPPRESSED)]
    assert suppress({"A": 20, "B": 9}) == [("A", 20), ("B", 9)]


def _independent_medians(today):
    """Median days in LTS by sex, from model objects one person at a time."""
    from collections import defaultdict
    from statistics import median

    days = defaultdict(list)
    for person in cohort():
        episode = person.lts_episodes.filter(end_date__isnull=True).first()
        if episode is not None:
            sex = person.characteristics.get_sex_display()
            days[sex].append((today - episode.start_date).days)
    # Whole days, a median between two days rounded up (oversight.numbers).
    return {sex: int(median(d) + 0.5) for sex, d in days.items() if len(d) >= SUPPRESS_BELOW}


def test_median_days_in_lts_match_an_independent_count():
    from datetime import date

    data = equality_tables(date.today())
    expected = _independent_medians(date.today())
    for label, count, days in data["tables"]["Sex"]:
        if isinstance(count, int) and label in expected:
            assert days == expected[label]
        else:
            assert days is None or label in expected


def test_by_region_cells_add_up_to_the_regions_and_hide_small_numbers():
    data = equality_tables()
    for rows in data["by_region"].values():
        if rows is None:
            continue
        for column, total in enumerate(data["region_totals"]):
            shown = [row["cells"][column] for row in rows]
            if all(isinstance(v, int) for v in shown) and isinstance(total, int):
                assert sum(shown) == total
            for v in shown:
                assert v == SUPPRESSED or v == 0 or v >= SUPPRESS_BELOW


def test_one_small_cell_in_a_grid_takes_a_loop_with_room_to_move():
    grid = {("A", "x"): 2, ("A", "y"): 20, ("B", "x"): 30, ("B", "y"): 40}
    shown = suppress_grid(grid, ["A", "B"], ["x", "y"], rows_hidden=set(), total_hidden=False)
    assert [shown[c] for c in grid] == [SUPPRESSED] * 4
    assert shown[("A", TOTAL)] == 22 and shown[(TOTAL, TOTAL)] == 92


def test_a_table_too_thin_to_protect_is_not_shown():
    # One group in two regions and one in one: hiding everything still pins a cell.
    assert suppress_grid({("A", "x"): 3, ("A", "y"): 10, ("B", "y"): 8, ("B", "x"): 0},
                         ["A", "B"], ["x", "y"], rows_hidden=set(), total_hidden=False) is None


def test_a_longer_period_counts_everyone_worked_with_in_it(client_for):
    """Issue 44: where "now" hides too much, a longer period counts more people."""
    from datetime import date

    from oversight.equality import PERIODS

    now = equality_tables(date.today(), "now")
    year = equality_tables(date.today(), "12")
    assert year["cohort"] == PERIODS["12"][0]
    assert isinstance(now["total"], int) and year["total"] >= now["total"]
    assert cohort(date.today(), 36).count() >= cohort(date.today(), 12).count() >= \
        cohort().count()
    page = client_for("oversight").get("/oversight/equality/?period=36").content.decode()
    assert "Anyone the programme worked with in the last 3 years" in page
    assert client_for("oversight").get("/oversight/equality/?period=x").status_code == 200
