"""What Python gives the Jinja pages (pathways/frontend): a form field as an NHS macro's
parameters, dates, query strings, choice labels; and the row macros that are NHS England's own."""
import re
from datetime import UTC, date, datetime

import pytest
from django import forms
from django.template import defaultfilters, engines
from django.test import RequestFactory

from pathways.forms import DateField
from pathways.frontend import choices, dates, fields, querystring

ENV = engines["jinja2"].env
FIELD = ENV.from_string('{% from "macros/forms.jinja" import form_field, error_summary %}'
                        '{{ error_summary(forms) }}{{ form_field(bound) }}')


class Everything(forms.Form):
    name = forms.CharField(label="Name", help_text="As on the record", max_length=40)
    reason = forms.CharField(label="Reason", widget=forms.Textarea, max_length=500)
    note = forms.CharField(label="Note", widget=forms.Textarea, required=False)
    region = forms.ChoiceField(label="Region", choices=[("", "All"), ("london", "London")],
                               required=False)
    route = forms.ChoiceField(label="Route", widget=forms.RadioSelect,
                              choices=[("review", "Review"), ("intervenor", "Intervenor")])
    kinds = forms.MultipleChoiceField(label="Kinds", widget=forms.CheckboxSelectMultiple,
                                      choices=[("a", "A"), ("b", "B")], required=False)
    agreed = forms.BooleanField(label="I agree", required=False)
    day = DateField(label="Day")
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


def drawn(form, name):
    return FIELD.render(bound=form[name], forms=[form] if form.errors else [])


def test_each_widget_is_drawn_by_its_nhs_component():
    form = Everything()
    assert 'class="nhsuk-input" id="id_name" name="name" type="text"' in drawn(form, "name")
    assert 'id="id_name-hint"' in drawn(form, "name")
    assert 'data-module="nhsuk-character-count"' in drawn(form, "reason")
    assert 'data-maxlength="500"' in drawn(form, "reason")
    assert 'class="nhsuk-textarea" id="id_note"' in drawn(form, "note")
    assert '<select class="nhsuk-select" id="id_region" name="region">' in drawn(form, "region")
    radios = drawn(form, "route")
    assert 'class="nhsuk-radios__input" id="id_route_0" name="route" type="radio"' in radios
    assert "<legend" in radios and "Route" in radios
    boxes = drawn(form, "kinds")
    assert 'id="id_kinds_1" name="kinds" type="checkbox" value="b"' in boxes
    single = drawn(form, "agreed")
    assert 'id="id_agreed" name="agreed" type="checkbox" value="on"' in single
    assert single.count('id="id_agreed"') == 1          # the box's id, not its container's too
    day = drawn(form, "day")
    assert 'id="id_day_day" name="day[day]"' in day and 'name="day[year]"' in day
    assert drawn(form, "secret").strip() == '<input type="hidden" name="secret" id="id_secret">'


def test_errors_are_shown_at_the_field_and_in_the_summary_linking_to_it():
    form = Everything({"name": "", "route": "", "day[day]": "31", "day[month]": "2",
                       "day[year]": "2026"})
    assert not form.is_valid()
    html = drawn(form, "day")
    assert "nhsuk-form-group--error" in html
    assert 'href="#id_day_day"' in html            # the summary links to the first box
    assert "Day must be a real date" in html
    assert 'href="#id_route_0"' in drawn(form, "route")
    assert "There is a problem" in html


def test_values_typed_are_kept():
    form = Everything({"name": "<Ann>", "day[day]": "3", "day[month]": "4", "day[year]": "2025",
                       "route": "review", "kinds": ["b"], "agreed": "on"})
    assert 'value="&lt;Ann&gt;"' in drawn(form, "name")
    assert 'value="3"' in drawn(form, "day") and 'value="2025"' in drawn(form, "day")
    assert 'value="review" checked' in drawn(form, "route")
    assert 'value="b" checked' in drawn(form, "kinds")
    assert 'value="on" checked' in drawn(form, "agreed")


def test_a_date_is_read_from_either_naming():
    assert Everything({"day[day]": "3", "day[month]": "4", "day[year]": "2025"})["day"].value() \
        == ("3", "4", "2025")
    legacy = Everything({"day_day": "3", "day_month": "4", "day_year": "2025", "name": "x",
                         "reason": "y", "route": "review"})
    assert legacy.is_valid(), legacy.errors
    assert legacy.cleaned_data["day"] == date(2025, 4, 3)


def test_the_adapter_names_each_component():
    form = Everything()
    kinds = {name: fields.field_params(form[name])["component"] for name in form.fields
             if name != "secret"}
    assert kinds == {"name": "input", "reason": "character-count", "note": "textarea",
                     "region": "select", "route": "radios", "kinds": "checkboxes",
                     "agreed": "checkboxes", "day": "date-input"}


@pytest.mark.parametrize("value", [date(2026, 3, 7), datetime(2026, 12, 31, 23, 30,
                                                              tzinfo=UTC)])
def test_dates_read_as_the_date_filter_writes_them(value, settings):
    from django.utils.timezone import localtime
    shown = localtime(value) if isinstance(value, datetime) else value
    assert dates.day_month_year(value) == defaultfilters.date(shown, "j M Y")
    if isinstance(value, datetime):
        assert dates.day_month_year(value, with_time=True) == defaultfilters.date(shown,
                                                                                 "j M Y H:i")


@pytest.mark.parametrize("model, field", [("Unit", "cqc_rating"), ("Unit", "region"),
                                          ("Referral", "requested_route")])
def test_a_choice_label_is_what_get_display_gives(model, field):
    from referrals import models

    instance = getattr(models, model)()
    values = [value for value, _ in instance._meta.get_field(field).flatchoices]
    for value in [*values, "not-a-choice", ""]:
        setattr(instance, field, value)
        assert choices.label(instance, field) == getattr(instance, f"get_{field}_display")()
    assert len(values) > 2
    assert choices.label(None, field) == ""


def test_page_links_keep_the_filters():
    request = RequestFactory().get("/q/?region=london&page=2")
    assert querystring.querystring(request, page=3) == "?region=london&page=3"
    assert querystring.querystring(request, page=None) == "?region=london"


def test_a_scores_why_is_the_nhs_details_with_the_explanation():
    details = ENV.get_template("nhsuk/components/details/macro.jinja").module.details
    lists = ENV.get_template("macros/lists.jinja").module
    row = type("Row", (), {"reference": "PW-<1>", "score": type("Score", (), {
        "score": 30, "parts": [], "flags": [], "policy_version": 1})()})()
    drawn = lists.score_cell(row)
    assert "<strong>30</strong>" in drawn and "PW-&lt;1&gt; scores 30" in drawn
    assert details({"summaryHtml": lists.whose("Why", "PW-<1> scores 30"),
                    "html": lists.score_explanation(row.score)}) in drawn


@pytest.mark.parametrize("colour", ["orange", "red", "grey", "green", "blue", "purple"])
def test_each_row_tag_is_the_nhs_tag_in_its_colour(colour):
    lists = ENV.get_template("macros/lists.jinja").module
    tag = ENV.get_template("nhsuk/components/tag/macro.jinja").module.tag
    text = "Full <b> & more"
    assert getattr(lists, f"{colour}_tag")(text=text) == tag({"text": text, "colour": colour})


@pytest.mark.parametrize("status, colour", [("declined", "red"), ("accepted", "green"),
                                            ("withdrawn", "grey"), ("submitted", "blue")])
def test_a_referrals_status_tag_is_the_nhs_tag_in_its_colour(status, colour):
    ours = ENV.from_string('{% from "referrals/_macros.jinja" import status_tag %}'
                           '{{ status_tag(status, "Declined <b> & more") }}').render(status=status)
    nhs = ENV.from_string('{% from "nhsuk/components/tag/macro.jinja" import tag %}'
                          '{{ tag({"text": "Declined <b> & more", "colour": colour}) }}'
                          ).render(colour=colour)
    assert ours.strip() == nhs.strip() and "&lt;b&gt; &amp; more" in ours


def test_the_bar_chart_is_an_svg_with_its_numbers_for_a_screen_reader():
    chart = ENV.from_string('{% from "macros/charts.jinja" import bar_chart_svg %}'
                            '{{ bar_chart_svg(rows, "People by time in LTS") }}')
    html = chart.render(rows=[("Under 1 year", 4), ("1 to 2 years", 8), ("<b>", 0)])
    assert 'role="img" aria-label="People by time in LTS (the same numbers are in the table)"' \
        in html
    assert html.count("<rect ") == 3 and "&lt;b&gt;" in html
    widths = [int(w) for w in re.findall(r'<rect x="130" y="0" width="(\d+)"', html)]
    assert widths[1] == 2 * widths[0] and widths[2] == 0


def test_an_empty_choice_says_choose_not_dashes():
    """Issue 44: Django's "---------" reads "Choose…"; a form's own empty label stays."""
    from reviews.models import Review

    class Picks(forms.Form):
        review = forms.ModelChoiceField(queryset=Review.objects.none(), label="Review")
        region = forms.ChoiceField(label="Region", choices=[("", "All"), ("london", "London")])

    form = Picks()
    assert "Choose…" in drawn(form, "review") and "---------" not in drawn(form, "review")
    assert ">All<" in drawn(form, "region")
