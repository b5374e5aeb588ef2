"""A table's parameters, in the NHS `table` macro's shape, made ready to draw.

templates/macros/tables.jinja draws long lists with the same markup as NHS England's table macro
(it says why); this turns the macro-style parameters (head and rows of strings or dicts with
text, html, format, classes, colspan) into plain cells once, so the template's loop only writes
them out.
"""
from dataclasses import dataclass

from markupsafe import Markup, escape

# A responsive table's body cell begins with its column's heading.
HEADING = '<span class="nhsuk-table__heading" aria-hidden="true">{} </span>'


@dataclass(slots=True)
class Cell:
    header: bool        # a <th> (a row's first cell, with firstCellIsHeader), else a <td>
    classes: str
    colspan: int | None
    content: object     # html as Markup, or text the template escapes as it writes it


@dataclass(slots=True)
class Table:
    caption: object         # as a cell's content; None for no caption
    caption_id: str | None
    caption_classes: str
    head: list[Cell]
    rows: list[list[Cell]]
    # Each row stacks as heading and value on a narrow screen (the NHS macro's `responsive`).
    responsive: bool = False


def _content(data: dict):
    """A cell's html, marked safe as the NHS macro marks it, or its text left for the template
    to escape (once: escaping here too would cost a page of 400 cells a second pass)."""
    html = data.get("html")
    if html is not None:
        return html if isinstance(html, Markup) else Markup(html)  # noqa: S704 (html a template drew, as the NHS macro takes it)
    text = data.get("text")
    return "" if text is None else text


def _cell(item, header: bool, head) -> Cell:
    data = item if isinstance(item, dict) else {"text": item}
    base = "nhsuk-table__header" if header else "nhsuk-table__cell"
    numeric = data.get("format", head.get("format") if isinstance(head, dict) else None)
    classes = base + (f" {base}--numeric" if numeric == "numeric" else "")
    if data.get("classes"):
        classes += f" {data['classes']}"
    return Cell(header, classes, data.get("colspan"), _content(data))


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
    responsive = bool(params.get("responsive"))
    rows = [[_cell(item, bool(i == 0 and first_is_header), head[i] if i < len(head) else None)
             for i, item in enumerate(row)] for row in params.get("rows") or []]
    if responsive:
        # Each body cell begins with its column's heading, shown beside the value on a narrow
        # screen and hidden from screen readers (they read the table's own headers); html is
        # wrapped in a span, as the NHS macro does. Made here, once, not per cell in the
        # template: a list page has hundreds of cells.
        headings = [str(escape(_content(h if isinstance(h, dict) else {"text": h})))
                    for h in head]
        for row in rows:
            for i, cell in enumerate(row):
                cell.colspan = None     # a stacked row has no columns to span
                if i < len(headings):
                    value = cell.content
                    inner = f"<span>{value}</span>" if isinstance(value, Markup) \
                        else str(escape(value))
                    # Both parts are escaped here or were drawn by a template.
                    cell.content = Markup(HEADING.format(headings[i]) + inner)  # noqa: S704
    return Table(text, _caption_id(params, caption), classes,
                 [_cell(item, True, None) for item in head], rows, responsive)
