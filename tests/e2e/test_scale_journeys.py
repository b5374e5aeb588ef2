"""At scale, the coordinator and the oversight group page through long lists in the browser."""
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from referrals.models import Referral

from .conftest import assert_accessible, open_from_menu, sign_in

# The first cell of a stacked row begins with its hidden column heading ("Rank 51").
RANK_51 = re.compile(r"(^|\s)51\s*$")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def at_scale(settings):
    settings.DEBUG = True
    call_command("seed_demo", force=True, verbosity=0, history=False)
    call_command("seed_scale", people=2000, verbosity=0)
    settings.DEBUG = False


def test_coordinator_pages_through_the_ranked_queue_keeping_the_filters(page, keys, at_scale):
    waiting = Referral.objects.filter(status="submitted").count()
    assert waiting > 50
    sign_in(page, "coordinator")
    open_from_menu(page, "Triage queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage queue")
    expect(page.locator("caption")).to_have_text(f"{waiting} referrals awaiting triage")
    pages = page.get_by_role("navigation", name="Pages of the queue")
    expect(page.get_by_text(f"Showing 1 to 50 of {waiting}.")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(50)
    assert_accessible(page)

    keys.press(pages.get_by_role("link", name="Next page"))
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("table tbody tr").first.locator("td").first).to_have_text(RANK_51)
    expect(page.get_by_role("navigation", name="Pages of the queue").locator(
        "[aria-current=page]")).to_have_accessible_name("Page 2")
    assert_accessible(page)

    # A filter then a page: the filter stays in the page links.
    keys.select(page.get_by_label("Age band"), "18 and over")
    keys.press(page.get_by_role("button", name="Apply filters"))
    expect(page).to_have_url(re.compile(r"age_band=adult"))
    adults = page.locator("caption").inner_text()
    next_link = page.get_by_role("navigation", name="Pages of the queue").get_by_role(
        "link", name="Next page")
    assert "age_band=adult" in next_link.get_attribute("href")
    keys.press(next_link)
    expect(page.locator("caption")).to_have_text(adults)
    expect(page.locator("table tbody tr").first.locator("td").first).to_have_text(RANK_51)


def test_oversight_reaches_a_deep_page_of_actions(page, keys, at_scale):
    sign_in(page, "oversight")
    page.goto("/actions/?overdue=on")
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions from reviews and senior intervenors")
    nav = page.get_by_role("navigation", name="Pages of actions")
    expect(page.get_by_text(re.compile(r"^Showing 1 to 50 of \d+\.$"))).to_be_visible()
    assert_accessible(page)
    last = nav.get_by_role("link", name=re.compile(r"^Page \d+$")).last
    number = last.inner_text().strip()
    keys.press(last)
    expect(page).to_have_url(re.compile(rf"overdue=on.*page={number}|page={number}.*overdue=on"))
    expect(page.locator("table tbody tr").first).to_contain_text("Overdue")
    assert_accessible(page)
