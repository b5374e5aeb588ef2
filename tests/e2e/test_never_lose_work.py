"""A chair records a panel across a reload and a timeout without losing a word (issue 44), by
keyboard, with axe. The browser's clock is Playwright's, so half an hour passes in a moment;
the server's own session ends as it would, renewed by each request."""
import pytest
from playwright.sync_api import expect

from reviews.models import Review

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

NOTES = "The person has no community provider, and no budget is agreed."


def test_a_chairs_panel_notes_survive_a_reload_and_the_timeout_warning(page, keys):
    review = Review.objects.filter(status="scheduled", panel__user__username="chair").first()
    page.clock.install()
    sign_in(page, "chair")
    page.goto(f"/reviews/{review.pk}/")
    findings = page.get_by_label("Findings", exact=True)
    keys.type(findings, NOTES)
    keys.tick(page.get_by_label("Funding and commissioning: this is a barrier to change"))
    # Two quiet seconds after the last key, the draft is kept, and the page says so.
    page.clock.run_for(2500)
    expect(page.get_by_text("Draft saved at")).to_be_visible()
    assert_accessible(page)

    page.reload()
    expect(findings).to_have_value(NOTES)
    expect(page.get_by_label("Funding and commissioning: this is a barrier to change")
           ).to_be_checked()
    expect(page.get_by_text("This is your draft, saved at")).to_be_visible()

    # Idle until two minutes are left: the warning opens, focus on "Stay signed in".
    page.clock.run_for("28:01")
    dialog = page.get_by_role("dialog", name="You're about to be signed out")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("2 minutes")
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    assert_accessible(page)
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()

    # Ignored this time: the person is signed out when the time is up, told why, and after
    # signing in again finds their notes where they left them.
    page.clock.run_for("28:01")
    expect(dialog).to_be_visible()
    page.clock.run_for("02:00")
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    expect(page.get_by_text("You were signed out because nothing was done for 30 minutes")
           ).to_be_visible()
    assert_accessible(page)
    keys.type(page.get_by_label("Username"), "chair")
    keys.type(page.get_by_label("Password"), "pathways-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: f"/reviews/{review.pk}/" in url)
    expect(page.get_by_label("Findings", exact=True)).to_have_value(NOTES)
