"""nhsuk-frontend and NHS England's macros for it are one pinned pair (ops/vendor_nhsuk.py)."""
import importlib.util
from importlib.metadata import version
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
spec = importlib.util.spec_from_file_location("vendor_nhsuk", ROOT / "ops" / "vendor_nhsuk.py")
vendor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vendor)


def test_the_pinned_versions_are_a_matching_pair():
    assert vendor.pair_problems() == []


def test_the_macro_package_publishes_the_pair_we_pin():
    pairs = vendor.published_pairs()
    assert pairs[vendor.VERSION] == vendor.JINJA_VERSION
    assert version("nhsuk-frontend-jinja") == vendor.JINJA_VERSION


def test_the_vendored_stylesheet_is_the_pinned_version():
    written = (ROOT / "static" / "vendor" / "nhsuk-frontend" / "VERSION").read_text()
    assert written.startswith(f"nhsuk-frontend {vendor.VERSION}\n")
    css = (ROOT / "static" / "vendor" / "nhsuk-frontend" / "nhsuk-frontend.min.css").read_text()
    assert f'--nhsuk-frontend-version:"{vendor.VERSION}"' in css


def test_a_mismatched_pair_is_refused(monkeypatch):
    monkeypatch.setattr(vendor, "JINJA_VERSION", "0.9.1")
    problems = vendor.pair_problems()
    assert any("installed" in p for p in problems)
    assert any("pairs with" in p for p in problems)
