"""Each capability's main user, in a real browser, asserting what they see."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from intervenors.models import IntervenorCase
from referrals.models import Person, Referral
from reviews.models import Review
from tests.factories import valid_nhs_number

from .conftest import assert_accessible, open_from_menu, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_commissioner_raises_a_referral(page):
    sign_in(page, "commissioner")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    open_from_menu(page, "My organisation's referrals")
    expect(page.get_by_role("heading", level=1)).to_have_text("My organisation's referrals")
    assert_accessible(page)
    page.get_by_role("link", name="Raise a referral").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise a referral")
    assert_accessible(page)

    page.get_by_role("button", name="Raise referral").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_role("alert")).to_contain_text("NHS number: This field is required.")
    assert_accessible(page)

    nhs = valid_nhs_number()
    page.get_by_label("NHS number").fill(nhs)
    page.get_by_label("Date of birth").fill("1991-03-04")
    page.get_by_label("Autism", exact=True).check()
    page.get_by_label("Current unit").select_option(label="Willow Ward (Riverside Health Partnership)")
    page.get_by_label("Date long-term segregation started").fill("2024-01-15")
    page.get_by_label("Both").check()
    page.get_by_label("Why are you referring this person?").fill("No discharge plan.")
    page.locator("#id_concerns-0-description").fill("Family cannot visit.")
    page.get_by_role("button", name="Raise referral").click()

    expect(page.get_by_role("status")).to_contain_text("Referral raised for")
    person = Person.objects.get(nhs_number=nhs)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Referral for {person.reference}")
    expect(page.get_by_text("Awaiting triage").first).to_be_visible()
    assert_accessible(page)


def test_coordinator_triages_the_top_of_the_ranked_queue(page):
    sign_in(page, "coordinator")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    open_from_menu(page, "Triage queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage queue")
    assert_accessible(page)
    first_row = page.locator("table tbody tr").first
    reference = first_row.locator("td").nth(1).locator("a").inner_text()
    first_row.get_by_text("Why").click()
    expect(first_row.get_by_text("Time in long-term segregation:")).to_be_visible()
    assert_accessible(page)

    first_row.get_by_role("link", name=re.compile("Triage")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Triage the referral for {reference}")
    assert_accessible(page)
    page.get_by_label("Decline the referral").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the reason for declining.")
    page.get_by_label("IC(E)TR review").check()
    page.get_by_label("Reason").fill("Top priority: long segregation in an inadequate unit.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text(f"{reference}: Accepted for IC(E)TR")
    referral = Referral.objects.get(person__reference=reference)
    assert referral.status == "accepted" and referral.triaged_by.username == "coordinator"

    page.goto(f"/people/{referral.person_id}/timeline/")
    expect(page.get_by_text("Referral accepted for IC(E)TR review")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=f"Back to {reference}'s record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    assert_accessible(page)
    page.locator("form[action*='/resolve/'] input[name=reason]").first.fill("Visits restored")
    page.get_by_role("button", name="Resolve this concern").first.click()
    expect(page.get_by_role("status")).to_contain_text("Concern resolved")
    assert_accessible(page)


def test_coordinator_assigns_and_the_intervenor_proposes_closure(page):
    sign_in(page, "coordinator")
    page.get_by_role("link", name="Waiting list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Waiting list for a senior intervenor")
    assert_accessible(page)
    page.locator("table tbody tr").first.get_by_role("link", name=re.compile("Assign")).click()
    expect(page.get_by_label(re.compile("Grace Murphy .* \\(full\\)"))).to_be_disabled()
    assert_accessible(page)
    page.get_by_label(re.compile("Iona Campbell")).check()
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_contain_text("assigned to Iona Campbell")
    case = IntervenorCase.objects.get(intervenor__user__username="intervenor3")

    page.get_by_role("link", name="Intervenor capacity").click()
    expect(page.get_by_text("1 of 3").first).to_be_visible()
    assert_accessible(page)

    sign_in(page, "intervenor3")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    open_from_menu(page, "My caseload")
    expect(page.get_by_role("heading", level=1)).to_have_text("My caseload")
    assert_accessible(page)
    page.get_by_role("link", name=case.person.reference).click()
    page.get_by_label("Kind").select_option("visit")
    page.get_by_label("What happened").fill("Visited the ward with the family.")
    page.get_by_role("button", name="Log activity").click()
    expect(page.get_by_text("Visited the ward with the family.")).to_be_visible()
    page.get_by_label("Moved to a less restrictive setting").check()
    page.get_by_label("Summary").fill("Moved to a step-down unit.")
    page.get_by_role("button", name="Propose closure").click()
    expect(page.get_by_role("status")).to_contain_text("Closure proposed")
    assert_accessible(page)


def test_chair_records_the_panel_and_sees_the_checklist(page):
    review = Review.objects.filter(status="scheduled", panel__user__username="chair").first()
    sign_in(page, "chair")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    open_from_menu(page, "My reviews")
    expect(page.get_by_role("heading", level=1)).to_have_text("My reviews")
    assert_accessible(page)
    page.get_by_role("link", name=review.person.reference).first.click()
    assert_accessible(page)
    page.get_by_label("Date the panel was held").fill(str(review.scheduled_for.today()))
    page.get_by_label("Findings").fill("The person has no community provider.")
    page.get_by_label("Funding and commissioning: this is a barrier to change").check()
    page.get_by_label("Funding and commissioning: evidence").fill("No agreed budget.")
    page.get_by_role("button", name="Record panel").click()
    expect(page.get_by_role("status")).to_contain_text("Panel recorded")
    expect(page.get_by_role("heading", name="Barriers to Change Checklist")).to_be_visible()
    expect(page.get_by_role("heading", name="Issue the report")).to_be_visible()
    assert_accessible(page)

    # Issue the report: the first attempt has no due date and is refused with a clear message.
    page.get_by_label("Report summary").fill("A community provider is needed.")
    page.locator("#id_recs-0-text").fill("Commission a community provider.")
    page.locator("#id_recs-0-action_text").fill("Share two provider offers with the family.")
    page.locator("#id_recs-0-owner").select_option(
        label="Amira Khan, Head of learning disability commissioning, North Central London ICB")
    page.get_by_role("button", name="Issue report").click()
    expect(page.get_by_role("alert")).to_contain_text("due date after today")
    due = (date.today() + timedelta(days=28)).isoformat()
    page.locator("#id_recs-0-due_date").fill(due)
    page.get_by_role("button", name="Issue report").click()
    expect(page.get_by_role("status")).to_contain_text("Report issued")
    action_link = page.get_by_role("link", name="Share two provider offers with the family.")
    expect(action_link).to_be_visible()
    assert_accessible(page)
    action_link.click()
    expect(page.get_by_text("Amira Khan, Head of learning disability commissioning, "
                            "North Central London ICB")).to_be_visible()
    assert_accessible(page)


def test_the_owner_completes_an_action_and_someone_else_verifies_it(page):
    from reviews.models import Action

    action = Action.objects.filter(status__in=Action.OPEN_STATUSES,
                                   owner__username="wardmanager").first()
    sign_in(page, "wardmanager")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    open_from_menu(page, "My actions")
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    page.get_by_role("link", name=action.text[:40]).first.click()
    expect(page.get_by_role("heading", name="Post an update")).to_be_visible()
    page.get_by_label("Update", exact=True).fill("Daily plan agreed with the person.")
    page.get_by_label("Mark as completed (evidence needed)").check()
    page.get_by_label("Evidence of completion").fill("Signed activity plan, week 1 log.")
    page.get_by_role("button", name="Post update").click()
    expect(page.get_by_role("status")).to_contain_text("Update posted")
    expect(page.get_by_text("Completed", exact=True)).to_be_visible()
    # The owner is offered no way to verify their own work.
    expect(page.get_by_label("Verify completion")).to_have_count(0)
    assert_accessible(page)

    sign_in(page, "oversight")
    page.goto(f"/actions/{action.pk}/")
    page.get_by_label("Update", exact=True).fill("Evidence checked with the ward.")
    page.get_by_label("Verify completion").check()
    page.get_by_role("button", name="Post update").click()
    expect(page.get_by_role("status")).to_contain_text("Update posted")
    expect(page.get_by_role("definition").filter(has_text="Verified").first).to_be_visible()
    expect(page.get_by_text("by Jo Bennett")).to_be_visible()
    assert_accessible(page)


def test_oversight_follows_up_actions(page):
    sign_in(page, "oversight")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    open_from_menu(page, "Actions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions from IC(E)TR reviews")
    page.get_by_label("Only overdue").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("Overdue").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Equality monitoring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Equality monitoring")
    expect(page.get_by_role("table", name="Ethnicity")).to_be_visible()
    assert_accessible(page)


def test_an_integrator_reads_the_api_docs_under_the_content_security_policy(page):
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Pathways")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill("pathways-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/api/docs/")
    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_text("Pathways API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/queue/").first).to_be_visible()


def test_the_chair_starts_from_my_work_and_sees_where_the_review_stands(page):
    sign_in(page, "chair")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    assert_accessible(page)
    link = page.get_by_role("link", name=re.compile(r"^Record the panel for "))
    reference = re.search(r"PW-\w+", link.first.inner_text()).group(0)
    link.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    progress = page.get_by_role("region", name="Progress")
    expect(progress).to_contain_text("Schedule the panel: done by")
    expect(progress).to_contain_text("Record the panel: Waiting now with")
    assert_accessible(page)


def test_the_commissioner_reads_a_notification_and_lands_on_the_referral(page):
    from accounts.models import User
    from tests.factories import UnitFactory, make_referral
    from workflows import services as flow

    commissioner = User.objects.get(username="commissioner")
    referral = make_referral(by=commissioner, unit=UnitFactory())
    flow.referral_triage(referral=referral, by=User.objects.get(username="coordinator"),
                         route="review", reason="Meets the criteria")
    sign_in(page, "commissioner")
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name=re.compile(r"Notifications \d+ unread"))).to_be_visible()
    header.get_by_role("link", name=re.compile("Notifications")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(
        f"the referral for {referral.person.reference} has been triaged")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Referral for {referral.person.reference}")
    expect(page.get_by_role("region", name="Progress")).to_contain_text("Triage: done by")
    assert_accessible(page)


def test_the_coordinator_takes_on_a_triage_from_my_work(page):
    sign_in(page, "coordinator")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    link = page.get_by_role("link", name=re.compile(r"^Triage the referral for ")).first
    reference = re.search(r"PW-\w+", link.inner_text()).group(0)
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Triage the referral for {reference}")
    claim = page.get_by_role("region", name="Who is working on this")
    expect(claim).to_contain_text("Nobody has taken this on yet.")
    claim.get_by_role("button", name="I'm on it").click()
    expect(page.get_by_role("status")).to_contain_text("You have taken this on")
    expect(page.get_by_role("region", name="Who is working on this")).to_contain_text(
        "You have taken this on")
    assert_accessible(page)
    page.goto("/work/")
    expect(page.get_by_role("row").filter(has_text=reference).first).to_contain_text(
        "Taken on by you")
    assert_accessible(page)


def test_oversight_goes_from_the_dashboard_to_an_organisations_overdue_actions(page):
    sign_in(page, "oversight")
    open_from_menu(page, "Dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme dashboard")
    assert_accessible(page)
    section = page.get_by_role("region", name="Overdue actions by owner's organisation")
    first = section.get_by_role("row").nth(1)
    organisation = first.get_by_role("link").inner_text()
    count = first.locator("td").nth(1).inner_text()
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions from IC(E)TR reviews")
    expect(page.locator("caption")).to_have_text(re.compile(rf"^{count} action"))
    expect(page.get_by_label("Owner's organisation")).to_have_value(re.compile(".+"))
    assert organisation
    assert_accessible(page)
