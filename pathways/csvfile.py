"""Writing rows as CSV text that a spreadsheet opens safely."""
import csv
import io
import unicodedata

FORMULA_START = frozenset("=+-@\t\r")
# Characters a spreadsheet may skip or fold before it decides a cell is a formula: spaces,
# zero-width characters and the byte-order mark. Full-width and other compatibility forms
# (＝, ＋, －, ＠) are folded to their plain forms by NFKC before the first character is read.
PADDING = " \u00a0\u200b\u200c\u200d\u2060\ufeff"


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read this text cell as a formula (CSV injection), after
    any padding it skips and in any width of the formula characters."""
    if text[:1] in FORMULA_START:
        return True
    start = unicodedata.normalize("NFKC", text[:40].lstrip(PADDING))
    return start[:1] in FORMULA_START


def csv_text(header: list[str], rows) -> tuple[str, int]:
    """Every row as CSV text, and how many rows were written. A text cell that a spreadsheet
    would read as a formula is written after a quote, which keeps it as text; numbers and
    dates are our own and written as they are, None as an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    for row in rows:
        # Inline rather than a call per cell: an export writes hundreds of thousands of cells.
        # Only a cell that starts with a formula character, or with anything outside plain
        # ASCII letters and digits, is looked at more closely.
        writer.writerow([("'" + v if v[:1] in FORMULA_START or (
            (not v[:1].isascii() or (v and not v[0].isalnum())) and looks_like_formula(v))
            else v) if type(v) is str else v for v in row])
        count += 1
    return buffer.getvalue(), count
