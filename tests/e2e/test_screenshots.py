"""Each role's first page and main form, checked with axe, photographed for the README.

`make screenshots` sets SCREENSHOTS_DIR=docs/screenshots and writes the PNGs there; in the
ordinary test run they go to a temporary folder, so the pages are still visited and checked.
"""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from intervenors.models import IntervenorCase
from referrals.models import Referral
from reviews.models import Action, Review

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _first(model, **filters):
    return model.objects.filter(**filters).order_by("pk").first()


# (username, file name, heading expected, where the main form is, or None for the first page)
SHOTS = [
    ("commissioner", "commissioner-my-work", "My work", None),
    ("commissioner", "commissioner-raise-a-referral", "Raise a referral", lambda: "/referrals/new/"),
    ("coordinator", "coordinator-my-work", "My work", None),
    ("coordinator", "coordinator-triage", "Triage the referral for",
     lambda: f"/referrals/{_first(Referral, status='submitted').pk}/triage/"),
    ("chair", "chair-my-work", "My work", None),
    ("chair", "chair-issue-the-report", "for PW-",
     lambda: f"/reviews/{_first(Review, status='held', panel__user__username='chair').pk}/"
             "#issue-the-report"),
    ("intervenor", "intervenor-my-work", "My work", None),
    ("intervenor", "intervenor-case", "Intervenor case for",
     lambda: "/cases/{}/".format(_first(IntervenorCase, status="active",
                                        intervenor__user__username="intervenor").pk)),
    ("wardmanager", "action-owner-update", "Action for",
     lambda: "/actions/{}/".format(_first(Action, owner__username="wardmanager",
                                          status__in=Action.OPEN_STATUSES).pk)),
    ("oversight", "oversight-dashboard", "Programme dashboard", lambda: "/oversight/"),
]


@pytest.fixture
def folder(tmp_path):
    chosen = os.environ.get("SCREENSHOTS_DIR")
    path = Path(chosen) if chosen else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_each_roles_first_page_and_main_form(page, folder):
    page.set_viewport_size({"width": 1280, "height": 1000})
    for username, name, heading, where in SHOTS:
        sign_in(page, username)
        if where is not None:
            page.goto(where())
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert_accessible(page)
        page.screenshot(path=folder / f"{name}.png")
        assert (folder / f"{name}.png").stat().st_size > 10_000


def test_the_oversight_groups_trends_and_evaluation_with_the_demos_history(page, folder):
    """As `make run` shows them: with the demo's three years of history behind them."""
    from demo.management.commands.seed_demo import (
        HISTORY_IN_LTS,
        HISTORY_PAST,
        HISTORY_PEOPLE,
        HISTORY_PREFIX,
    )
    from demo.scale import Seeder

    Seeder(HISTORY_PEOPLE, seed=41, prefix=HISTORY_PREFIX, quiet=True, in_lts=HISTORY_IN_LTS,
           past=HISTORY_PAST).run()
    page.set_viewport_size({"width": 1280, "height": 1000})
    sign_in(page, "oversight")
    for name, url, heading, anchor in [
            ("oversight-trends", "/oversight/trends/", "Trends", "#in_lts"),
            ("oversight-evaluation", "/oversight/evaluation/", "Time to leaving",
             "svg.app-chart")]:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert_accessible(page)
        page.locator(anchor).first.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=folder / f"{name}.png")
        assert (folder / f"{name}.png").stat().st_size > 10_000
