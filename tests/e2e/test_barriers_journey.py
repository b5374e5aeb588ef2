"""The senior intervenor's casework (issue 45), by keyboard and with axe: the intervenor adds a
milestone, agrees an action with the referring commissioner, records a barrier and escalates
it; the commissioner finds the action in My work and completes it; the oversight group answers
the escalation from My work; the intervenor reads the answer."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import User
from audit.models import Decision

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def h1(page):
    return page.get_by_role("heading", level=1)


def test_an_intervenor_plans_agrees_an_action_and_escalates_a_barrier(page, keys):
    from intervenors.models import IntervenorCase

    sign_in(page, "intervenor")
    keys.press(page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My caseload", exact=True))
    keys.press(page.get_by_role("link", name=re.compile("^PW-")).first)
    expect(h1(page)).to_contain_text("Intervenor case for")
    # A step of the discharge plan, with its owner and target date.
    form = page.locator("form[action$='/milestones/']")
    keys.select(form.get_by_label("Standard milestone"), "Transition visits begun")
    keys.type(form.get_by_label("Who owns it"), "Alex Green, provider manager")
    keys.date("Target date", date.today() + timedelta(days=21), within=form)
    keys.press(form.get_by_role("button", name="Add milestone"))
    expect(page.get_by_role("table", name="Discharge plan milestones")).to_contain_text(
        "Alex Green, provider manager")
    assert_accessible(page)
    # An action agreed with the person's commissioner, followed up like a panel's.
    case = IntervenorCase.objects.select_related("referral__organisation").get(
        pk=re.search(r"/cases/([0-9a-f-]+)/", page.url).group(1))
    commissioner = User.objects.get(groups__name="Commissioner",
                                    organisation=case.referral.organisation)
    form = page.locator("form[action$='/actions/']")
    keys.press(form.get_by_role("button", name="Agree action"))
    expect(page.get_by_role("alert")).to_contain_text("Say what the action is")
    assert_accessible(page)
    form = page.locator("form[action$='/actions/']")
    keys.type(form.get_by_label("What has been agreed"),
              "Bring the two ICBs' funding leads to one meeting this month.")
    owner = form.get_by_label("Named owner")
    keys.select(owner, next(o.strip() for o in owner.locator("option").all_inner_texts()
                            if o.startswith(commissioner.get_full_name())))
    keys.date("Due date", date.today() + timedelta(days=14), within=form)
    keys.select(form.get_by_label("Theme"), "Commissioning and funding")
    keys.press(form.get_by_role("button", name="Agree action"))
    expect(page.get_by_role("table", name="Actions agreed with the local system")
           ).to_contain_text("Bring the two ICBs")
    assert_accessible(page)
    expect(page.get_by_role("heading", name="System barriers")).to_be_visible()
    form = page.locator("form[action$='/barriers/']")
    keys.press(form.get_by_role("button", name="Record barrier"))
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("Choose what kind of barrier it is")
    assert_accessible(page)
    form = page.locator("form[action$='/barriers/']")
    keys.select(form.get_by_label("What kind of barrier"), "Housing")
    keys.type(form.get_by_label("What the barrier is, for this person"),
              "No ground-floor flat with a garden in the home borough.")
    keys.press(form.get_by_role("button", name="Record barrier"))
    expect(page.get_by_role("table", name="System barriers")).to_contain_text(
        "No ground-floor flat")
    keys.press(page.get_by_role("link", name="Housing").last)
    expect(h1(page)).to_contain_text("System barrier for")
    assert_accessible(page)
    keys.type(page.get_by_label("What you need from the oversight group"),
              "The regional housing lead at the next case meeting.")
    keys.press(page.get_by_role("button", name="Escalate"))
    expect(page.get_by_text("waiting for the oversight group's answer")).to_be_visible()
    assert_accessible(page)

    # The commissioner finds the action in My work, marked as the intervenor's, and does it.
    sign_in(page, commissioner.username)
    expect(h1(page)).to_have_text("My work")
    keys.press(page.get_by_role("link", name=re.compile(
        "^Update the action: Bring the two ICBs")).first)
    expect(page.get_by_text("Agreed by the senior intervenor on")).to_be_visible()
    keys.type(page.get_by_label("Update", exact=True), "Both funding leads met on Tuesday.")
    keys.choose(page.get_by_label("Mark as completed (evidence needed)"))
    keys.type(page.get_by_label("Evidence of completion"), "Meeting note agreeing a 50:50 split.")
    keys.press(page.get_by_role("button", name="Post update"))
    expect(page.get_by_text("Completed", exact=True)).to_be_visible()
    assert_accessible(page)

    sign_in(page, "oversight")
    expect(h1(page)).to_have_text("My work")
    keys.press(page.get_by_role("link", name=re.compile(
        "^Answer an escalated system barrier: Housing")).first)
    expect(h1(page)).to_contain_text("System barrier for")
    keys.press(page.get_by_role("button", name="Record the answer"))
    expect(page.get_by_role("alert")).to_contain_text("Say what the group did or will do")
    assert_accessible(page)
    keys.type(page.get_by_label("What the oversight group did or will do"),
              "Raised with the regional director; the housing lead will attend.")
    keys.press(page.get_by_role("button", name="Record the answer"))
    expect(h1(page)).to_have_text("My work")
    answered = Decision.objects.filter(kind="barrier_answered").order_by("-made_at").first()
    assert answered.reason.startswith("Raised with the regional director")

    from intervenors.models import CaseBarrier

    barrier = CaseBarrier.objects.get(pk=answered.subject_id)
    sign_in(page, "intervenor")
    page.goto(f"/cases/{barrier.case_id}/barriers/{barrier.pk}/")
    expect(page.get_by_text("the housing lead will attend").first).to_be_visible()
    assert_accessible(page)
