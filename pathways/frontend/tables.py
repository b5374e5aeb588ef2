"""A table's parameters, in the NHS `table` macro's shape, made ready to draw.

templates/macros/tables.jinja draws long lists with the same markup as NHS England's table macro
(it says why); this turns the macro-style parameters (head and rows of strings or dicts with
text, html, format, classes, colspan) into plain cells once, so the template's loop only writes
them out.
"""
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(slots=True)
class Cell:
    element: str        # "th" or "td"
    classes: str
    scope: str | None
    colspan: int | None
    content: Markup


@dataclass(slots=True)
class Table:
    caption: Markup | None
    caption_id: str | None
    caption_classes: str
    head: list[Cell]
    rows: list[list[Cell]]


def _content(data: dict) -> Markup:
    if data.get("html") is not None:
        return Markup(data["html"])  # noqa: S704 (html a template drew, as the NHS macro takes it)
    return escape(data.get("text", "") if data.get("text") is not None else "")


def _cell(item, element: str, scope: str | None, header) -> Cell:
    data = item if isinstance(item, dict) else {"text": item}
    base = "nhsuk-table__header" if element == "th" else "nhsuk-table__cell"
    numeric = data.get("format", header.get("format") if isinstance(header, dict) else None)
    classes = base + (f" {base}--numeric" if numeric == "numeric" else "")
    if data.get("classes"):
        classes += f" {data['classes']}"
    return Cell(element, classes, scope, data.get("colspan"), _content(data))


def _caption_id(params: dict, caption: dict) -> str | None:
    """The NHS macro's id for a scrolling table's caption (the scroll region's name)."""
    if not params.get("scroll"):
        return caption.get("id")
    if caption.get("id"):
        return caption["id"]
    if params.get("id"):
        return f"{params['id']}-caption"
    if caption.get("text"):
        return "table-" + str(caption["text"]).replace(" ", "-").lower()[:40] + "-caption"
    return None


def prepare(params: dict) -> Table:
    caption = params.get("caption")
    caption = caption if isinstance(caption, dict) else {"text": caption}
    text = _content(caption) if (caption.get("text") or caption.get("html")) else None
    classes = "nhsuk-table__caption"
    if caption.get("size"):
        classes += f" nhsuk-table__caption--{caption['size']}"
    if caption.get("classes"):
        classes += f" {caption['classes']}"
    head = params.get("head") or []
    first_is_header = params.get("firstCellIsHeader")
    rows = [[_cell(item, "th" if i == 0 and first_is_header else "td",
                   "row" if i == 0 and first_is_header else None,
                   head[i] if i < len(head) else None)
             for i, item in enumerate(row)] for row in params.get("rows") or []]
    return Table(text, _caption_id(params, caption), classes,
                 [_cell(item, "th", "col", None) for item in head], rows)
