"""Small-number suppression that cannot be undone (SECURITY.md S29; security round 3).

A count of 1 to 4 people is not published (primary suppression): it could pick someone out.
Hiding those cells alone is not enough when totals are published beside them: a row total of 8
with one cell of 6 and two hidden cells forces both hidden cells to 1. So more cells are hidden
(secondary suppression) until **no hidden cell can be worked out from everything the table
shows**, however its rows, columns and totals are combined. Every hidden cell reads the same
(SUPPRESSED): a reader cannot tell a primary cell (1 to 4) from a secondary one (any size).

What a reader knows of a hidden cell: it is a whole number, at least 1 (a zero is shown as 0,
never hidden), with no upper bound but the table's sums. A table is a grid with its margins:
each row's total, each column's total and the grand total, any of which may be hidden too.

How we know a hidden cell cannot be worked out (`pinned`). Negate the margin cells (row and
column totals, not the grand total): then every row and every column of the grid sums to
zero. Any other table that agrees with everything shown differs from the true one by a grid of
whole numbers on the hidden cells whose rows and columns also sum to zero; such a grid is a
sum of simple cycles through the hidden cells, alternately +1 and -1, each of which can be
applied alone without breaking a bound (a conformal decomposition). So a hidden cell can take
another value exactly when some such cycle passes through it with room to move at every cell
on the way: a path in the "room to move" graph, found by a search. This is exact, not a
heuristic: a cell it calls free is free, and a cell it calls pinned is determined.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable

SUPPRESS_BELOW = 5
SUPPRESSED = "suppressed"
TOTAL = "__total__"       # the key of the total row and the total column

Cell = tuple[Hashable, Hashable]


def with_margins(cells: dict[Cell, int], rows: list, cols: list) -> dict[Cell, int]:
    """The grid and its margins: (row, TOTAL), (TOTAL, col) and (TOTAL, TOTAL)."""
    grid = {(r, c): cells.get((r, c), 0) for r in rows for c in cols}
    for r in rows:
        grid[(r, TOTAL)] = sum(grid[(r, c)] for c in cols)
    for c in cols:
        grid[(TOTAL, c)] = sum(grid[(r, c)] for r in rows)
    grid[(TOTAL, TOTAL)] = sum(grid[(r, TOTAL)] for r in rows)
    return grid


def _sign(cell: Cell) -> int:
    """+1 for inner cells and the grand total, -1 for row and column totals (see above)."""
    return -1 if (cell[0] == TOTAL) != (cell[1] == TOTAL) else 1


def _moves(grid: dict[Cell, int], cell: Cell, lowest: dict[Cell, int]) -> tuple[bool, bool]:
    """Whether a hidden cell's signed value may go up by one, and down by one: it may always
    rise, and fall while above its lower bound; a negated margin cell swaps the two."""
    can_rise, can_fall = True, grid[cell] > lowest.get(cell, 1)
    return (can_rise, can_fall) if _sign(cell) > 0 else (can_fall, can_rise)


def _room_graph(grid: dict[Cell, int], hidden: set[Cell], lowest: dict[Cell, int]) -> dict:
    """Arcs row -> column where a hidden cell's signed value may go up by one, column -> row
    where it may go down; each arc carries its cell."""
    arcs: dict = {}
    for cell in hidden:
        r, c = cell
        up, down = _moves(grid, cell, lowest)
        if up:
            arcs.setdefault(("r", r), []).append((("c", c), cell))
        if down:
            arcs.setdefault(("c", c), []).append((("r", r), cell))
    return arcs


def _reaches(arcs: dict, start, goal, without: Cell) -> bool:
    seen, queue = {start}, deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            return True
        for nxt, cell in arcs.get(node, ()):
            if cell != without and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


def pinned(grid: dict[Cell, int], hidden: Iterable[Cell], *,
           lowest: dict | None = None) -> set[Cell]:
    """The hidden cells a reader can work out exactly from what the table shows. `lowest`
    gives a hidden cell a lower bound other than 1."""
    hidden, lowest = set(hidden), lowest or {}
    arcs = _room_graph(grid, hidden, lowest)
    found = set()
    for cell in sorted(hidden, key=repr):
        r, c = cell
        up, down = _moves(grid, cell, lowest)
        # Up: the arc row -> column, closed by a way back column -> row; down the other way.
        free = (up and _reaches(arcs, ("c", c), ("r", r), cell)) or (
            down and _reaches(arcs, ("r", r), ("c", c), cell))
        if not free:
            found.add(cell)
    return found


def protect(grid: dict[Cell, int], primary: set[Cell], *, candidates: Iterable[Cell],
            lowest: dict | None = None) -> set[Cell] | None:
    """The cells to hide: the primary ones, then the smallest non-zero `candidates` sharing a
    row or a column with a cell that could still be worked out, one at a time, until none can.
    None when no choice of candidates will do: the table is not published."""
    hidden = set(primary)
    pool = sorted((grid[cell], repr(cell), cell) for cell in candidates if grid[cell] > 0)
    while True:
        exposed = sorted(pinned(grid, hidden, lowest=lowest), key=repr)
        if not exposed:
            return hidden
        spare = [(n, key, cell) for n, key, cell in pool if cell not in hidden]
        row, col = exposed[0]
        choice = (next((cell for _, _, cell in spare if cell[0] == row), None)
                  or next((cell for _, _, cell in spare if cell[1] == col), None)
                  or next((cell for _, _, cell in spare), None))
        if choice is None:
            return None
        hidden.add(choice)


def primary_cells(grid: dict[Cell, int]) -> set[Cell]:
    return {cell for cell, n in grid.items() if 0 < n < SUPPRESS_BELOW}


def shown(grid: dict[Cell, int], hidden: set[Cell]) -> dict[Cell, int | str]:
    return {cell: SUPPRESSED if cell in hidden else n for cell, n in grid.items()}


# One column of counts with its total (a breakdown by one characteristic) --------------------

COLUMN = "n"


def column_grid(counts: dict[Hashable, int]) -> dict[Cell, int]:
    """A list of counts as a grid of one column: each row's total is its count."""
    return with_margins({(label, COLUMN): n for label, n in counts.items()}, list(counts),
                        [COLUMN])


def column_hidden(hidden_labels: Iterable[Hashable]) -> set[Cell]:
    """A hidden count hides its row's total too (they are the same number)."""
    return {cell for label in hidden_labels for cell in ((label, COLUMN), (label, TOTAL))}


def suppress_counts(counts: dict[Hashable, int], *, total_hidden: bool | None = None,
                    unknown: Iterable[Hashable] = ()) -> tuple[set[Hashable], bool]:
    """(the labels whose counts are not published, whether the total is not published).

    The total is published unless it is itself 1 to 4 (or `total_hidden` says otherwise).
    `unknown` labels are published as blanks already (say, a group too small to show any
    figure) and may be 0: they count as hidden, with no lower bound. Whenever any count is
    hidden, at least two are, holding together at least SUPPRESS_BELOW people. If even hiding
    every count leaves one that can be worked out, the total is hidden too."""
    grid = column_grid(counts)
    unknown = set(unknown)
    total = grid[(TOTAL, TOTAL)]
    if total_hidden is None:
        total_hidden = 0 < total < SUPPRESS_BELOW
    chosen = column_hidden({label for label, n in counts.items() if 0 < n < SUPPRESS_BELOW}
                           | unknown)
    if total_hidden:
        chosen |= {(TOTAL, COLUMN), (TOTAL, TOTAL)}
    lowest = dict.fromkeys(column_hidden(unknown), 0)
    while True:
        labels = {r for r, _ in chosen if r != TOTAL}
        together = sum(counts[label] for label in labels)
        safe = not pinned(grid, chosen, lowest=lowest) and (
            not labels or (len(labels) >= 2 and together >= SUPPRESS_BELOW))
        if safe:
            return labels, total_hidden
        spare = sorted((n, repr(label), label) for label, n in counts.items()
                       if n and label not in labels)
        if spare:
            chosen = chosen | column_hidden([spare[0][2]])
        elif not total_hidden:
            total_hidden = True
            chosen = chosen | {(TOTAL, COLUMN), (TOTAL, TOTAL)}
        else:
            return labels, total_hidden


def suppress_grid(cells: dict[Cell, int], rows: list, cols: list, *, rows_hidden: set,
                  total_hidden: bool) -> dict[Cell, int | str] | None:
    """A breakdown by two things (a characteristic by region) whose row totals are published
    elsewhere with `rows_hidden` hidden, and whose column totals are published in full. The
    published grid, margins included, or None when no choice of hidden cells keeps every
    hidden cell from being worked out."""
    grid = with_margins(cells, rows, cols)
    primary = primary_cells({cell: n for cell, n in grid.items() if TOTAL not in cell})
    primary |= {(r, TOTAL) for r in rows_hidden}
    if total_hidden:
        primary |= {(TOTAL, TOTAL)}
    inner = [cell for cell in grid if TOTAL not in cell]
    hidden = protect(grid, primary, candidates=inner)
    return None if hidden is None else shown(grid, hidden)
