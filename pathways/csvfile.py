"""Writing rows as CSV text that a spreadsheet opens safely."""
import csv
import io
import unicodedata
from datetime import date
from decimal import Decimal

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
    would read as a formula is written after a quote, which keeps it as text. Numbers and dates
    are our own and written as they are, None as an empty cell; anything else is written as
    its text, and checked as text is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_cell(v) for v in header])
    count = 0
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        count += 1
    return buffer.getvalue(), count


def _cell(value):
    if value is None or isinstance(value, int | float | Decimal | date):
        return value
    text = value if type(value) is str else str(value)
    # Most cells start with a plain letter or digit, and need no closer look.
    if text[:1] in FORMULA_START or (text and not (text[0].isascii() and text[0].isalnum())
                                     and looks_like_formula(text)):
        return "'" + text
    return text
