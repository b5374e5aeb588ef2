"""Our table for long lists draws what NHS England's table macro draws (templates/macros/
tables.jinja says why it exists): the same parameters through both give the same markup, apart
from whitespace."""
import re

import pytest
from django.template import engines
from markupsafe import Markup

ENV = engines["jinja2"].env
NHS = ENV.from_string('{% from "nhsuk/components/tables/macro.jinja" import table %}'
                      '{{ table(params) }}')
OURS = ENV.from_string('{% from "macros/tables.jinja" import table %}{{ table(params) }}')


def normalised(html: str) -> str:
    html = re.sub(r">\s+", ">", html.strip())
    html = re.sub(r"\s+<", "<", html)
    return re.sub(r"\s+", " ", html)


CASES = {
    "plain": {"head": ["When", "What"], "rows": [["1 Jan 2026", "Referred"], ["2 Jan", "Triaged"]]},
    "numeric and html": {
        "caption": "3 referrals awaiting triage",
        "head": [{"text": "Rank", "format": "numeric"}, "Person", "Action"],
        "rows": [[{"text": 1, "format": "numeric"}, {"html": "<a href='/p/1/'>PW-1</a>"},
                  {"html": "<a href='/t/1/'>Triage</a>"}],
                 [{"text": 2}, {"text": "<b>escaped</b>"}, {"text": "View", "classes": "app-x"}]],
        "scroll": True},
    "hidden caption with id": {
        "caption": {"text": "Work waiting for you", "classes": "nhsuk-u-visually-hidden"},
        "id": "work", "head": ["What"], "rows": [["Triage"]], "scroll": True},
    "first cell a header": {"head": ["Region", {"text": "People", "format": "numeric"}],
                            "rows": [["London", {"text": "12"}]], "firstCellIsHeader": True,
                            "classes": "app-figures"},
    "colspan": {"head": ["A", "B"], "rows": [[{"text": "both", "colspan": 2}]]},
    # Each row stacks as heading and value at 375 px (issue 44).
    "responsive": {"caption": "Actions", "responsive": True,
                   "head": ["Person", {"text": "Due", "format": "numeric"}, "Status"],
                   "rows": [[{"html": "<a href='/p/1/'>PW-1</a>"}, {"text": "1 Jan"},
                             {"text": "Open & <late>"}],
                            [{"text": "PW-2"}, {"text": "2 Jan"}, {"text": "Done",
                                                                   "colspan": 2}]]},
    "responsive, first cell a header": {"responsive": True, "firstCellIsHeader": True,
                                        "head": ["Region", "People"],
                                        "rows": [["London", "12"]]},
    "escaped caption, drawn html": {
        "caption": "Tom & <Jerry>", "head": ["A", "B"],
        "rows": [[{"html": Markup("<em>drawn</em>")}, {"text": 'say "hi" & <go>'}]]},
}


@pytest.mark.parametrize("name", CASES)
def test_our_table_draws_what_the_nhs_macro_draws(name):
    params = CASES[name]
    assert normalised(OURS.render(params=params)) == normalised(NHS.render(params=params))


def test_a_scrolling_table_is_a_region_named_by_its_caption():
    html = OURS.render(params=CASES["numeric and html"])
    region = re.search(r'role="region" aria-labelledby="([^"]+)"', html).group(1)
    assert f'<caption class="nhsuk-table__caption" id="{region}"' in html
    assert "&lt;b&gt;escaped&lt;/b&gt;" in html
