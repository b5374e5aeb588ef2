"""Small-number suppression that cannot be undone (security round 3, finding 4).

Three independent checks of oversight.suppression:
- the probe's own method, as the issue states it: narrow each hidden cell's bounds along every
  row and column (and the totals) until nothing moves, and find none pinned to one value;
- a brute force on small tables: list every table that agrees with what is published and see
  that each hidden cell takes more than one value in them, and that the engine's `pinned` says
  exactly which cells take one;
- the published tables of the demo (equality, outcomes, the meeting pack's CSV): one label for
  every hidden count, and the narrowing finds nothing in any of them.
"""
import csv
import io
import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oversight.equality import equality_tables, suppress
from oversight.suppression import (
    SUPPRESS_BELOW,
    SUPPRESSED,
    TOTAL,
    pinned,
    suppress_counts,
    suppress_grid,
    with_margins,
)

INFINITY = 10**9


def lines_of(published: dict) -> list[tuple[list, object]]:
    """Each row and column of a published grid with margins: (its inner cells, its total)."""
    rows = {r for r, _ in published if r != TOTAL}
    cols = {c for _, c in published if c != TOTAL}
    lines = [([(r, c) for c in cols], (r, TOTAL)) for r in rows]
    lines += [([(r, c) for r in rows], (TOTAL, c)) for c in cols]
    lines.append(([(r, TOTAL) for r in rows], (TOTAL, TOTAL)))
    lines.append(([(TOTAL, c) for c in cols], (TOTAL, TOTAL)))
    return lines


def narrowed(published: dict, lowest: dict | None = None) -> dict:
    """The probe's method: bounds of every cell, narrowed along every line until they settle.
    A shown cell is exact; a hidden one starts at [1, infinity) (zeros are always shown)."""
    lowest = lowest or {}
    bounds = {cell: (v, v) if isinstance(v, int) else (lowest.get(cell, 1), INFINITY)
              for cell, v in published.items()}
    moved = True
    while moved:
        moved = False
        for parts, total in lines_of(published):
            for cell in [*parts, total]:
                others = [p for p in parts if p != cell]
                if cell == total:
                    low = sum(bounds[p][0] for p in parts)
                    high = min(INFINITY, sum(bounds[p][1] for p in parts))
                else:
                    low = bounds[total][0] - sum(bounds[p][1] for p in others)
                    high = bounds[total][1] - sum(bounds[p][0] for p in others)
                old = bounds[cell]
                new = (max(old[0], low), min(old[1], high))
                if new != old:
                    assert new[0] <= new[1], (cell, new, published)
                    bounds[cell], moved = new, True
    return bounds


def pinned_by_narrowing(published: dict, lowest: dict | None = None) -> set:
    bounds = narrowed(published, lowest)
    return {cell for cell, v in published.items()
            if v == SUPPRESSED and bounds[cell][0] == bounds[cell][1]}


grids = st.dictionaries(
    st.tuples(st.sampled_from("ABCDE"), st.sampled_from("vwxyz")),
    st.integers(min_value=0, max_value=6) | st.integers(min_value=0, max_value=40),
    min_size=1)


def row_totals_hidden(grid) -> tuple[list, list, set]:
    rows = sorted({r for r, _ in grid})
    cols = sorted({c for _, c in grid})
    totals = Counter()
    for (r, _), n in grid.items():
        totals[r] += n
    hidden, _ = suppress_counts(dict(totals))
    return rows, cols, hidden


@settings(max_examples=300, deadline=None)
@given(grids)
def test_no_hidden_cell_of_a_random_grid_is_pinned_by_narrowing_its_lines(grid):
    rows, cols, hidden_rows = row_totals_hidden(grid)
    published = suppress_grid(grid, rows, cols, rows_hidden=hidden_rows, total_hidden=False)
    if published is None:            # too thin to protect: not published at all
        return
    true = with_margins(grid, rows, cols)
    assert not pinned_by_narrowing(published), (grid, published)
    for cell, v in published.items():
        assert v == SUPPRESSED or v == true[cell]            # what is shown is true
        if 0 < true[cell] < SUPPRESS_BELOW and TOTAL not in cell:
            assert v == SUPPRESSED                           # small counts never shown


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from("ABCDEFGH"), st.integers(min_value=0, max_value=40),
                       min_size=1))
def test_no_hidden_count_of_a_random_breakdown_is_pinned(counts):
    rows = dict(suppress(counts))
    total = sum(counts.values())
    published = {(label, "n"): rows[label] for label in counts}
    published |= {(label, TOTAL): rows[label] for label in counts}
    shown_total = SUPPRESSED if 0 < total < SUPPRESS_BELOW else total
    published |= {(TOTAL, "n"): shown_total, (TOTAL, TOTAL): shown_total}
    assert not pinned_by_narrowing(published), (counts, rows)
    for label, n in counts.items():
        assert rows[label] in (SUPPRESSED, n)
        if 0 < n < SUPPRESS_BELOW:
            assert rows[label] == SUPPRESSED


def test_the_probes_example_is_no_longer_recoverable():
    """A row of 8 with one cell of 6 and two of 1: the two could only be 1 each."""
    grid = {("A", "x"): 6, ("A", "y"): 1, ("A", "z"): 1,
            ("B", "x"): 20, ("B", "y"): 15, ("B", "z"): 30}
    rows, cols, hidden_rows = row_totals_hidden(grid)
    published = suppress_grid(grid, rows, cols, rows_hidden=hidden_rows, total_hidden=False)
    assert published is None or not pinned_by_narrowing(published)
    # Hiding only the two small cells (on a loop with two more, as the old rule did) is not
    # enough: the narrowing pins them, and so does the engine.
    old_rule = {("A", "y"), ("A", "z"), ("B", "y"), ("B", "z")}
    full = with_margins(grid, rows, cols)
    published_old = {cell: SUPPRESSED if cell in old_rule else n for cell, n in full.items()}
    assert pinned_by_narrowing(published_old) >= {("A", "y"), ("A", "z")}
    assert pinned(full, old_rule) >= {("A", "y"), ("A", "z")}


def test_five_people_in_five_groups_hide_the_total_too():
    """Every count hidden, each at least 1, totalling 5: each must be 1, so the total goes."""
    hidden, total_hidden = suppress_counts(dict.fromkeys("ABCDE", 1))
    assert hidden == set("ABCDE") and total_hidden


def solutions(full: dict, hidden: set, cap: int):
    """Every table agreeing with what is published, hidden cells from 1 to `cap`: each hidden
    cell tried at every value in turn, a line's sum checked as soon as its last hidden cell has
    a value (the same tables as trying every combination, found without the hopeless ones)."""
    cells = sorted(hidden, key=repr)
    rows = {r for r, _ in full}
    cols = {c for _, c in full}
    lines = [[(r, c) for c in cols if c != TOTAL] + [(r, TOTAL)] for r in rows] + \
            [[(r, c) for r in rows if r != TOTAL] + [(TOTAL, c)] for c in cols]
    # Each line is checked once the last of its hidden cells (in the order tried) has a value.
    last = {i: max((cells.index(cell) for cell in line if cell in hidden), default=-1)
            for i, line in enumerate(lines)}

    def adds_up(table, line):
        return sum(table[cell] for cell in line[:-1]) == table[line[-1]]

    table = dict(full)
    if not all(adds_up(table, line) for i, line in enumerate(lines) if last[i] == -1):
        return

    def fill(k):
        if k == len(cells):
            yield dict(table)
            return
        for value in range(1, cap + 1):
            table[cells[k]] = value
            if all(adds_up(table, line) for i, line in enumerate(lines) if last[i] == k):
                yield from fill(k + 1)

    yield from fill(0)


small_grids = st.dictionaries(
    st.tuples(st.sampled_from("AB"), st.sampled_from("xyz")),
    st.integers(min_value=1, max_value=4), min_size=4, max_size=6)


@settings(max_examples=60, deadline=None)
@given(small_grids, st.data())
def test_the_engine_says_exactly_which_hidden_cells_a_brute_force_pins(grid, data):
    """The engine's answer checked exactly against every table the published cells allow."""
    rows = sorted({r for r, _ in grid})
    cols = sorted({c for _, c in grid})
    full = with_margins({cell: grid.get(cell, 1) for cell in
                         itertools.product(rows, cols)}, rows, cols)
    hidden = set(data.draw(st.lists(st.sampled_from(sorted(full, key=repr)), min_size=1,
                                    max_size=5, unique=True)))
    # Every value a hidden cell can take is below the grand total, so that bounds the search.
    cap = full[(TOTAL, TOTAL)] + 1
    seen = {cell: set() for cell in hidden}
    for table in solutions(full, hidden, cap):
        for cell in hidden:
            seen[cell].add(table[cell])
    brute = {cell for cell, values in seen.items() if len(values) == 1}
    assert pinned(full, hidden) == brute, (full, hidden, seen)


# The tables the product publishes ---------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytest.mark.django_db
def test_every_published_equality_table_is_safe_and_uses_one_label():
    data = equality_tables()
    labels = set()
    for name, rows in data["tables"].items():
        published = {(label, "n"): count for label, count, _ in rows}
        published |= {(label, TOTAL): count for label, count, _ in rows}
        published |= {(TOTAL, "n"): data["total"], (TOTAL, TOTAL): data["total"]}
        assert not pinned_by_narrowing(published), name
        labels |= {count for _, count, _ in rows if not isinstance(count, int)}
        regional = data["by_region"][name]
        if regional is None:
            continue
        grid = {}
        for row in regional:
            for region, cell in zip(data["regions"], row["cells"], strict=True):
                grid[(row["label"], region)] = cell
            grid[(row["label"], TOTAL)] = row["total"]
        for region, n in zip(data["regions"], data["region_totals"], strict=True):
            grid[(TOTAL, region)] = n
        grid[(TOTAL, TOTAL)] = data["total"]
        assert not pinned_by_narrowing(grid), name
        labels |= {v for v in grid.values() if not isinstance(v, int)}
    assert labels <= {SUPPRESSED}


@pytest.mark.django_db
def test_the_equality_page_and_the_outcomes_file_say_one_thing_for_every_hidden_count(
        client_for):
    page = client_for("oversight").get("/oversight/equality/").content.decode()
    # One short mark with one footnote (issue 44), the same for every hidden count.
    assert "[c]" in page and "fewer than 5</td>" not in page and "hidden</td>" not in page
    assert ">suppressed<" not in page
    text = client_for("oversight").get("/oversight/outcomes.csv").content.decode()
    cells = {cell for row in csv.reader(io.StringIO(text)) for cell in row}
    assert "fewer than 5" not in cells and "hidden" not in cells


@pytest.mark.django_db
@pytest.mark.parametrize("today_offset", [0, 200, 400])
def test_every_column_of_the_outcome_tables_is_safe(today_offset):
    """People by group, and people referred long enough ago at each horizon, each with the
    overall figure as its total: nothing hidden is pinned. A group shown with no figures at
    all is blank there, hidden with no lower bound."""
    from datetime import date, timedelta

    from oversight.outcomes import outcome_tables

    data = outcome_tables(date.today() + timedelta(days=today_offset))
    overall = data["overall"]
    columns = [("people", lambda row: row["people_shown"])]
    for horizon in data["horizons"]:
        columns.append((horizon, lambda row, h=horizon: row["horizons"].get(h, {}).get(
            "eligible", SUPPRESSED)))
    for name, rows in data["tables"].items():
        for column, value in columns:
            total = value(overall)
            published = {(TOTAL, "n"): total, (TOTAL, TOTAL): total}
            lowest = {}
            for row in rows:
                published[(row["label"], "n")] = published[(row["label"], TOTAL)] = value(row)
                if not row["horizons"] and column != "people":
                    lowest[(row["label"], "n")] = lowest[(row["label"], TOTAL)] = 0
            assert all(isinstance(v, int) or v == SUPPRESSED for v in published.values())
            # A blank group may be pinned to 0 (a total of 0 says so): zeros are published
            # openly anyway. Pinned to anything else is a disclosure.
            bounds = narrowed(published, lowest)
            disclosed = {cell for cell in pinned_by_narrowing(published, lowest)
                         if bounds[cell] != (0, 0)}
            assert not disclosed, (name, column, published)


# Ethnicity by broad group where a detailed category is hidden (issue 44) --------------------

ETHNIC_CODES = "ABCDEFGHJKLMNPRSZ"


def _published_ethnicity(monkeypatch, by_code: dict[str, int]) -> tuple[str, list]:
    """The ethnicity table equality_tables publishes for a cohort with these counts."""
    import oversight.equality as equality
    from referrals.models import ProtectedCharacteristics

    names = dict(ProtectedCharacteristics.Ethnicity.choices)
    people = [(names[code], "Female", "26 to 40", "Autism", "", None,
               equality.BROAD_ETHNIC_GROUPS[code])
              for code, n in by_code.items() for _ in range(n)]
    monkeypatch.setattr(equality, "_people", lambda today, months=None: people)
    tables = equality.equality_tables()["tables"]
    ethnic = [name for name in tables if name.startswith("Ethnic")]
    assert len(ethnic) == 1, ethnic          # never both: one would give the other away
    return ethnic[0], tables[ethnic[0]]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(ETHNIC_CODES), st.integers(0, 40), min_size=1))
def test_ethnicity_falls_back_to_broad_groups_and_nothing_hidden_is_pinned(counts):
    monkeypatch = pytest.MonkeyPatch()
    try:
        name, rows = _published_ethnicity(monkeypatch, counts)
    finally:
        monkeypatch.undo()
    total = sum(counts.values())
    hidden_detail = any(0 < n < SUPPRESS_BELOW for n in counts.values())
    # The detailed categories are shown exactly when none of them needs hiding.
    assert (name == "Ethnicity") == (not hidden_detail)
    if name == "Ethnicity":
        assert not any(shown == SUPPRESSED for _, shown, _ in rows)
    shown_total = SUPPRESSED if 0 < total < SUPPRESS_BELOW else total
    published = {(label, "n"): count for label, count, _ in rows}
    published |= {(label, TOTAL): count for label, count, _ in rows}
    published |= {(TOTAL, "n"): shown_total, (TOTAL, TOTAL): shown_total}
    assert not pinned_by_narrowing(published)


def test_a_hidden_detailed_category_shows_the_broad_groups_instead(monkeypatch):
    name, rows = _published_ethnicity(monkeypatch, {"A": 30, "B": 2, "C": 9, "M": 12, "N": 8,
                                                    "Z": 6})
    assert name == "Ethnic group (broad)"
    shown = {label: count for label, count, _ in rows}
    assert shown == {"White": 41, "Black or Black British": 20, "Not stated": 6}
    name, rows = _published_ethnicity(monkeypatch, {"A": 30, "M": 12, "Z": 6})
    assert name == "Ethnicity" and {label for label, _, _ in rows} == {
        "White - British", "Black or Black British - Caribbean", "Not stated"}
