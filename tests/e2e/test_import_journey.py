"""A review coordinator brings a caseload in (issue 32), by keyboard, with axe on every page:
downloads the template, uploads a file with a mistake, reads the check, uploads the corrected
file, imports it, and finds the imported person from the header; then brings in the person's
past review and sees it on their page."""
import csv

import pytest
from playwright.sync_api import expect

from imports.kinds import COLUMNS, PEOPLE_COLUMNS
from referrals.models import Person
from tests.factories import valid_nhs_number

from .conftest import _server_idle, assert_accessible, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def write(path, rows, columns=PEOPLE_COLUMNS):
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=[c.name for c in columns])
        writer.writeheader()
        writer.writerows(rows)
    return path


def upload(page, keys, path):
    """Choose the file by keyboard: Space on the file input opens the chooser. The listener is
    in place before the key is pressed (Playwright intercepts the chooser only once something
    listens for it; `expect_file_chooser` turns that on as the key goes, and could lose it)."""
    file_input = page.get_by_label("The file")
    page.once("filechooser", lambda chooser: chooser.set_files(str(path)))
    keys.reach(file_input)
    page.keyboard.press("Space")
    page.wait_for_function("input => input.files.length === 1", arg=file_input.element_handle())
    keys.press(page.get_by_role("button", name="Check the file"))


def test_a_coordinator_imports_a_caseload_and_finds_the_person(page, keys, tmp_path):
    number = valid_nhs_number()
    good = {"nhs_number": f"{number[:3]} {number[3:6]} {number[6:]}", "given_name": "Robin",
            "family_name": "Ashdown", "date_of_birth": "4 March 1991", "condition": "autism",
            "unit": "Willow Ward", "lts_start_date": "15/01/2024", "commissioner_ods": "QMJ",
            "route": "review", "reason": "In LTS since January; no provider found."}
    sign_in(page, "coordinator")
    page.goto("/imports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a caseload")
    assert_accessible(page)
    with page.expect_download() as download:
        keys.reach(page.get_by_role("link", name="People and referrals template (Excel)"))
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "pathways-people-template.xlsx"

    upload(page, keys, write(tmp_path / "caseload.csv", [{**good, "date_of_birth": "03/31/1991"}]))
    expect(page.get_by_role("heading", name="Nothing has been saved")).to_be_visible()
    errors = page.get_by_role("table")
    expect(errors).to_contain_text("date_of_birth")
    expect(errors).to_contain_text("not a real date")
    assert_accessible(page)
    _server_idle()
    assert not Person.objects.filter(nhs_number=number).exists()

    keys.press(page.get_by_role("link", name="Upload a corrected file"))
    upload(page, keys, write(tmp_path / "caseload-fixed.csv", [good]))
    expect(page.get_by_text("Importing will record 1 person")).to_be_visible()
    assert_accessible(page)
    keys.press(page.get_by_role("button", name="Import"))
    expect(page.get_by_text("Each record says in its history that it came from this file")
           ).to_be_visible()
    assert_accessible(page)

    _server_idle()
    person = Person.objects.get(nhs_number=number)
    search = page.get_by_role("searchbox", name="Find a person by reference or NHS number")
    keys.type(search, number)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(person.reference)
    assert_accessible(page)


def test_a_coordinator_imports_a_past_review_and_sees_it_on_the_persons_page(page, keys,
                                                                           tmp_path, users):
    from datetime import date, timedelta

    from imports.services import import_apply, import_check

    number = valid_nhs_number()
    people = write(tmp_path / "people.csv", [{
        "nhs_number": number, "date_of_birth": "1990-05-01", "condition": "autism",
        "unit": "Willow Ward", "lts_start_date": "2023-02-01", "commissioner_ods": "QMJ",
        "route": "review", "reason": "In segregation for years."}])
    run = import_check(kind="people", file_name="people.csv", content=people.read_bytes(),
                       by=users["coordinator"])
    import_apply(run=run, by=users["coordinator"])
    held = date.today() - timedelta(days=50)
    review = {"nhs_number": number, "held_on": f"{held:%d/%m/%Y}",
              "chair": "chair@example.nhs.uk", "findings": "Segregation not reviewed weekly.",
              "recommendation": "Find a community provider.", "theme": "environment",
              "action": "Hold a provider market event.",
              "action_owner": "commissioner@example.nhs.uk",
              "due_date": f"{held + timedelta(days=30):%Y-%m-%d}"}
    sign_in(page, "coordinator")
    page.goto("/imports/")
    keys.choose(page.get_by_role("radio", name="Past reviews"))
    upload(page, keys, write(tmp_path / "reviews.csv", [review], COLUMNS["reviews"]))
    expect(page.get_by_text("Importing will record 1 action of past reviews")).to_be_visible()
    assert_accessible(page)
    keys.press(page.get_by_role("button", name="Import"))
    expect(page.get_by_text("Each record says in its history that it came from this file")
           ).to_be_visible()
    _server_idle()
    person = Person.objects.get(nhs_number=number)
    page.goto(f"/people/{person.pk}/")
    expect(page.get_by_role("main")).to_contain_text(f"{held:%-d %b %Y}")
    assert_accessible(page)
