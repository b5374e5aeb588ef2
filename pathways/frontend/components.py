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


# Making Data Count's colours: grey for common cause, blue for improvement, orange for concern,
# purple where neither direction is better. Each also has its own marker shape, so the chart
# never relies on colour alone.
SPC_STYLES = {
    "common": {"colour": "#768692", "shape": "circle", "words": "Common cause"},
    "improvement": {"colour": "#005eb8", "shape": "square", "words": "Special cause: improvement"},
    "concern": {"colour": "#b35c00", "shape": "triangle", "words": "Special cause: concern"},
    "neutral": {"colour": "#330072", "shape": "diamond", "words": "Special cause"},
}


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    span = high - low or 1
    raw = span / count
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = (low // step) * step
    ticks, value = [], first
    while value <= high + step / 2:
        if value >= low - step / 2:
            ticks.append(value)
        value += step
    return ticks


def spc_chart(months, points, title, *, rebases=(), unit="", width=680, height=260) -> dict:
    """The geometry of an XmR chart drawn as SVG on the server: points joined by a line, the
    mean and the process limits (each rebase segment its own), each point's marker by its
    variation (shape and colour), rebases as labelled vertical lines, and month labels every
    six months. `points` are oversight.spc.Point; templates/macros/charts.jinja draws it."""
    left, right, top, bottom = 56, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [p.value for p in points if p.value is not None]
    limits = [v for p in points for v in (p.lower, p.upper, p.mean) if v is not None]
    low = min(values + limits, default=0)
    high = max(values + limits, default=1)
    low = min(low, 0) if low >= 0 and high > 0 and low < high * 0.3 else low
    ticks = _nice_ticks(low, high)
    low, high = min(ticks[0], low), max(ticks[-1], high)
    step = plot_w / max(len(months) - 1, 1)

    def x(i):
        return round(left + i * step, 1)

    def y(v):
        return round(top + plot_h * (1 - (v - low) / ((high - low) or 1)), 1)

    dots, line, segments = [], [], []
    for i, p in enumerate(points):
        if p.value is None:
            if line:
                segments.append(" ".join(line))
                line = []
            continue
        style = SPC_STYLES[p.variation or "common"]
        dots.append({"x": x(i), "y": y(p.value), "colour": style["colour"],
                     "shape": style["shape"], "label": f"{months[i]:%b %Y}: {p.value:g}"})
        line.append(f"{x(i)},{y(p.value)}")
    if line:
        segments.append(" ".join(line))
    spans = []           # one mean and pair of limits per rebase segment
    for number in sorted({p.segment for p in points if p.mean is not None}):
        where = [i for i, p in enumerate(points) if p.segment == number and p.mean is not None]
        first, last = where[0], where[-1]
        p = points[first]
        span = {"x1": x(first), "x2": x(last) if last > first else x(first) + 4,
                "mean": y(p.mean), "trial": p.trial}
        if p.lower is not None:
            span |= {"lower": y(p.lower), "upper": y(p.upper)}
        spans.append(span)
    marks = [{"x": x(months.index(m)), "label": f"Rebased {m:%b %Y}"}
             for m in rebases if m in months]
    last = len(months) - 1
    labels = [{"x": x(i), "text": f"{m:%b %Y}", "anchor": "end" if i == last else "middle"}
              for i, m in enumerate(months) if (i % 6 == 0 and last - i >= 3) or i == last]
    return {"title": title, "width": width, "height": height, "left": left,
            "right": width - right, "top": top, "bottom": top + plot_h, "dots": dots,
            "lines": segments, "spans": spans, "rebases": marks, "months": labels,
            "ticks": [{"y": y(t), "text": (f"{t:,.0f}" if float(t).is_integer() else f"{t:g}")
                       + ("%" if unit == "%" else "")} for t in ticks],
            "legend": [s for k, s in SPC_STYLES.items()
                       if any(p.variation == k for p in points if p.value is not None)]}


KM_COLOURS = ["#005eb8", "#b35c00", "#330072"]
KM_DASHES = ["", "8 4", "2 3"]


def km_chart(groups, title, *, days=1095, width=680, height=280) -> dict:
    """The geometry of Kaplan–Meier curves drawn as SVG on the server: for each group a step
    line of the share still in LTS against days since referral, each group in its own colour
    and dash pattern (never colour alone), named in the key beneath."""
    left, right, top, bottom = 56, 24, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day):
        return round(left + plot_w * min(day, days) / days, 1)

    def y(share):
        return round(top + plot_h * (1 - share), 1)

    lines = []
    for n, g in enumerate(groups):
        if not g["curve"]:
            continue
        points, last = [], None
        for day, share in g["curve"]:
            if day > days:
                break
            if last is not None:
                points.append(f"{x(day)},{y(last)}")
            points.append(f"{x(day)},{y(share)}")
            last = share
        end = min(g.get("followed_to", 0), days)
        if last is not None and end:
            points.append(f"{x(end)},{y(last)}")
        lines.append({"points": " ".join(points), "colour": KM_COLOURS[n % 3],
                      "dash": KM_DASHES[n % 3], "label": g["label"]})
    return {"title": title, "width": width, "height": height, "left": left,
            "right": left + plot_w, "top": top, "bottom": top + plot_h, "lines": lines,
            "y_ticks": [{"y": y(s), "text": f"{round(s * 100)}%"} for s in (0, .25, .5, .75, 1)],
            "x_ticks": [{"x": x(d), "text": f"{d // 365} year{'s' if d // 365 != 1 else ''}"
                         if d else "Referral"} for d in range(0, days + 1, 365)]}
