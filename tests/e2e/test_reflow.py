"""Reflow (WCAG 2.2 1.4.10, issue 33): at 375 CSS pixels no list page scrolls sideways as a
whole, for each role that sees it. A list's rows stack as heading and value (issue 44); a wide
table of figures scrolls inside its own labelled region, which a keyboard user can focus and
scroll."""
import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

NARROW = {"width": 375, "height": 812}
LIST_PAGES = {
    "coordinator": ["/work/", "/referrals/queue/", "/intervenors/waiting/",
                    "/intervenors/capacity/", "/reviews/", "/actions/", "/imports/"],
    "oversight": ["/work/", "/oversight/", "/oversight/outcomes/", "/oversight/themes/",
                  "/oversight/equality/", "/oversight/packs/", "/actions/",
                  "/oversight/trends/", "/oversight/trends/in_lts/", "/oversight/evaluation/"],
    "commissioner": ["/work/", "/referrals/", "/actions/", "/reviews/"],
    "chair": ["/work/", "/reviews/", "/actions/"],
    "intervenor": ["/work/", "/intervenors/caseload/", "/actions/"],
    "wardmanager": ["/work/", "/actions/"],
}


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("role", sorted(LIST_PAGES))
def test_no_list_page_scrolls_sideways_at_375_pixels(page, role):
    page.set_viewport_size(NARROW)
    sign_in(page, role)
    wide = {}
    for path in LIST_PAGES[role]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if page_width(page) > NARROW["width"]:
            wide[path] = page_width(page)
    assert not wide, f"{role}: pages wider than {NARROW['width']} px: {wide}"


def test_the_main_lists_stack_each_row_so_what_matters_is_seen_at_375_pixels(page, keys):
    """Issue 44: the NHS table's responsive form. Each row reads as heading and value, so the
    Triage link, an action's status and a concern's words are on the screen, not off its
    right edge."""
    page.set_viewport_size(NARROW)
    sign_in(page, "coordinator")

    def on_screen(locator):
        expect(locator).to_be_visible()
        box = locator.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"], box

    page.goto("/referrals/queue/")
    first = page.get_by_role("row").nth(1)
    on_screen(first.get_by_role("link", name=re.compile("^Triage")))
    # The column's heading is written beside each value (hidden from screen readers, which
    # read the table's own headers).
    on_screen(first.get_by_text("Person", exact=True))
    assert_accessible(page)
    page.goto("/actions/")
    on_screen(page.get_by_role("row").nth(1).get_by_role("cell").last)
    assert_accessible(page)


def test_a_wide_table_scrolls_in_its_own_region_by_keyboard(page):
    """A table of figures (months across, regions down) keeps its columns and scrolls in its
    own labelled region, which a keyboard user can focus and scroll."""
    page.set_viewport_size(NARROW)
    sign_in(page, "coordinator")
    page.goto("/oversight/")
    regions = page.locator(".nhsuk-scroll__content")
    wide = [regions.nth(i) for i in range(regions.count())
            if regions.nth(i).evaluate("element => element.scrollWidth > element.clientWidth")]
    assert wide, "no table of figures is wider than the screen here"
    region = wide[0]
    region.focus()
    assert region.evaluate("element => element === document.activeElement")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    # Scrolling by key may be smooth: wait for it to move.
    page.wait_for_function("element => element.scrollLeft > 0", arg=region.element_handle())
    assert_accessible(page)


def test_a_table_that_fits_is_not_marked_as_scrolling_on_a_wide_screen(page):
    """The design system shows a shadow at the edge of a region that scrolls: a table that fits
    must not get one (nor scroll by a pixel or two)."""
    page.set_viewport_size({"width": 1280, "height": 1000})
    sign_in(page, "coordinator")
    page.goto("/oversight/")
    region = page.locator(".nhsuk-scroll").first
    expect(region).to_be_visible()
    assert region.evaluate("element => element.scrollWidth <= element.clientWidth")
    expect(page.locator(".nhsuk-scroll").first).not_to_have_class(re.compile("scrollable"))
