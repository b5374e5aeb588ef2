"""A component drawn once by its NHS macro, with named gaps filled in for each row.

A list draws the same component (a score's "Why" details, a tag) on each of its fifty rows.
NHS England's macros are thorough, and slow for that: each call renders its template afresh, and
a "Why" on every row of the queue cost several milliseconds a page. So a list's template draws
the component once, through the NHS macro, with `gap("name")` where a row's own text goes, and
keeps the result as a `Stencil`; each row then costs a string join, with every value escaped.
The markup is the macro's own, so an upgrade of the macros changes it everywhere.
"""
import re

from markupsafe import Markup, escape

OPEN, CLOSE = "\ue000", "\ue001"     # private-use characters: never in real text
GAP = re.compile(f"{OPEN}([a-z_]+){CLOSE}")


def gap(name: str) -> Markup:
    """Where a row's value goes, passed to the macro as html."""
    return Markup(f"{OPEN}{name}{CLOSE}")  # noqa: S704 (two private-use characters and a name)


class Stencil:
    def __init__(self, drawn):
        parts = GAP.split(str(drawn))
        self._text, self._gaps = parts[0::2], parts[1::2]
        if not self._gaps:
            raise ValueError("a stencil needs at least one gap")

    @property
    def gaps(self) -> tuple[str, ...]:
        return tuple(self._gaps)

    def __call__(self, **values) -> Markup:
        missing = set(self._gaps) - values.keys()
        if missing:
            raise TypeError(f"stencil gaps not filled: {', '.join(sorted(missing))}")
        out = [self._text[0]]
        for name, text in zip(self._gaps, self._text[1:], strict=True):
            out.append(escape(values[name]))
            out.append(text)
        return Markup("".join(out))  # noqa: S704 (the macro's markup, every value escaped)


def stencil(drawn) -> Stencil:
    return Stencil(drawn)
