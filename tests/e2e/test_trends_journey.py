"""The oversight group's trends, by keyboard and with axe (issue 41): open the trends, read a
chart's numbers, mark a rebase with a reason, download the CSV, and make a meeting pack that
shows the trends."""
import csv
import io
import re

import pytest
from playwright.sync_api import expect

from audit.models import Decision
from oversight.models import SpcRebase
from oversight.trends import MEASURES, MONTHS

from .conftest import assert_accessible, open_from_menu, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def history(site):
    """Three years of made-up history, as `make run` loads it (smaller)."""
    from demo.scale import Seeder

    Seeder(600, seed=41, prefix="History", quiet=True, in_lts=200, past=180).run()


def h1(page):
    return page.get_by_role("heading", level=1)


def test_oversight_reads_the_trends_marks_a_rebase_and_takes_them_to_the_meeting(
        page, keys, history):
    sign_in(page, "oversight")
    open_from_menu(page, "Trends")
    expect(h1(page)).to_have_text("Trends: is it getting better?")
    for measure in MEASURES:
        expect(page.get_by_role("heading", level=2, name=measure.label)).to_be_visible()
    # Each chart is an image with a title and a description, and its numbers are a table.
    section = page.locator("section", has=page.get_by_role("heading", name=MEASURES[0].label))
    expect(section.get_by_role("img", name=MEASURES[0].label + ", England, by month")
           ).to_be_visible()
    expect(section.locator(".app-variation")).to_contain_text("variation")
    keys.press(section.locator("summary", has_text="The numbers behind this chart"),
               navigates=False)
    numbers = section.get_by_role("table")
    expect(numbers).to_be_visible()
    expect(numbers.get_by_role("row")).to_have_count(MONTHS + 1)
    assert_accessible(page)

    # The CSV: one row per measure, group and month.
    with page.expect_download() as download:
        keys.press(page.get_by_role("link", name="Download every trend as CSV"),
                   navigates=False)
    with open(download.value.path(), encoding="utf-8") as file:
        rows = list(csv.DictReader(io.StringIO(file.read())))
    assert list(rows[0]) == ["measure", "group", "month", "value", "mean", "lower_limit",
                             "upper_limit", "special_cause"]
    assert len([r for r in rows if r["group"] == "England"]) == len(MEASURES) * MONTHS

    # A rebase: the form says what is missing, then records who and why.
    keys.press(section.get_by_role("link", name=re.compile("rebases")))
    expect(h1(page)).to_have_text(MEASURES[0].label)
    expect(page.get_by_role("heading", name="By region")).to_be_visible()
    assert_accessible(page)
    month = page.get_by_label("The month the new process began")
    options = month.locator("option").all_inner_texts()
    keys.select(month, options[-12])
    keys.press(page.get_by_role("button", name="Rebase the chart"))
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("Say what changed in the process")
    assert_accessible(page)
    keys.type(page.get_by_label("What changed, and why it changes this measure"),
              "The regional community support teams began taking referrals.")
    keys.press(page.get_by_role("button", name="Rebase the chart"))
    expect(page.get_by_role("table", name="Rebases in force")).to_contain_text(options[-12])
    expect(page.get_by_role("img", name=re.compile("England, by month"))).to_be_visible()
    assert_accessible(page)
    rebase = SpcRebase.objects.get()
    assert Decision.objects.get(kind="spc_rebased").reason.startswith("The regional")
    assert rebase.marked_by.username == "oversight"

    # The evaluation, then the meeting pack with the trends in it.
    open_from_menu(page, "Trends")
    keys.press(page.get_by_role("link", name=re.compile("^Does the intervention help")))
    expect(h1(page)).to_have_text("Time to leaving long-term segregation, by route")
    expect(page.get_by_role("table", name="Numbers at risk: people still followed in LTS")
           ).to_be_visible()
    assert_accessible(page)
    open_from_menu(page, "Meeting packs")
    keys.select(page.get_by_label("Period"), "The last 12 months")
    keys.press(page.get_by_role("button", name="Make the meeting pack"))
    expect(page.get_by_role("status")).to_contain_text("Ready")
    link = page.get_by_role("link", name="download it")
    with page.expect_download() as download:
        keys.press(link, navigates=False)
    from pypdf import PdfReader

    with open(download.value.path(), "rb") as pdf:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages)
    assert "Trends: is it getting better?" in text
    assert "rebased from" in " ".join(text.split())
