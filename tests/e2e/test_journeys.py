"""Each capability's main user, in a real browser, by keyboard alone, asserting what they see.

Every journey moves with the Tab key and operates controls with keys (tests/e2e/keyboard.py);
every page it visits is checked with axe (WCAG 2.2 A and AA) and under the CSP (conftest).
"""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import User
from intervenors.models import IntervenorCase
from pathways.text import shortened
from referrals.models import Person, Referral
from reviews.models import Action, Review
from tests.factories import valid_nhs_number

from .conftest import assert_accessible, open_from_menu, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

OWNER = "Amira Khan, Head of learning disability commissioning, North Central London ICB"


def h1(page):
    return page.get_by_role("heading", level=1)


def banner(page):
    return page.get_by_role("status")


def test_commissioner_raises_a_referral(page, keys):
    sign_in(page, "commissioner")
    expect(h1(page)).to_have_text("My work")
    keys.skip_to_main()
    open_from_menu(page, "My organisation's referrals")
    expect(h1(page)).to_have_text("My organisation's referrals")
    expect(page).to_have_title("My organisation's referrals – Pathways – NHS")
    assert_accessible(page)
    keys.press(page.get_by_role("main").get_by_role("link", name="Raise a referral"))
    expect(h1(page)).to_have_text("Raise a referral")
    assert_accessible(page)

    keys.press(page.get_by_role("button", name="Raise referral"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    # What to do, in the design system's words, not Django's "This field is required."
    expect(summary).to_contain_text("Enter the person's NHS number")
    expect(page).to_have_title(re.compile(r"^Error: Raise a referral"))
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()  # focus moved to the summary
    assert_accessible(page)
    keys.press(summary.get_by_role("link", name="Enter the person's NHS number"),
               navigates=False)
    expect(page.get_by_label("NHS number", exact=True)).to_be_focused()  # the link takes you to the field

    nhs = valid_nhs_number()
    keys.type(page.get_by_label("NHS number", exact=True), nhs)
    keys.date("Date of birth", date(1991, 3, 4))
    keys.choose(page.get_by_label("Autism", exact=True))
    keys.select(page.get_by_label("Current unit"), "Willow Ward (Riverside Health Partnership)")
    keys.date("Date long-term segregation started", date(2024, 1, 15))
    keys.choose(page.get_by_label("IC(E)TR review and senior intervenor"))
    keys.type(page.get_by_label("Why are you referring this person?"), "No discharge plan.")
    keys.type(page.locator("#id_concerns-0-description"), "Family cannot visit.")
    keys.press(page.get_by_role("button", name="Raise referral"))

    expect(banner(page)).to_contain_text("Referral raised for")
    person = Person.objects.get(nhs_number=nhs)
    assert person.date_of_birth == date(1991, 3, 4)
    expect(h1(page)).to_have_text(f"Referral for {person.reference}")
    expect(page.get_by_text("Awaiting triage").first).to_be_visible()
    assert_accessible(page)


def test_a_date_that_is_not_real_is_refused_with_the_design_systems_message(page, keys):
    sign_in(page, "commissioner")
    page.goto("/referrals/new/")
    keys.date("Date of birth", date(1991, 2, 28))
    keys.type(page.get_by_role("group", name="Date of birth").get_by_label("Day"), "31")
    keys.press(page.get_by_role("button", name="Raise referral"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Date of birth must be a real date, like 27 3 2025")
    # What was typed is still there to correct, and the error links to the day box.
    group = page.get_by_role("group", name="Date of birth")
    expect(group.get_by_label("Day")).to_have_value("31")
    expect(group.get_by_label("Year")).to_have_value("1991")
    keys.press(page.get_by_role("link", name="Date of birth must be a real date, like 27 3 2025"),
               navigates=False)
    expect(group.get_by_label("Day")).to_be_focused()
    assert_accessible(page)


def test_coordinator_triages_the_top_of_the_ranked_queue(page, keys):
    sign_in(page, "coordinator")
    expect(h1(page)).to_have_text("My work")
    open_from_menu(page, "Triage queue")
    expect(h1(page)).to_have_text("Triage queue")
    assert_accessible(page)
    first_row = page.locator("table tbody tr").first
    reference = first_row.locator("td").nth(1).locator("a").inner_text()
    keys.press(first_row.locator("summary"), navigates=False)
    expect(first_row.get_by_text("Time in long-term segregation:")).to_be_visible()
    assert_accessible(page)

    keys.press(first_row.get_by_role("link", name=re.compile("Triage")))
    expect(h1(page)).to_have_text(f"Triage the referral for {reference}")
    assert_accessible(page)
    keys.choose(page.get_by_label("Decline the referral"))
    keys.press(page.get_by_role("button", name="Record decision"))
    expect(page.get_by_role("alert")).to_contain_text("Give the reason for declining.")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    keys.choose(page.get_by_label("IC(E)TR review", exact=True))
    keys.type(page.get_by_label("Reason"), "Top priority: long segregation in an inadequate unit.")
    keys.press(page.get_by_role("button", name="Record decision"))
    expect(banner(page)).to_contain_text(f"{reference}: Accepted for IC(E)TR")
    referral = Referral.objects.get(person__reference=reference)
    assert referral.status == "accepted" and referral.triaged_by.username == "coordinator"
    # One click on to the next step: the new review's panel.
    keys.press(banner(page).get_by_role("link", name="Schedule the panel"))
    expect(h1(page)).to_contain_text(reference)
    expect(page.get_by_role("heading", name="Schedule the panel")).to_be_visible()
    assert_accessible(page)
    panel_date = schedule_panel(page, keys)
    expect(banner(page)).to_contain_text(f"Panel scheduled for {panel_date:%d %b %Y}")
    assert referral.reviews.get().status == "scheduled"

    page.goto(f"/people/{referral.person_id}/timeline/")
    expect(page.get_by_text("Referral accepted for IC(E)TR review")).to_be_visible()
    assert_accessible(page)

    keys.press(page.get_by_role("link", name=f"Back to {reference}'s record"))
    expect(h1(page)).to_have_text(reference)
    assert_accessible(page)
    keys.type(page.locator("form[action*='/resolve/'] input[name=reason]").first,
              "Visits restored")
    keys.press(page.get_by_role("button", name="Resolve this concern").first)
    expect(banner(page)).to_contain_text("Concern resolved")
    assert_accessible(page)


def schedule_panel(page, keys) -> date:
    """Fill in and send the review page's "Schedule the panel" form, by keyboard."""
    chair, expert = User.objects.get(username="chair"), User.objects.get(username="expert")
    panel_date = date.today() + timedelta(days=14)
    keys.date("Panel date", panel_date)
    keys.select(page.get_by_label("Chair (CQC Mental Health Act Reviewer)"), str(chair))
    keys.select(page.get_by_label("Expert by experience", exact=True), str(expert))
    keys.type(page.get_by_label("Clinical expert (name)"), "Dr Sam Reid (fictional)")
    keys.type(page.get_by_label("Reasonable adjustments for the person"), "A quiet room.")
    keys.tick(page.get_by_label("Consent (or a best-interests decision) is recorded"))
    keys.press(page.get_by_role("button", name="Schedule panel"))
    return panel_date


def test_coordinator_schedules_a_panel(page, keys):
    review = Review.objects.filter(status="requested", kind="ictr").select_related(
        "person").first()
    reference = review.person.reference
    sign_in(page, "coordinator")
    keys.press(page.get_by_role("link", name=f"Schedule the panel for {reference}"))
    expect(h1(page)).to_contain_text(reference)
    assert_accessible(page)
    panel_date = schedule_panel(page, keys)
    expect(banner(page)).to_contain_text(f"Panel scheduled for {panel_date:%d %b %Y}")
    review.refresh_from_db()
    assert review.status == "scheduled" and review.scheduled_for == panel_date
    expect(page.get_by_role("region", name="Progress")).to_contain_text(
        "Schedule the panel: done by")
    assert_accessible(page)


def test_coordinator_assigns_the_intervenor_works_and_the_closure_is_confirmed(page, keys):
    sign_in(page, "coordinator")
    open_from_menu(page, "Waiting list")
    expect(h1(page)).to_have_text("Waiting list for a senior intervenor")
    assert_accessible(page)
    keys.press(page.locator("table tbody tr").first.get_by_role("link", name=re.compile("Assign")))
    expect(page.get_by_label(re.compile("Grace Murphy .* \\(full\\)"))).to_be_disabled()
    assert_accessible(page)
    # Iona Campbell has free places but does not cover the person's region: say why.
    keys.choose(page.get_by_label(re.compile("Iona Campbell")))
    keys.press(page.get_by_role("button", name="Assign"))
    expect(page.get_by_role("alert")).to_contain_text("Iona Campbell does not cover")
    assert_accessible(page)
    keys.choose(page.get_by_label(re.compile("Iona Campbell")))
    keys.type(page.get_by_label("Reason"), "The only intervenor with a free place this month.")
    keys.press(page.get_by_role("button", name="Assign"))
    expect(banner(page)).to_contain_text("assigned to Iona Campbell")
    case = IntervenorCase.objects.get(intervenor__user__username="intervenor3")

    open_from_menu(page, "Intervenor capacity")
    expect(page.get_by_text("1 of 3").first).to_be_visible()
    assert_accessible(page)

    sign_in(page, "intervenor3")
    expect(h1(page)).to_have_text("My work")
    open_from_menu(page, "My caseload")
    expect(h1(page)).to_have_text("My caseload")
    assert_accessible(page)
    keys.press(page.get_by_role("link", name=case.person.reference))
    keys.select(page.get_by_label("Kind"), "Visit")
    keys.date("Date", date.today())
    keys.type(page.get_by_label("What happened"), "Visited the ward with the family.")
    keys.press(page.get_by_role("button", name="Log activity"))
    expect(banner(page)).to_contain_text("Activity logged.")
    expect(page.get_by_text("Visited the ward with the family.")).to_be_visible()
    keys.choose(page.get_by_label("Moved to a less restrictive setting"))
    keys.type(page.get_by_label("Summary"), "Moved to a step-down unit.")
    keys.press(page.get_by_role("button", name="Propose closure"))
    expect(banner(page)).to_contain_text("Closure proposed")
    assert_accessible(page)

    sign_in(page, "coordinator")
    keys.press(page.get_by_role("link", name=f"Confirm the closure for {case.person.reference}"))
    keys.choose(page.get_by_label("Confirm the closure and free the place"))
    keys.press(page.get_by_role("button", name="Record decision"))
    expect(banner(page)).to_contain_text("Case closed; Iona Campbell has a free place.")
    case.refresh_from_db()
    assert case.status == "closed"
    assert_accessible(page)


def _record_the_panel(page, keys, axe=True):
    """The chair records a panel. axe runs in the page, so not where scripts are off."""
    check = assert_accessible if axe else (lambda page: None)
    review = Review.objects.filter(status="scheduled", panel__user__username="chair").first()
    sign_in(page, "chair")
    expect(h1(page)).to_have_text("My work")
    open_from_menu(page, "My reviews")
    expect(h1(page)).to_have_text("My reviews")
    check(page)
    keys.press(page.get_by_role("link", name=review.person.reference))
    check(page)
    keys.date("Date the panel was held", date.today())
    keys.type(page.get_by_label("Findings", exact=True), "The person has no community provider.")
    keys.tick(page.get_by_label("The person took part"))
    keys.type(page.get_by_label("What matters to me and what I want to happen next"),
              "I want to live near my sister.")
    keys.choose(page.get_by_label("In the person's own words"))
    keys.tick(page.get_by_label("Funding and commissioning: this is a barrier to change"))
    keys.type(page.get_by_label("Funding and commissioning: evidence"), "No agreed budget.")
    keys.press(page.get_by_role("button", name="Record panel"))
    expect(banner(page)).to_contain_text("Panel recorded")
    expect(page.get_by_role("heading", name="Barriers to Change Checklist")).to_be_visible()
    expect(page.locator("blockquote")).to_contain_text("I want to live near my sister.")
    expect(page.get_by_role("heading", name="Issue the report")).to_be_visible()
    check(page)
    return review


def test_chair_records_the_panel_and_issues_the_report_adding_recommendations(page, keys):
    _record_the_panel(page, keys)
    keys.type(page.get_by_label("Report summary"), "A community provider is needed.")
    first = page.get_by_role("group", name="Recommendation 1")
    keys.type(first.get_by_label("Recommendation", exact=True), "Commission a community provider.")
    keys.select(first.get_by_label("Theme", exact=True), "Housing and provider market")
    keys.type(first.get_by_label("Action", exact=True), "Share two provider offers with the family.")
    keys.select(first.get_by_label("Named owner", exact=True), OWNER)

    # One recommendation block to start; "Add another" adds the next one here, and moves focus.
    keys.press(page.get_by_role("button", name="Add another recommendation"), navigates=False)
    second = page.get_by_role("group", name="Recommendation 2")
    expect(second).to_be_visible()
    expect(second.locator("legend").first).to_be_focused()
    keys.type(second.get_by_label("Recommendation", exact=True),
              "Review the segregation plan weekly.")
    keys.select(second.get_by_label("Theme", exact=True), "Clinical and therapeutic")
    keys.type(second.get_by_label("Action", exact=True), "Weekly review of the plan with the person.")
    keys.select(second.get_by_label("Named owner", exact=True), OWNER)
    due = date.today() + timedelta(days=28)
    keys.date("Due date", due, within=second)
    assert_accessible(page)

    # The first recommendation's action has no due date: refused, nothing lost.
    keys.press(page.get_by_role("button", name="Issue report"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Due date for recommendation 1: enter a date after today")
    expect(page.get_by_role("group", name="Recommendation 1")).to_contain_text(
        "Due date for recommendation 1: enter a date after today")
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page.get_by_role("group", name="Recommendation 2").get_by_label(
        "Recommendation", exact=True)).to_have_value("Review the segregation plan weekly.")
    keys.date("Due date", due, within=page.get_by_role("group", name="Recommendation 1"))
    # The owner's ICB is not this person's commissioner: the chair says why they own it.
    expect(page.get_by_role("alert")).to_contain_text(
        "Why this owner for recommendation 1: North Central London ICB has no link to this "
        "person")
    for n in (1, 2):
        keys.type(page.get_by_role("group", name=f"Recommendation {n}").get_by_label(
            "Why this owner", exact=True), "Their ICB will fund the community package.")
    keys.press(page.get_by_role("button", name="Issue report"))
    expect(banner(page)).to_contain_text("Report issued")
    action_link = page.get_by_role("link", name="Share two provider offers with the family.")
    expect(action_link).to_be_visible()
    expect(page.get_by_role("link", name="Weekly review of the plan with the person.")).to_be_visible()
    assert_accessible(page)
    keys.press(action_link)
    expect(page.get_by_text(OWNER)).to_be_visible()
    assert_accessible(page)
    from reviews.models import Recommendation
    assert Recommendation.objects.get(text="Commission a community provider.").theme.name == \
        "Housing and provider market"


def test_without_javascript_add_another_recommendation_keeps_what_was_typed(browser, site):
    context = browser.new_context(base_url=site, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    from .keyboard import Keyboard

    keys = Keyboard(page)
    try:
        _record_the_panel(page, keys, axe=False)
        keys.type(page.get_by_label("Report summary"), "A community provider is needed.")
        keys.type(page.get_by_role("group", name="Recommendation 1").get_by_label(
            "Recommendation", exact=True), "Commission a community provider.")
        keys.press(page.get_by_role("button", name="Add another recommendation"))
        expect(page.get_by_role("group", name="Recommendation 2")).to_be_visible()
        expect(page.get_by_label("Report summary")).to_have_value("A community provider is needed.")
        expect(page.get_by_role("group", name="Recommendation 1").get_by_label(
            "Recommendation", exact=True)).to_have_value("Commission a community provider.")
        expect(page.get_by_role("alert")).to_have_count(0)  # adding a block is not an error
    finally:
        context.close()


def test_the_owner_completes_an_action_and_someone_else_verifies_it(page, keys):
    from referrals.identity import identity_for
    from reviews.models import Action

    action = Action.objects.filter(status__in=Action.OPEN_STATUSES, case__isnull=True,
                                   owner__username="wardmanager").first()
    sign_in(page, "wardmanager")
    expect(h1(page)).to_have_text("My work")
    open_from_menu(page, "My actions")
    expect(h1(page)).to_have_text("My actions")
    keys.press(page.get_by_role("link", name=action.text[:40]))
    expect(page.get_by_role("heading", name="Post an update")).to_be_visible()
    # Who it is for, at a glance: initials, unit and reference, and the recommendation.
    person = action.person
    who = identity_for(action.owner, person, owns_action=True)
    banner_ = page.get_by_role("region", name="Who this page is about")
    expect(banner_).to_contain_text(who.name)
    expect(banner_).to_contain_text(person.current_unit.name)
    expect(banner_).to_contain_text(person.reference)
    expect(banner_).not_to_contain_text("NHS number")
    expect(page.get_by_text(f"Recommendation {action.recommendation.number}:")).to_be_visible()
    keys.type(page.get_by_label("Update", exact=True), "Daily plan agreed with the person.")
    keys.choose(page.get_by_label("Mark as completed (evidence needed)"))
    keys.type(page.get_by_label("Evidence of completion"), "Signed activity plan, week 1 log.")
    keys.press(page.get_by_role("button", name="Post update"))
    expect(banner(page)).to_contain_text("Update posted")
    expect(page.get_by_text("Completed", exact=True)).to_be_visible()
    # The owner is offered no way to verify their own work.
    expect(page.get_by_label("Verify completion")).to_have_count(0)
    assert_accessible(page)

    sign_in(page, "oversight")
    page.goto(f"/actions/{action.pk}/")
    # The oversight group keeps the pseudonymous reference.
    expect(page.get_by_role("region", name="Who this page is about")).to_have_count(0)
    keys.type(page.get_by_label("Update", exact=True), "Evidence checked with the ward.")
    keys.choose(page.get_by_label("Verify completion"))
    keys.press(page.get_by_role("button", name="Post update"))
    expect(banner(page)).to_contain_text("Update posted")
    expect(page.get_by_role("definition").filter(has_text="Verified").first).to_be_visible()
    expect(page.get_by_text("by Jo Bennett")).to_be_visible()
    assert_accessible(page)


def test_oversight_follows_up_actions(page, keys):
    sign_in(page, "oversight")
    expect(h1(page)).to_have_text("My work")
    open_from_menu(page, "Actions")
    expect(h1(page)).to_have_text("Actions from reviews and senior intervenors")
    keys.tick(page.get_by_label("Only overdue"))
    keys.press(page.get_by_role("button", name="Apply filters"))
    expect(page.get_by_text("Overdue").first).to_be_visible()
    assert_accessible(page)
    open_from_menu(page, "Equality monitoring")
    expect(h1(page)).to_have_text("Equality monitoring")
    # The demo's cohort is small: ethnicity reads by broad group (issue 44).
    expect(page.get_by_role("table", name="Ethnic group (broad)", exact=True)).to_be_visible()
    expect(page.get_by_role("table", name="Sex", exact=True)).to_be_visible()
    assert_accessible(page)


def test_oversight_exports_the_overdue_actions_and_downloads_the_file(page, keys):
    overdue = Action.objects.filter(status__in=Action.OPEN_STATUSES,
                                    due_date__lt=date.today()).count()
    assert overdue
    sign_in(page, "oversight")
    open_from_menu(page, "Actions")
    keys.tick(page.get_by_label("Only overdue"))
    keys.press(page.get_by_role("button", name="Apply filters"))
    keys.press(page.get_by_role("button", name="Download these actions as CSV"))
    # Written by a worker (in-process here), then ready to download.
    expect(h1(page)).to_have_text("Export: Actions")
    expect(page.get_by_text("with overdue only")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Ready: {overdue} row")
    assert_accessible(page)
    link = page.get_by_role("link", name=re.compile(r"^Download actions-.*\.csv \(CSV, "))
    with page.expect_download() as download:
        keys.press(link, navigates=False)
    with open(download.value.path(), encoding="utf-8") as file:
        lines = file.read().splitlines()
    assert lines[0].startswith("person,action,") and len(lines) == 1 + overdue
    # The notification says it is ready, and leads back to it; the list of one's exports too.
    header = page.get_by_role("banner")
    keys.press(header.get_by_role("link", name=re.compile("Notifications")))
    keys.press(page.get_by_role("link", name=re.compile("your export is ready")))
    expect(h1(page)).to_have_text("Export: Actions")
    keys.press(page.get_by_role("link", name="Back to your exports"))
    expect(h1(page)).to_have_text("Your exports")
    expect(page.get_by_role("table")).to_contain_text("Ready")
    assert_accessible(page)


def test_an_integrator_reads_the_api_docs_under_the_content_security_policy(page, keys):
    page.goto("/api/docs/")
    expect(h1(page)).to_have_text("Sign in to Pathways")
    keys.type(page.get_by_label("Username"), "coordinator")
    keys.type(page.get_by_label("Password"), "pathways-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.endswith("/api/docs/") and "next=" not in url)
    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_text("Pathways API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/queue/").first).to_be_visible()


def test_the_chair_starts_from_my_work_and_sees_where_the_review_stands(page, keys):
    sign_in(page, "chair")
    expect(h1(page)).to_have_text("My work")
    assert_accessible(page)
    link = page.get_by_role("link", name=re.compile(r"^Record the panel for "))
    reference = re.search(r"PW-\w+", link.first.inner_text()).group(0)
    keys.press(link)
    expect(h1(page)).to_contain_text(reference)
    progress = page.get_by_role("region", name="Progress")
    expect(progress).to_contain_text("Schedule the panel: done by")
    expect(progress).to_contain_text("Record the panel: Waiting now with")
    assert_accessible(page)


def test_the_commissioner_reads_a_notification_and_lands_on_the_referral(page, keys):
    from tests.factories import UnitFactory, make_referral
    from workflows import services as flow

    commissioner = User.objects.get(username="commissioner")
    referral = make_referral(by=commissioner, unit=UnitFactory())
    flow.referral_triage(referral=referral, by=User.objects.get(username="coordinator"),
                         route="review", reason="Meets the criteria")
    sign_in(page, "commissioner")
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name=re.compile(r"Notifications \(\d+ unread\)"))).to_be_visible()
    keys.press(header.get_by_role("link", name=re.compile("Notifications")))
    expect(h1(page)).to_have_text("Notifications")
    assert_accessible(page)
    keys.press(page.get_by_role("link", name=re.compile(
        f"the referral for {referral.person.reference} has been triaged")))
    expect(h1(page)).to_have_text(f"Referral for {referral.person.reference}")
    expect(page.get_by_role("region", name="Progress")).to_contain_text("Triage: done by")
    assert_accessible(page)


def test_the_coordinator_takes_on_a_triage_from_my_work(page, keys):
    sign_in(page, "coordinator")
    expect(h1(page)).to_have_text("My work")
    link = page.get_by_role("link", name=re.compile(r"^Triage the referral for ")).first
    reference = re.search(r"PW-\w+", link.inner_text()).group(0)
    keys.press(link)
    expect(h1(page)).to_have_text(f"Triage the referral for {reference}")
    claim = page.get_by_role("region", name="Who is working on this")
    expect(claim).to_contain_text("Nobody has taken this on yet.")
    keys.press(claim.get_by_role("button", name="I'm on it"))
    expect(banner(page)).to_contain_text("You have taken this on")
    expect(page.get_by_role("region", name="Who is working on this")).to_contain_text(
        "You have taken this on")
    assert_accessible(page)
    page.goto("/work/")
    expect(page.get_by_role("row").filter(has_text=reference).first).to_contain_text(
        "Taken on by you")
    assert_accessible(page)


def test_oversight_goes_from_the_dashboard_to_an_organisations_overdue_actions(page, keys):
    sign_in(page, "oversight")
    open_from_menu(page, "Dashboard")
    expect(h1(page)).to_have_text("Programme dashboard")
    assert_accessible(page)
    section = page.get_by_role("region", name="Overdue actions by owner's organisation")
    first = section.get_by_role("row").nth(1)
    organisation = first.get_by_role("link").inner_text()
    count = first.locator("td").nth(1).inner_text()
    keys.press(first.get_by_role("link"))
    expect(h1(page)).to_have_text("Actions from reviews and senior intervenors")
    expect(page.locator("caption")).to_have_text(re.compile(rf"^{count} action"))
    expect(page.get_by_label("Owner's organisation")).to_have_value(re.compile(".+"))
    assert organisation
    assert_accessible(page)


def test_oversight_goes_from_the_dashboard_to_an_escalated_action_and_the_meeting_pack(
        page, keys):
    from workflows.deadlines import sweep_action_deadlines

    assert sweep_action_deadlines()["escalated"] >= 1     # the demo's long-overdue action
    action = Action.objects.filter(escalated_at__isnull=False).select_related(
        "person").first()
    reference = action.person.reference
    sign_in(page, "oversight")
    expect(h1(page)).to_have_text("My work")
    # Each item names the action by its words (round 4): several for one person differ.
    expect(page.get_by_role("link", name=f"Follow up the escalated action: "
                                         f"{shortened(action.text)} for {reference}")
           ).to_be_visible()
    # From the dashboard: the owner's organisation's overdue actions, then the escalated one.
    open_from_menu(page, "Dashboard")
    expect(h1(page)).to_have_text("Programme dashboard")
    section = page.get_by_role("region", name="Overdue actions by owner's organisation")
    keys.press(section.get_by_role("link", name=action.owner_organisation.name))
    expect(h1(page)).to_have_text("Actions from reviews and senior intervenors")
    assert_accessible(page)
    first_words = " ".join(action.text.split()[:4])
    keys.press(page.get_by_role("link", name=re.compile("^" + re.escape(first_words))).first)
    expect(h1(page)).to_have_text(f"Action for {reference}")
    expect(page.get_by_text("Escalated", exact=True)).to_be_visible()
    assert_accessible(page)
    form = page.locator("form[action$='/escalation/']")
    keys.choose(form.get_by_label("Agreed a new due date"))
    keys.type(form.get_by_label("What was done, and why"),
              "The ICB agreed to fund the community package at the regional call.")
    keys.date("Look at it again on", date.today() + timedelta(days=14), within=form)
    keys.press(page.get_by_role("button", name="Record what was done"))
    expect(page.get_by_role("alert")).to_contain_text("Give the new due date that was agreed")
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert_accessible(page)
    new_date = date.today() + timedelta(days=28)
    form = page.locator("form[action$='/escalation/']")
    keys.date("New due date", new_date, within=form)
    keys.press(page.get_by_role("button", name="Record what was done"))
    expect(banner(page)).to_contain_text("The new due date starts the reminders again.")
    expect(page.get_by_role("heading", name="What the oversight group did")).to_be_visible()
    expect(page.get_by_text(f"to {new_date:%-d %b %Y}")).to_be_visible()
    assert_accessible(page)
    action.refresh_from_db()
    assert action.due_date == new_date and action.escalated_at is None

    page.goto(f"/people/{action.person_id}/timeline/?kind=decision")
    expect(page.get_by_text("Escalation followed up: agreed a new due date")).to_be_visible()
    assert_accessible(page)

    # Then the pack for the group's meeting: built in the background, then downloaded.
    open_from_menu(page, "Meeting packs")
    expect(h1(page)).to_have_text("Meeting packs")
    assert_accessible(page)
    keys.select(page.get_by_label("Period"), "The last 12 months")
    keys.press(page.get_by_role("button", name="Make the meeting pack"))
    expect(h1(page)).to_have_text("Meeting pack: The last 12 months")
    expect(page.get_by_role("status")).to_contain_text("Ready")
    assert_accessible(page)
    # The PDF opens in the browser from "Open the meeting pack"; "download it" keeps a copy.
    expect(page.get_by_role("link", name="Open the meeting pack (PDF)")).to_be_visible()
    link = page.get_by_role("link", name="download it")
    with page.expect_download() as download:
        keys.press(link, navigates=False)
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_oversight_reads_the_themes_and_records_a_learning_note(page, keys):
    sign_in(page, "oversight")
    open_from_menu(page, "Themes")
    expect(h1(page)).to_have_text("Themes of learning")
    expect(page.get_by_role("table", name=re.compile("^All time"))).to_contain_text(
        "Housing and provider market")
    assert_accessible(page)
    keys.select(page.get_by_label("Region"), "London")
    keys.press(page.get_by_role("button", name="Apply filters"))
    expect(page.get_by_role("table", name=re.compile("^All time, London"))).to_be_visible()
    keys.press(page.get_by_role("link", name="Housing and provider market"))
    expect(h1(page)).to_have_text("Housing and provider market")
    expect(page.get_by_text("No learning notes yet.")).to_be_visible()
    assert_accessible(page)
    keys.press(page.get_by_role("button", name="Record learning note"))
    expect(page.get_by_role("alert")).to_contain_text("Write the learning note")
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    keys.type(page.get_by_label("Learning note"),
              "Providers will not bid without capital funding: raise with the regions.")
    keys.press(page.get_by_role("button", name="Record learning note"))
    expect(banner(page)).to_contain_text("Learning note recorded.")
    expect(page.locator(".app-timeline")).to_contain_text("Providers will not bid")
    assert_accessible(page)


def test_coordinator_records_that_lts_ended_and_reads_the_outcomes(page, keys):
    person = Person.objects.filter(lts_episodes__end_date__isnull=True,
                                   referrals__status="accepted").first()
    sign_in(page, "coordinator")
    page.goto(f"/people/{person.pk}/")
    keys.press(page.locator("summary", has_text="Record that long-term segregation ended"),
               navigates=False)
    keys.date("Date long-term segregation ended", date.today() + timedelta(days=1))
    ended = page.locator("form[action$='/lts/end/']")
    keys.choose(ended.get_by_label("Moved to a less restrictive setting"))
    keys.type(ended.get_by_label("How you know, or what happened"), "Moved to a step-down ward.")
    keys.press(page.get_by_role("button", name="Record the end"))
    expect(page.get_by_role("alert")).to_contain_text("cannot be in the future")
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert_accessible(page)
    keys.date("Date long-term segregation ended", date.today())
    keys.press(page.get_by_role("button", name="Record the end"))
    expect(banner(page)).to_contain_text("Recorded that long-term segregation ended.")
    expect(page.get_by_role("table", name="Long-term segregation episodes")).to_contain_text(
        "Moved to a less restrictive setting")
    assert_accessible(page)

    # Later the person leaves hospital: the discharge is an outcome on their record.
    keys.press(page.locator("summary", has_text="Record a discharge from hospital"),
               navigates=False)
    discharge = page.locator("form[action$='/discharges/']")
    keys.date("Date of discharge", date.today(), within=discharge)
    keys.choose(discharge.get_by_label("Supported living"))
    keys.type(discharge.get_by_label("How you know, or what happened"), "Moved in today.")
    keys.press(page.get_by_role("button", name="Record discharge"))
    expect(banner(page)).to_contain_text("Recorded the discharge.")
    expect(page.get_by_role("table", name="Days in long-term segregation")).to_contain_text(
        "First referral")
    expect(page.locator("#outcomes ~ .nhsuk-summary-list").first).to_contain_text(
        "Supported living")
    assert_accessible(page)

    open_from_menu(page, "Outcomes")
    expect(h1(page)).to_have_text("Programme outcomes")
    expect(page.get_by_role("table", name="By route")).to_be_visible()
    assert_accessible(page)


def test_coordinator_records_a_request_for_a_review_on_behalf_of_a_family_and_answers_it(
        page, keys):
    person = Person.objects.filter(referrals__status="submitted").exclude(
        concerns__kind="review_request").first()
    sign_in(page, "coordinator")
    page.goto(f"/people/{person.pk}/")
    keys.press(page.locator("summary", has_text="Record a concern or a request for a review"),
               navigates=False)
    form = page.locator("form[action$='/concerns/']")
    keys.choose(form.get_by_label("Request for a review"))
    keys.select(form.get_by_label("Who raised it"), "CQC")
    keys.type(form.get_by_label("Describe the concern, or why a review is asked for"),
              "Her mother asks for a review: visits stopped.")
    keys.press(page.get_by_role("button", name="Record it"))
    expect(page.get_by_role("alert")).to_contain_text("on behalf of the person")
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert_accessible(page)
    keys.select(page.get_by_label("Who raised it"), "Family or carer")
    keys.press(page.get_by_role("button", name="Record it"))
    expect(banner(page)).to_contain_text("Request for a review recorded.")
    expect(page.get_by_text("Review requested:")).to_be_visible()      # in the score
    assert_accessible(page)

    open_from_menu(page, "My work")
    keys.press(page.get_by_role("link", name=f"Respond to a request for a review for "
                                              f"{person.reference}"))
    expect(h1(page)).to_have_text(person.reference)
    keys.type(page.locator("form[action*='/resolve/'] input[name=reason]").first,
              "Review scheduled with the family for January.")
    keys.press(page.get_by_role("button", name="Resolve this request for a review"))
    expect(banner(page)).to_contain_text("Request for a review resolved")
    assert_accessible(page)


def test_coordinator_opens_a_follow_up_and_sees_what_changed(page, keys):
    follow_up = Review.objects.filter(follows__isnull=False).select_related("person").first()
    reference = follow_up.person.reference
    sign_in(page, "coordinator")
    page.goto(f"/people/{follow_up.person_id}/")
    keys.press(page.get_by_role("link", name=re.compile(r"^Follow-up ICT?E?R")))
    expect(h1(page)).to_have_text(re.compile(rf"^Follow-up IC\w+ for {reference}$"))
    since = page.get_by_role("region", name=re.compile("Since the last review"))
    checklist = since.get_by_role("table", name="Barriers to Change Checklist: then and now")
    expect(checklist).to_contain_text("No longer a barrier")
    expect(checklist).to_contain_text("Now a barrier")
    expect(since.get_by_role("table", name="What became of the last review's actions")
           ).to_contain_text("Identify two community providers")
    assert_accessible(page)
    keys.press(since.get_by_role("link", name="Open the last review"))
    expect(page.get_by_text("the follow-up review began on")).to_be_visible()
    assert_accessible(page)


def test_chair_writes_the_easy_read_summary_and_the_commissioner_shares_it(page, keys):
    from reviews.models import EasyReadShare, EasyReadSummary

    review = Review.objects.filter(status="report_issued", panel__user__username="chair",
                                   referral__organisation__name__startswith="North",
                                   follows__isnull=True).first()
    sign_in(page, "chair")
    page.goto(f"/reviews/{review.pk}/")
    keys.press(page.locator("summary", has_text="Change the easy-read summary"),
               navigates=False)
    keys.type(page.get_by_label("What we found"),
              "We met you.\nYou told us you want to live near your sister.")
    keys.tick(page.get_by_label("The person agreed to their first name being used"))
    keys.press(page.get_by_role("button", name="Save the easy-read summary"))
    expect(banner(page)).to_contain_text("Easy-read summary saved.")
    assert_accessible(page)
    keys.press(page.get_by_role("link", name="Read it"))
    expect(page.get_by_text("You told us you want to live near your sister.")).to_be_visible()
    assert_accessible(page)

    sign_in(page, "commissioner")
    page.goto(f"/reviews/{review.pk}/")
    keys.date("Date it was shared", date.today())
    keys.type(page.get_by_label("Who it was shared with"), "The person and their sister")
    keys.choose(page.get_by_label("Sent by post"))
    keys.press(page.get_by_role("button", name="Record that it was shared"))
    expect(banner(page)).to_contain_text("Recorded that the easy-read summary was shared.")
    expect(page.get_by_text("Sent by post to The person and their sister")).to_be_visible()
    assert EasyReadShare.objects.filter(summary=EasyReadSummary.objects.get(review=review),
                                        how="post").exists()
    assert_accessible(page)


def test_coordinator_goes_to_a_day_in_a_long_timeline(page, keys):
    """A long history is read a page at a time; the coordinator finds a stretch of it by the
    day it happened, and an impossible day is explained on the form."""
    from datetime import UTC, datetime

    from django.utils import timezone

    from reviews.models import ActionUpdate

    action = Action.objects.filter(status__in=["open", "in_progress"]).select_related(
        "person", "owner").first()
    # Weekly notes from 2020, all before anything the demo recorded, so the first event on
    # or after the day gone to is that week's note whatever today is.
    began = datetime(2020, 1, 6, 10, 0, tzinfo=UTC)
    for n in range(120):
        ActionUpdate.objects.create(action=action, author=action.owner,
                                    text=f"Weekly note {n + 1}",
                                    created_at=began + timedelta(days=7 * n))
    wanted = timezone.localdate(began + timedelta(days=7 * 80))
    person = action.person
    sign_in(page, "coordinator")
    page.goto(f"/people/{person.pk}/timeline/")
    expect(h1(page)).to_have_text(f"Timeline for {person.reference}")
    expect(page.get_by_role("navigation", name="Pages of the timeline")).to_be_visible()
    assert_accessible(page)

    keys.date("Go to", wanted)
    keys.press(page.get_by_role("button", name="Filter"))
    expect(page.get_by_text(f"The page with the first event on or after {wanted:%-d %B %Y}."))\
        .to_be_visible()
    expect(page.locator(".app-timeline")).to_contain_text("Weekly note 81")
    expect(page.get_by_role("navigation", name="Pages of the timeline")).to_be_visible()
    assert_accessible(page)

    boxes = page.get_by_role("group", name="Go to", exact=True)
    for part, text in (("Day", "31"), ("Month", "2"), ("Year", "2025")):   # no such day
        keys.type(boxes.get_by_label(part), text)
    keys.press(page.get_by_role("button", name="Filter"))
    expect(page).to_have_title(re.compile(r"^Error: Timeline for"))
    expect(page.get_by_role("alert")).to_contain_text("Go to must be a real date")
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert_accessible(page)


def test_a_commissioner_finds_a_person_from_the_header(page, keys):
    """Issue 32: the header's search box finds a person by NHS number in any spacing; someone
    else's person is not found, with the same answer as nobody."""
    from referrals.selectors import people_visible

    commissioner = User.objects.get(username="commissioner")
    mine = people_visible(commissioner).first()
    theirs = Person.objects.exclude(pk__in=people_visible(commissioner)).first()
    sign_in(page, "commissioner")
    search = page.get_by_role("searchbox", name="Find a person by reference or NHS number")
    spaced = f"{mine.nhs_number[:3]} {mine.nhs_number[3:6]} {mine.nhs_number[6:]}"
    keys.type(search, spaced)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/people/{mine.pk}/$"))
    expect(h1(page)).to_contain_text(mine.reference)
    keys.type(search, theirs.reference)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(h1(page)).to_have_text("Find a person")
    expect(page.get_by_text("No person found")).to_be_visible()
    assert_accessible(page)
