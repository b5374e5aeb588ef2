"""Each NHS design system component renders the design system's markup: classes and ARIA.

The expected markup is the design system's own (nhsuk-frontend 10's component templates); a
change in our templates that drops a class or an ARIA attribute fails here, before a page looks
or reads wrong.
"""
from datetime import date
from html.parser import HTMLParser

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import Context, RequestContext, Template, TemplateSyntaxError
from django.test import RequestFactory

from intervenors.forms import IntervenorRadio
from pathways.forms import DateField
from pathways.paging import page as paged


class Element:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []
        self.parts = []  # text and child elements, in document order

    @property
    def classes(self):
        return set((self.attrs.get("class") or "").split())

    def find_all(self, tag=None, cls=None, **attrs):
        found = []
        for child in self.children:
            if ((tag is None or child.tag == tag) and (cls is None or cls in child.classes)
                    and all(child.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())):
                found.append(child)
            found.extend(child.find_all(tag, cls, **attrs))
        return found

    def find(self, tag=None, cls=None, **attrs):
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag or '*'}{'.' + cls if cls else ''} {attrs}> in {self.tag}"
        return found[0]

    def all_text(self):
        return self._text().strip()

    def _text(self):
        return "".join(p if isinstance(p, str) else p._text() for p in self.parts)


VOID = {"input", "br", "img", "meta", "link", "hr"}


class Tree(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.root = self.current = Element("root", {}, None)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: ("" if v is None else v) for k, v in attrs}, self.current)
        self.current.children.append(element)
        self.current.parts.append(element)
        if tag not in VOID:
            self.current = element

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.parts.append(data)


def render(source, request=None, **context):
    template = Template("{% load nhsuk %}" + source)
    context = RequestContext(request, context) if request else Context(context)
    return Tree(template.render(context)).root


class Sample(forms.Form):
    name = forms.CharField(label="Full name", max_length=100, help_text="As on the NHS record")
    notes = forms.CharField(label="Notes", max_length=500, widget=forms.Textarea)
    unit = forms.ChoiceField(label="Unit", choices=[("", "Choose"), ("a", "Willow Ward")])
    route = forms.ChoiceField(label="Route", choices=[("review", "Review"), ("both", "Both")],
                              widget=forms.RadioSelect)
    kinds = forms.MultipleChoiceField(label="Kinds", choices=[("x", "X"), ("y", "Y")],
                                      widget=forms.CheckboxSelectMultiple, required=False)
    agreed = forms.BooleanField(label="Consent is recorded", required=False)
    held_on = DateField(label="Date held")


def test_input_has_label_hint_error_and_describedby():
    form = Sample(data={})
    html = render("{% field form.name width='20' %}", form=form)
    group = html.find("div", "nhsuk-form-group")
    assert "nhsuk-form-group--error" in group.classes
    assert group.find("label", "nhsuk-label").attrs["for"] == "id_name"
    assert group.find("div", "nhsuk-hint").attrs["id"] == "id_name-hint"
    error = group.find("span", "nhsuk-error-message")
    assert error.attrs["id"] == "id_name-error"
    assert error.find("span", "nhsuk-u-visually-hidden").all_text() == "Error:"
    field = group.find("input")
    assert {"nhsuk-input", "nhsuk-input--error", "nhsuk-input--width-20"} <= field.classes
    assert field.attrs["aria-describedby"] == "id_name-hint id_name-error"


def test_input_without_error_has_no_error_markup():
    html = render("{% field form.name %}", form=Sample())
    assert "nhsuk-form-group--error" not in html.find("div", "nhsuk-form-group").classes
    assert not html.find_all("span", "nhsuk-error-message")
    assert html.find("input").attrs["aria-describedby"] == "id_name-hint"


def test_textarea_is_a_character_count_when_it_has_a_limit():
    html = render("{% field form.notes %}", form=Sample(data={"notes": ""}))
    group = html.find("div", "nhsuk-character-count")
    assert group.attrs["data-module"] == "nhsuk-character-count"
    assert group.attrs["data-maxlength"] == "500"
    area = group.find("textarea")
    assert {"nhsuk-textarea", "nhsuk-textarea--error", "nhsuk-js-character-count"} <= area.classes
    assert "id_notes-info" in area.attrs["aria-describedby"].split()
    message = group.find("div", "nhsuk-character-count__message")
    assert message.attrs["id"] == "id_notes-info" and "500 characters" in message.all_text()


def test_select():
    html = render("{% field form.unit %}", form=Sample(data={"unit": ""}))
    select = html.find("select")
    assert {"nhsuk-select", "nhsuk-select--error"} <= select.classes
    assert [o.all_text() for o in select.find_all("option")] == ["Choose", "Willow Ward"]


def test_radios_are_a_fieldset_with_the_design_systems_items():
    form = Sample(data={"route": "both"})
    form.is_valid()
    html = render("{% field form.route %}", form=form)
    fieldset = html.find("fieldset", "nhsuk-fieldset")
    assert fieldset.find("legend", "nhsuk-fieldset__legend").all_text() == "Route"
    radios = fieldset.find("div", "nhsuk-radios")
    assert radios.attrs["data-module"] == "nhsuk-radios"
    items = radios.find_all("div", "nhsuk-radios__item")
    inputs = [i.find("input", "nhsuk-radios__input") for i in items]
    assert [i.attrs["id"] for i in inputs] == ["id_route_0", "id_route_1"]
    assert "checked" in inputs[1].attrs and "checked" not in inputs[0].attrs
    labels = [i.find("label", "nhsuk-radios__label") for i in items]
    assert [(lab.attrs["for"], lab.all_text()) for lab in labels] == [
        ("id_route_0", "Review"), ("id_route_1", "Both")]


def test_a_disabled_radio_stays_disabled():
    class Pick(forms.Form):
        who = forms.ChoiceField(choices=[("1", "Grace (full)"), ("2", "Iona")],
                                widget=IntervenorRadio(disabled_values=["1"]))

    inputs = render("{% field form.who %}", form=Pick()).find_all("input")
    assert "disabled" in inputs[0].attrs and "disabled" not in inputs[1].attrs


def test_checkboxes_and_a_single_checkbox():
    html = render("{% field form.kinds %}{% field form.agreed %}",
                  form=Sample(initial={"kinds": ["y"], "agreed": True}))
    groups = html.find_all("div", "nhsuk-checkboxes")
    assert all(g.attrs["data-module"] == "nhsuk-checkboxes" for g in groups)
    many = groups[0].find_all("input", "nhsuk-checkboxes__input")
    assert [("checked" in i.attrs) for i in many] == [False, True]
    single = groups[1].find("input", "nhsuk-checkboxes__input")
    assert single.attrs["id"] == "id_agreed" and "checked" in single.attrs
    assert groups[1].find("label", "nhsuk-checkboxes__label").all_text() == "Consent is recorded"


def test_date_input_is_three_labelled_boxes_in_a_group():
    form = Sample(data={"held_on_day": "31", "held_on_month": "2", "held_on_year": "2025"})
    html = render("{% field form.held_on %}", form=form)
    fieldset = html.find("fieldset", "nhsuk-fieldset")
    assert fieldset.attrs["role"] == "group"
    assert fieldset.attrs["aria-describedby"] == "id_held_on-error"
    boxes = fieldset.find("div", "nhsuk-date-input")
    inputs = boxes.find_all("input", "nhsuk-date-input__input")
    assert [(i.attrs["name"], i.attrs["id"], i.attrs["value"], i.attrs["inputmode"])
            for i in inputs] == [("held_on_day", "id_held_on_day", "31", "numeric"),
                                 ("held_on_month", "id_held_on_month", "2", "numeric"),
                                 ("held_on_year", "id_held_on_year", "2025", "numeric")]
    assert ["nhsuk-input--width-2" in inputs[0].classes, "nhsuk-input--width-4" in
            inputs[2].classes] == [True, True]
    assert all("nhsuk-input--error" in i.classes for i in inputs)
    assert [lab.all_text() for lab in boxes.find_all("label", "nhsuk-date-input__label")] == [
        "Day", "Month", "Year"]
    assert "must be a real date" in fieldset.find("span", "nhsuk-error-message").all_text()


@pytest.mark.parametrize("parts, error", [
    (("", "", ""), "This field is required."),
    (("4", "", "2025"), "Date held must include a month"),
    (("", "", "2025"), "Date held must include a day and a month"),
    (("31", "2", "2025"), "Date held must be a real date, like 27 3 2025"),
    (("1", "2", "25"), "Date held must be a real date, like 27 3 2025"),
    (("x", "2", "2025"), "Date held must be a real date, like 27 3 2025"),
])
def test_date_field_says_what_is_wrong(parts, error):
    form = Sample(data=dict(zip(("held_on_day", "held_on_month", "held_on_year"), parts, strict=True)))
    assert not form.is_valid()
    assert form.errors["held_on"] == [error]


def test_date_field_reads_parts_or_one_iso_date_and_shows_a_date_back():
    assert DateField().clean(("4", "3", "1991")) == date(1991, 3, 4)
    form = Sample(data={"held_on": "2025-03-27"})
    form.is_valid()
    assert form.cleaned_data["held_on"] == date(2025, 3, 27)
    inputs = render("{% field form.held_on %}", form=Sample(initial={
        "held_on": date(2024, 1, 15)})).find_all("input")
    assert [i.attrs["value"] for i in inputs] == ["15", "1", "2024"]


def test_error_summary_links_each_error_to_the_first_box_to_fix():
    form = Sample(data={"held_on_day": "1"})
    form.is_valid()
    html = render('{% include "components/error_summary.html" %}', forms_with_errors=[form])
    summary = html.find("div", "nhsuk-error-summary")
    assert summary.attrs["data-module"] == "nhsuk-error-summary"
    alert = summary.find("div", role="alert")
    assert alert.find("h2", "nhsuk-error-summary__heading").all_text() == "There is a problem"
    links = {a.attrs["href"]: a.all_text() for a in alert.find("ul", "nhsuk-error-summary__list")
             .find_all("a")}
    assert links["#id_route_0"] == "Route: This field is required."
    assert links["#id_held_on_day"] == "Date held must include a month and a year"
    assert links["#id_notes"] == "Notes: This field is required."


def test_summary_list():
    html = render('{% summary_list %}{% summary_row "Status" %}{% tag "Open" "blue" %}'
                  '{% endsummary_row %}{% endsummary_list %}')
    row = html.find("dl", "nhsuk-summary-list").find("div", "nhsuk-summary-list__row")
    assert row.find("dt", "nhsuk-summary-list__key").all_text() == "Status"
    value = row.find("dd", "nhsuk-summary-list__value")
    assert value.find("strong", "nhsuk-tag").classes == {"nhsuk-tag", "nhsuk-tag--blue"}


def test_tag_escapes_its_text_and_takes_no_colour_modifier_without_a_colour():
    html = render('{% tag text %}', text="<b>Closed</b> & done")
    tag = html.find("strong", "nhsuk-tag")
    assert tag.classes == {"nhsuk-tag"}
    assert tag.all_text() == "<b>Closed</b> & done"
    assert tag.find_all("b") == []      # the markup in the text stays text


def test_tag_refuses_a_colour_the_design_system_does_not_have():
    with pytest.raises(TemplateSyntaxError):
        render('{% tag "Overdue" "crimson" %}')


def test_table_gives_rows_and_cells_the_design_systems_classes():
    html = render('{% table id="t" %}{% table_caption hidden=True %}Queue{% endtable_caption %}'
                  '<thead><tr><th scope="col" class="num">Rank</th></tr></thead>'
                  '<tbody><tr><td class="num">1</td><td>PW-1</td></tr></tbody>{% endtable %}')
    table = html.find("table", "nhsuk-table")
    assert table.attrs["id"] == "t"
    caption = table.find("caption", "nhsuk-table__caption")
    assert "nhsuk-u-visually-hidden" in caption.classes and caption.all_text() == "Queue"
    assert table.find("thead").classes == {"nhsuk-table__head"}
    assert table.find("th").classes == {"nhsuk-table__header", "nhsuk-table__header--numeric"}
    assert table.find("th").attrs["scope"] == "col"
    cells = table.find("tbody", "nhsuk-table__body").find("tr", "nhsuk-table__row").find_all("td")
    assert [c.classes for c in cells] == [{"nhsuk-table__cell", "nhsuk-table__cell--numeric"},
                                          {"nhsuk-table__cell"}]


def test_a_table_scrolls_in_a_focusable_region_named_by_its_caption():
    html = render('{% table %}{% table_caption %}3 <b>people</b>{% endtable_caption %}'
                  '<tbody><tr><td>PW-1</td></tr></tbody>{% endtable %}')
    region = html.find("div", "nhsuk-table-container")
    caption = region.find("table", "nhsuk-table").find("caption")
    assert region.attrs["role"] == "region" and region.attrs["tabindex"] == "0"
    assert region.attrs["aria-labelledby"] == caption.attrs["id"]
    assert caption.attrs["id"].startswith("table-caption-")
    bare = render('{% table %}<tbody><tr><td>1</td></tr></tbody>{% endtable %}')
    assert "role" not in bare.find("div", "nhsuk-table-container").attrs


def test_details_takes_an_id_opens_and_escapes_its_label():
    html = render('{% details label id="record-concern" open=True expander=True %}<p>Form</p>'
                  '{% enddetails %}', label="Record <b>a</b> concern")
    details = html.find("details", "nhsuk-details")
    assert details.classes == {"nhsuk-details", "nhsuk-expander"}
    assert details.attrs["id"] == "record-concern" and "open" in details.attrs
    summary = details.find("span", "nhsuk-details__summary-text")
    assert summary.all_text() == "Record <b>a</b> concern" and summary.find_all("b") == []
    assert details.find("div", "nhsuk-details__text").find("p").all_text() == "Form"
    plain = render('{% details "Why" %}x{% enddetails %}').find("details")
    assert plain.classes == {"nhsuk-details"} and "open" not in plain.attrs
    assert "id" not in plain.attrs and plain.find_all("span", "nhsuk-u-visually-hidden") == []


def test_details_inset_warning_card_fieldset():
    html = render('{% details "Why" hidden="PW-1 scores 40" %}Because{% enddetails %}'
                  '{% inset %}<p>Note</p>{% endinset %}'
                  '{% warning_callout "Important" %}<p>Careful</p>{% endwarning_callout %}'
                  '{% card "Priority today:" 40 id="p" %}x{% endcard %}'
                  '{% fieldset "Recommendation" 2 size="s" %}y{% endfieldset %}')
    details = html.find("details", "nhsuk-details")
    summary = details.find("summary", "nhsuk-details__summary")
    assert summary.find("span", "nhsuk-details__summary-text").all_text().startswith("Why")
    assert summary.find("span", "nhsuk-u-visually-hidden").all_text() == "PW-1 scores 40"
    assert details.find("div", "nhsuk-details__text").all_text() == "Because"
    inset = html.find("div", "nhsuk-inset-text")
    assert inset.find("span", "nhsuk-u-visually-hidden").all_text() == "Information:"
    warning = html.find("div", "nhsuk-card--warning")
    assert warning.find("h3", "nhsuk-card__heading").all_text() == "Important"
    card = [c for c in html.find_all("div", "nhsuk-card") if "nhsuk-card--warning" not in c.classes]
    assert card[0].find("h2", "nhsuk-card__heading").attrs["id"] == "p"
    assert card[0].find("h2").all_text() == "Priority today: 40"
    legend = html.find("fieldset", "nhsuk-fieldset").find("legend")
    assert legend.classes == {"nhsuk-fieldset__legend", "nhsuk-fieldset__legend--s"}
    assert legend.all_text() == "Recommendation 2"


def test_buttons_links_and_back_link():
    html = render('{% button "Add another" "secondary" name="add" value="1" add_another="recs" %}'
                  '{% button "Resolve" "warning" hidden="this concern" %}'
                  '{% back_link "/p/" "Back to PW-1" %}{% action_link "/new/" "Raise a referral" %}')
    add, resolve = html.find_all("button")
    assert add.classes == {"nhsuk-button", "nhsuk-button--secondary"}
    assert (add.attrs["data-module"], add.attrs["type"], add.attrs["name"], add.attrs["value"],
            add.attrs["data-add-another-button"]) == ("nhsuk-button", "submit", "add", "1", "recs")
    assert resolve.find("span", "nhsuk-u-visually-hidden").all_text() == "this concern"
    assert html.find("a", "nhsuk-back-link").attrs["href"] == "/p/"
    action = html.find("a", "nhsuk-action-link")
    assert action.find("span", "nhsuk-action-link__text").all_text() == "Raise a referral"
    assert action.find("svg").attrs["aria-hidden"] == "true"


def test_pagination_is_the_design_systems_numbered_pagination():
    request = RequestFactory().get("/queue/", {"page": "2", "region": "london"})
    page = paged(request, list(range(120)), per_page=50)
    html = render('{% include "components/pagination.html" with label="Pages of the queue" %}',
                  page=page, request=request)
    nav = html.find("nav", "nhsuk-pagination")
    assert "nhsuk-pagination--numbered" in nav.classes
    assert (nav.attrs["role"], nav.attrs["aria-label"]) == ("navigation", "Pages of the queue")
    assert nav.find("a", "nhsuk-pagination__previous").attrs["rel"] == "prev"
    assert nav.find("a", "nhsuk-pagination__next").attrs["href"] == "?page=3&region=london"
    current = nav.find("li", "nhsuk-pagination__item--current").find("a")
    assert (current.attrs["aria-current"], current.attrs["aria-label"]) == ("page", "Page 2")
    assert len(nav.find_all("a", "nhsuk-pagination__link")) == 3


def test_one_page_needs_no_pagination():
    page = Paginator(list(range(3)), 50).page(1)
    assert not render('{% include "components/pagination.html" %}', page=page).children


def test_plain_input_for_a_row_form():
    html = render('{% text_input "reason" "resolve" 7 "Why it is resolved" hidden_label="Visits" %}')
    label = html.find("label", "nhsuk-label")
    assert label.attrs["for"] == "resolve-7"
    assert label.find("span", "nhsuk-u-visually-hidden").all_text() == "Visits"
    field = html.find("input", "nhsuk-input")
    assert (field.attrs["id"], field.attrs["name"]) == ("resolve-7", "reason")


def test_breadcrumbs_end_at_the_parent_with_a_back_link_for_small_screens():
    html = render('{% breadcrumbs "/people/1/" "PW-1" "/people/1/timeline/" "Timeline" %}')
    nav = html.find("nav", "nhsuk-breadcrumb")
    assert nav.attrs["aria-label"] == "Breadcrumb"
    links = nav.find("ol", "nhsuk-breadcrumb__list").find_all("a", "nhsuk-breadcrumb__link")
    assert [(a.attrs["href"], a.all_text()) for a in links] == [
        ("/people/1/", "PW-1"), ("/people/1/timeline/", "Timeline")]
    back = nav.find("a", "nhsuk-back-link")
    assert back.attrs["href"] == "/people/1/timeline/" and back.all_text() == "Back to Timeline"
    with pytest.raises(TemplateSyntaxError):
        render('{% breadcrumbs "/people/1/" %}')


def test_bar_chart_is_an_image_with_a_title_and_bars_in_proportion():
    html = render('{% bar_chart rows "People by length" %}',
                  rows=[("Under 3 months", 2), ("Over 2 years", 8)])
    svg = html.find("svg", "app-chart")
    assert svg.attrs["role"] == "img" and "People by length" in svg.attrs["aria-label"]
    assert svg.find("title").all_text() == "People by length"
    widths = [int(r.attrs["width"]) for r in svg.find_all("rect")]
    assert abs(widths[1] - 4 * widths[0]) <= 2 and widths[1] > 0  # rounded to whole pixels


class _Selects(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Any"), ("a", "A & <b>"), ("b", 'Say "b"')],
                              required=False)
    grouped = forms.ChoiceField(choices=[("North", [("n1", "One"), ("n2", "Two")]),
                                         ("South", [("s1", "Three")])])
    several = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y"), ("z", "Z")],
                                        required=False)
    fixed = forms.ChoiceField(choices=[("a", "A")], disabled=True,
                              widget=forms.Select(attrs={"id": "own-id", "data-x": "1"}))


@pytest.mark.parametrize("data", [{}, {"plain": "b", "grouped": "s1", "several": ["x", "z"]},
                                  {"plain": "not a choice"}])
def test_selects_drawn_in_python_match_djangos_own_templates(data):
    """{% field %} draws stock selects itself (nhsuk.select_html) for speed: its markup must
    be Django's, option for option: selection, groups, multiple, disabled, escaping, ids."""
    from django.test.html import parse_html

    from pathways.templatetags.nhsuk import drawn_in_python, select_html

    form = _Selects(data=data or None)
    for bound in form:
        assert drawn_in_python(bound.field.widget)
        attrs = {"class": "nhsuk-select", "aria-describedby": f"{bound.auto_id}-error"}
        ours, django = select_html(bound, dict(attrs)), bound.as_widget(attrs=dict(attrs))
        assert parse_html(ours) == parse_html(django), bound.name
    assert 'A &amp; &lt;b&gt;' in select_html(form["plain"], {})
