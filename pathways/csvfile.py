"""Writing rows as CSV text that a spreadsheet opens safely."""
import csv
import io

FORMULA_START = frozenset("=+-@\t\r")


def csv_text(header: list[str], rows) -> tuple[str, int]:
    """Every row as CSV text, and how many rows were written. A text cell that a spreadsheet
    would read as a formula (CSV injection) is written after a quote, which keeps it as text;
    numbers and dates are our own and written as they are, None as an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    for row in rows:
        # Inline rather than a call per cell: an export writes hundreds of thousands of cells.
        writer.writerow([("'" + v if v[:1] in FORMULA_START else v) if type(v) is str else v
                         for v in row])
        count += 1
    return buffer.getvalue(), count
