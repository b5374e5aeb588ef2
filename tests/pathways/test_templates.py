"""Every page is built from the design system's components, not hand-written markup.

Pages (everything under templates/ but the components and macros themselves) may not render a
form field raw, nor write the markup a component owns: inputs, selects, textareas, buttons,
tables, summary lists, details, tags, pagination, and in Jinja pages any NHS component's class.
Components come from NHS England's nhsuk-frontend-jinja macros (decision 0019); the few of our
own macros that write component markup live in templates/macros/ and are listed in ALLOWED
with a reason. Exceptions would be listed there too.
"""
import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PAGES = sorted(p for p in [*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.jinja")]
               if "components" not in p.parts)

# The NHS components whose classes only their macros write.
COMPONENTS = ("header", "footer", "button", "input", "select", "textarea", "table", "summary-list",
              "details", "tag", "pagination", "card", "inset-text", "warning-callout",
              "back-link", "breadcrumb", "error-summary", "error-message", "hint", "label",
              "fieldset", "checkboxes", "radios", "date-input", "notification-banner",
              "character-count", "skip-link", "action-link", "scroll", "action-link")

FORBIDDEN = {
    "a form field rendered raw (use form_field or form_fields)":
        re.compile(r"\{\{\s*(form|field|[a-z_]*form)(\.[a-z_]+)*\s*\}\}"),
    "an <input> (use a component)": re.compile(r"<input(?![^>]*type=\"hidden\")"),
    "a <select>": re.compile(r"<select\b"),
    "a <textarea>": re.compile(r"<textarea\b"),
    "a <button> (use a component)": re.compile(r"<button\b"),
    "a <table> (use a component)": re.compile(r"<table\b"),
    "a <caption> (use a component)": re.compile(r"<caption\b"),
    "a <dl> (use the summary list)": re.compile(r"<dl\b"),
    "a <details> (use the details component)": re.compile(r"<details\b"),
    "a hand-made tag": re.compile(r"class=\"[^\"]*\bnhsuk-tag\b"),
    "a hand-made pagination": re.compile(r"nhsuk-pagination"),
    "an NHS component's class (use its macro)":
        re.compile(r"class=\"[^\"]*\bnhsuk-(" + "|".join(COMPONENTS) + r")(__|--|\b)"),
    "a variable written inside a tag's arguments (never rendered: use a filter)":
        re.compile(r"\{%[^%]*\{\{"),
    "a class from the old stylesheet":
        re.compile(r"class=\"(button|tag|panel|summary|lede|muted|field|hint|error-summary|grid-2)\b"),
}

TABLE_RULES = ("a <table> (use a component)", "a <caption> (use a component)",
               "an NHS component's class (use its macro)")
# (page, rule) pairs a page may break, each with its reason.
ALLOWED: set[tuple[str, str]] = {
    # The table for long lists: the NHS table macro's markup, drawn in one loop for speed;
    # tests/pathways/test_tables.py holds it equal to the macro's (decision 0019).
    *(("macros/tables.jinja", rule) for rule in TABLE_RULES),
    # The meeting pack is a printed document (WeasyPrint, its own print stylesheet), not a
    # page: the design system's table carries classes and scrolling wrappers that mean nothing
    # on A4 paper.
    *(("oversight/pack_print.html", rule) for rule in TABLE_RULES),
    *(("oversight/pack_print.jinja", rule) for rule in TABLE_RULES),
}
COMMENTS = re.compile(r"\{% comment %\}.*?\{% endcomment %\}|\{#.*?#\}", re.S)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_pages_use_components(path):
    name = str(path.relative_to(TEMPLATES))
    source = COMMENTS.sub("", path.read_text())
    found = [f"{what}: {m.group(0)!r}" for what, pattern in FORBIDDEN.items()
             for m in pattern.finditer(source) if (name, what) not in ALLOWED]
    assert not found, f"{name} writes component markup by hand:\n" + "\n".join(found)


def test_the_scan_finds_what_it_forbids():
    bad = ('{{ form.reason }}<input name="x"><table><span class="tag error">Overdue</span>'
           '{% tag "Proposed: {{ c.outcome }}" %}<div class="nhsuk-card__content">')
    hits = [what for what, pattern in FORBIDDEN.items() if pattern.search(bad)]
    assert len(hits) == 6, hits
    fine = ('<p class="nhsuk-body-s nhsuk-u-secondary-text-colour">x</p>'
            '<input type="hidden" name="kind" value="queue"><ul class="nhsuk-list">')
    assert not [what for what, pattern in FORBIDDEN.items() if pattern.search(fine)]


def _is_page(path: Path) -> bool:
    return not (path.name.startswith("_") or "includes" in path.parts or "macros" in path.parts)


def test_every_page_extends_the_base_and_says_where_you_are():
    for path in filter(_is_page, PAGES):
        source = path.read_text()
        if "{% extends" in source:
            assert "{% block title %}" in source, f"{path.name} has no page title"


def test_pages_that_show_form_errors_say_so_in_the_title():
    for path in filter(_is_page, PAGES):
        source = path.read_text()
        if "error_summary.html" in source or "error_summary(forms_with_errors)" in source:
            title = re.search(r"\{% block title %\}(.*?)\{% endblock %\}", source).group(1)
            assert "Error: " in title, f"{path.name}: the title does not say there is an error"


def test_the_base_loads_only_our_own_static_files():
    base = (TEMPLATES / "base.jinja").read_text()
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
