"""Reading a spreadsheet as people make them: CSV (UTF-8, with or without a byte-order mark,
any line endings) or Excel (.xlsx, through openpyxl), headers in the first row, and values
typed the ways people type them. Each reader either gives the value or raises `CellError` with
a message naming what to fix; the row and column are added by the caller."""
import csv
import io
import re
from datetime import date, datetime

from openpyxl import load_workbook

MAX_BYTES = 10 * 1024 * 1024     # ten megabytes: far above the national caseload's size
MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}


class FileError(Exception):
    """The file as a whole cannot be read."""


class CellError(Exception):
    """One value cannot be read; the message says what to fix."""


def rows_read(file_name: str, data: bytes) -> tuple[list[str], list[tuple[int, dict]]]:
    """The headers (lower-cased, trimmed) and each row that has any value, with its row
    number as the spreadsheet shows it (the header is row 1)."""
    if len(data) > MAX_BYTES:
        raise FileError(f"The file is over {MAX_BYTES // (1024 * 1024)} MB: split it.")
    if file_name.lower().endswith(".xlsx"):
        table = _xlsx(data)
    elif file_name.lower().endswith(".csv"):
        table = _csv(data)
    else:
        raise FileError("Upload a CSV file (.csv) or an Excel workbook (.xlsx).")
    if not table:
        raise FileError("The file is empty: it needs a header row and at least one row.")
    headers = [str(h or "").strip().lower().replace(" ", "_") for h in table[0]]
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = {h: v for h, v in zip(headers, values, strict=False) if h}
        if any(str(v).strip() for v in cells.values() if v is not None):
            rows.append((number, cells))
    return headers, rows


def _csv(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError("The file is not UTF-8 text: save it as 'CSV UTF-8'.")
    return list(csv.reader(io.StringIO(text, newline="")))


def _xlsx(data: bytes) -> list[list]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises several kinds for a file that is not a workbook
        raise FileError("The file is not an Excel workbook (.xlsx) that can be read.")
    sheet = book.worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    book.close()
    return table


def text(value, limit: int = 200) -> str:
    value = "" if value is None else str(value).strip()
    if len(value) > limit:
        raise CellError(f"This is {len(value):,} characters; the most is {limit:,}.")
    return value


def required(value, what: str, limit: int = 4000) -> str:
    value = text(value, limit)
    if not value:
        raise CellError(f"Enter the {what}.")
    return value


def optional(reader, default=None):
    """`reader` for a cell that may be left blank, which gives `default`."""
    return lambda value: reader(value) if text(value, 4000) else default


def nhs_number(value) -> str:
    """Ten digits, with any spaces or dashes between them (checked by the service after)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = f"{int(value)}"
    digits = re.sub(r"[\s\-]", "", text(value, 30))
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise CellError("Enter the NHS number as 10 digits, like 943 476 5919.")
    return digits


def day(value, what: str = "date") -> date:
    """A date as 2024-03-01, 01/03/2024 (day first, never the US order) or 1 March 2024; an
    Excel date cell as it is."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value, 40)
    if not raw:
        raise CellError(f"Enter the {what}.")
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", raw):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})", raw):
            month = MONTHS.get(m[2].lower())
            if month:
                return date(int(m[3]), month, int(m[1]))
    except ValueError:
        raise CellError(f"{raw} is not a real date: check the day and month.")
    raise CellError(f"Enter the {what} as 2024-03-01, 01/03/2024 or 1 March 2024 (not {raw!r}).")


def choice(value, choices, what: str) -> str:
    """One of `choices` (a TextChoices), by its value or its label, in any case."""
    raw = text(value, 100).lower()
    for option in choices:
        if raw in (option.value.lower(), option.label.lower()):
            return option.value
    allowed = ", ".join(option.value for option in choices)
    raise CellError(f"Enter the {what} as one of: {allowed}.")
