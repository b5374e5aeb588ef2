"""Every page is built from the design system's components, not hand-written markup.

Pages (everything under templates/ but the components themselves) may not render a form field
raw, nor write the markup a component owns: inputs, selects, textareas, buttons, tables,
summary lists, details, tags, pagination. Exceptions would be listed in ALLOWED with a reason.
"""
import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PAGES = sorted(p for p in TEMPLATES.rglob("*.html") if "components" not in p.parts)

FORBIDDEN = {
    "a form field rendered raw (use {% field %} or {% fields %})":
        re.compile(r"\{\{\s*(form|field|[a-z_]*form)(\.[a-z_]+)*\s*\}\}"),
    "an <input> (use a component)": re.compile(r"<input(?![^>]*type=\"hidden\")"),
    "a <select>": re.compile(r"<select\b"),
    "a <textarea>": re.compile(r"<textarea\b"),
    "a <button> (use {% button %})": re.compile(r"<button\b"),
    "a <table> (use {% table %})": re.compile(r"<table\b"),
    "a <caption> (use {% table_caption %})": re.compile(r"<caption\b"),
    "a <dl> (use {% summary_list %})": re.compile(r"<dl\b"),
    "a <details> (use {% details %})": re.compile(r"<details\b"),
    "a hand-made tag (use {% tag %})": re.compile(r"class=\"[^\"]*\bnhsuk-tag\b"),
    "a hand-made pagination": re.compile(r"nhsuk-pagination"),
    "a variable written inside a tag's arguments (never rendered: use a filter)":
        re.compile(r"\{%[^%]*\{\{"),
    "a class from the old stylesheet":
        re.compile(r"class=\"(button|tag|panel|summary|lede|muted|field|hint|error-summary|grid-2)\b"),
}

# (page, rule) pairs a page may break, each with its reason. The meeting pack is a printed
# document (WeasyPrint, its own print stylesheet), not a page: the design system's table
# component carries classes and scrolling wrappers that mean nothing on A4 paper.
ALLOWED: set[tuple[str, str]] = {
    ("oversight/pack_print.html", "a <table> (use {% table %})"),
    ("oversight/pack_print.html", "a <caption> (use {% table_caption %})"),
}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_pages_use_components(path):
    name = str(path.relative_to(TEMPLATES))
    source = re.sub(r"\{% comment %\}.*?\{% endcomment %\}", "", path.read_text(), flags=re.S)
    found = [f"{what}: {m.group(0)!r}" for what, pattern in FORBIDDEN.items()
             for m in pattern.finditer(source) if (name, what) not in ALLOWED]
    assert not found, f"{name} writes component markup by hand:\n" + "\n".join(found)


def test_the_scan_finds_what_it_forbids():
    bad = ('{{ form.reason }}<input name="x"><table><span class="tag error">Overdue</span>'
           '{% tag "Proposed: {{ c.outcome }}" %}')
    hits = [what for what, pattern in FORBIDDEN.items() if pattern.search(bad)]
    assert len(hits) == 5, hits


def test_every_page_extends_the_base_and_says_where_you_are():
    for path in PAGES:
        source = path.read_text()
        if path.name.startswith("_") or "includes" in path.parts:
            continue
        if path.suffix == ".html" and "{% extends" in source:
            assert "{% block title %}" in source, f"{path.name} has no page title"


def test_pages_that_show_form_errors_say_so_in_the_title():
    for path in PAGES:
        source = path.read_text()
        if "error_summary.html" in source:
            title = re.search(r"\{% block title %\}(.*?)\{% endblock %\}", source).group(1)
            assert "Error: " in title, f"{path.name}: the title does not say there is an error"


def test_the_base_loads_only_our_own_static_files():
    base = (TEMPLATES / "base.html").read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", base)
    assert "vendor/nhsuk-frontend/nhsuk-frontend.min.css" in base
    assert "<script>" not in base and "style=" not in base  # nothing inline, for the CSP


def test_the_vendored_design_system_is_the_pinned_version_and_loads_nothing_from_outside():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "vendor_nhsuk", Path(settings.BASE_DIR) / "ops" / "vendor_nhsuk.py")
    vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor)
    folder = Path(settings.BASE_DIR) / "static" / "vendor" / "nhsuk-frontend"
    assert (folder / "VERSION").read_text().splitlines()[0] == f"nhsuk-frontend {vendor.VERSION}"
    assert "MIT License" in (folder / "LICENCE").read_text()
    css = (folder / "nhsuk-frontend.min.css").read_text()
    assert not re.search(r"url\((https?:)?//", css), "the stylesheet fetches from outside"
    for image in re.findall(r"url\((assets/images/[^)]+)\)", css):
        assert (folder / image).exists(), image
    assert "sourceMappingURL" not in css
