"""The easy-read summary as a letter to post (issue 43): a large-type A4 PDF laid out as GOV.UK
Notify prints precompiled letters, and the check of that layout made before anything is sent.

Notify's published letter specification (the measures below, in millimetres from the page's
top-left corner):
- A4 portrait, at most 10 pages, at most 2 MB;
- everything printed within 15 mm of the left and right edges and 5 mm of the top and bottom;
- on the first page, the recipient's address alone in the address block (24.6 to 120 mm from
  the left, 39.5 to 66.3 mm from the top), which shows through the envelope's window, and the
  letter's body starting 95 mm from the top; 3 to 7 address lines, the postcode last.

The check reads the laid-out pages (WeasyPrint's own boxes) before the PDF is written, so a
letter that would be refused, or print its text under the envelope, is never sent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

A4 = (210.0, 297.0)
EDGE_SIDES, EDGE_TOP_BOTTOM = 15.0, 5.0
ADDRESS = (24.6, 39.5, 120.0, 66.3)       # left, top, right, bottom
BODY_TOP = 95.0
MAX_PAGES, MAX_BYTES = 10, 2 * 1024 * 1024
PX_TO_MM = 25.4 / 96                      # WeasyPrint lays out in CSS pixels
POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$", re.I)
STYLESHEET = "css/easy-read-letter.css"


class LetterRefused(Exception):
    """The letter breaks Notify's layout rules; the reasons are in `problems`."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def address_problems(lines: list[str]) -> list[str]:
    problems = []
    if not 3 <= len(lines) <= 7:
        problems.append("An address has 3 to 7 lines: the person's name, the street, the town "
                        "and the postcode, one to a line.")
    if lines and not POSTCODE.match(lines[-1].strip()):
        problems.append("The last line must be a UK postcode, like SW1A 1AA.")
    if any(len(line) > 45 for line in lines):
        problems.append("Each address line must be 45 characters or fewer, to fit the "
                        "envelope's window.")
    return problems


@dataclass
class Placed:
    text: str
    left: float
    top: float
    right: float
    bottom: float


def _text_boxes(page) -> list[Placed]:
    from weasyprint.formatting_structure.boxes import TextBox

    found = []
    for box in page._page_box.descendants():
        if isinstance(box, TextBox) and box.text.strip():
            left, top = box.position_x * PX_TO_MM, box.position_y * PX_TO_MM
            found.append(Placed(box.text.strip(), left, top,
                                left + box.width * PX_TO_MM, top + box.height * PX_TO_MM))
    return found


def layout_problems(document, address_lines: list[str]) -> list[str]:
    """What in the laid-out `document` Notify would refuse, or would print wrongly."""
    problems = []
    if len(document.pages) > MAX_PAGES:
        problems.append(f"The letter has {len(document.pages)} pages; Notify prints at most "
                        f"{MAX_PAGES}.")
    left, top, right, bottom = ADDRESS
    address_text = set()
    for number, page in enumerate(document.pages, start=1):
        size = (page.width * PX_TO_MM, page.height * PX_TO_MM)
        if any(abs(a - b) > 0.5 for a, b in zip(size, A4, strict=True)):
            problems.append(f"Page {number} is not A4 portrait.")
        for placed in _text_boxes(page):
            if (placed.left < EDGE_SIDES - 0.1 or placed.right > A4[0] - EDGE_SIDES + 0.1
                    or placed.top < EDGE_TOP_BOTTOM - 0.1
                    or placed.bottom > A4[1] - EDGE_TOP_BOTTOM + 0.1):
                problems.append(f"Page {number}: “{placed.text[:30]}” is printed in the "
                                "margin Notify keeps clear.")
            if number == 1 and placed.top < BODY_TOP - 0.1:
                inside = (placed.left >= left - 0.1 and placed.right <= right + 0.1
                          and placed.top >= top - 0.1 and placed.bottom <= bottom + 0.1)
                if inside:
                    address_text.add(placed.text)
                else:
                    problems.append(f"Page 1: “{placed.text[:30]}” is above where the letter "
                                    "starts (95 mm) and outside the address block.")
    shown = " ".join(sorted(address_text))
    if not all(line.strip() and all(word in shown for word in line.split())
               for line in address_lines):
        problems.append("The address does not all show in the envelope's window.")
    return problems


def letter_pdf(html: str, address_lines: list[str], stylesheets=None) -> bytes:
    """The letter as PDF bytes, or LetterRefused with every reason it would be refused."""
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML

    problems = address_problems(address_lines)
    if problems:
        raise LetterRefused(problems)
    sheets = stylesheets if stylesheets is not None else [CSS(filename=finders.find(STYLESHEET))]
    document = HTML(string=html).render(stylesheets=sheets)
    problems = layout_problems(document, address_lines)
    if problems:
        raise LetterRefused(problems)
    pdf = document.write_pdf()
    if len(pdf) > MAX_BYTES:
        raise LetterRefused([f"The letter is {len(pdf) // 1024} KB; Notify takes at most 2 MB."])
    return pdf
