"""Values a component is drawn from that a template cannot work out cleanly itself."""
from markupsafe import escape


def bar_chart(rows, title, width=440, bar=24, gap=10) -> dict:
    """The geometry of a horizontal bar chart drawn as SVG on the server (no script, nothing
    inline the CSP refuses), for numbers also shown in a table beside it: rows are
    (label, number). templates/macros/charts.jinja draws it."""
    rows = [(str(label), int(n)) for label, n in rows]
    top = max((n for _, n in rows), default=0) or 1
    label_width = 130
    bars = [{"label": label, "n": n, "y": i * (bar + gap), "x": label_width,
             "width": round((width - label_width - 40) * n / top)}
            for i, (label, n) in enumerate(rows)]
    return {"title": title, "bars": bars, "width": width, "bar": bar,
            "height": len(rows) * (bar + gap), "text_y": bar * 0.7}


def summary_rows(*pairs) -> list[dict]:
    """The NHS summary list's rows from (key, value) pairs; a value may be markup drawn by the
    page (a `{% set %}` block), anything else is escaped. A pair that is None (a row the page
    leaves out) is skipped: `("Decision", decision) if referral.triaged_at else none`."""
    return [{"key": {"text": str(key)}, "value": {"html": escape(value)}}
            for key, value in filter(None, pairs)]
