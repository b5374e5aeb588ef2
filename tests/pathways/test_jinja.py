"""The Jinja2 environment (config/jinja2.py, decision 0019): every template compiles, pages are
strict about undefined names while the NHS macros are forgiving, and a Django template name
never reaches the Jinja engine."""
import pytest
from django.template import engines
from django.template.loader import get_template, render_to_string
from jinja2 import UndefinedError

ENV = engines["jinja2"].env


def our_templates():
    return sorted(ENV.loader.loaders[0].list_templates())


def test_there_are_templates_to_check():
    assert "base.jinja" in our_templates()
    assert len(our_templates()) > 10


@pytest.mark.parametrize("name", our_templates())
def test_every_template_compiles(name):
    ENV.get_template(name)


def test_the_nhs_macros_load():
    for component in ("header", "footer", "button", "input", "select", "textarea",
                      "character-count", "radios", "checkboxes", "date-input",
                      "error-summary", "summary-list", "tables", "tag", "details",
                      "inset-text", "warning-callout", "card", "pagination", "back-link",
                      "breadcrumb", "notification-banner", "fieldset", "action-link"):
        ENV.get_template(f"nhsuk/components/{component}/macro.jinja")


def test_a_django_template_name_falls_through_to_the_django_engine():
    assert get_template("admin/base.html").backend.name == "django"
    assert get_template("base.jinja").backend.name == "jinja2"


def test_an_undefined_name_in_a_page_fails(settings):
    settings.TEMPLATES_STRICT_UNDEFINED = True
    page = ENV.from_string("<p>{{ person.reference }}</p>")
    with pytest.raises(UndefinedError):
        page.render({})
    with pytest.raises(UndefinedError):
        ENV.from_string("{% if missing %}x{% endif %}").render({})
    with pytest.raises(UndefinedError):
        ENV.from_string("{% for x in missing %}{% endfor %}").render({})


def test_a_page_may_ask_whether_a_name_is_there(settings):
    settings.TEMPLATES_STRICT_UNDEFINED = True
    page = ENV.from_string("{% if x is defined %}yes{% else %}no{% endif %}{{ y|default('-') }}")
    assert page.render({}) == "no-"


def test_the_nhs_macros_may_leave_parameters_out(settings):
    settings.TEMPLATES_STRICT_UNDEFINED = True
    page = ENV.from_string('{% from "nhsuk/components/tag/macro.jinja" import tag %}'
                           '{{ tag({"text": "Overdue"}) }}')
    assert '<strong class="nhsuk-tag">' in page.render({})


def test_a_macro_is_compiled_forgiving_and_a_page_strict():
    """Which environment compiles a template is said by its name alone (config/jinja2.py)."""
    from jinja2 import ChainableUndefined

    from config.jinja2 import PageUndefined

    assert ENV.get_template("nhsuk/components/tag/macro.jinja").environment.undefined is \
        ChainableUndefined
    assert ENV.get_template("macros/lists.jinja").environment.undefined is ChainableUndefined
    assert ENV.get_template("referrals/queue.jinja").environment.undefined is PageUndefined


def test_in_production_an_undefined_name_is_logged_and_drawn_as_nothing(settings, caplog):
    settings.TEMPLATES_STRICT_UNDEFINED = False
    assert ENV.from_string("<p>{{ person.reference }}</p>").render({}) == "<p></p>"


def test_pages_are_escaped():
    assert ENV.from_string("{{ x }}").render({"x": "<b>"}) == "&lt;b&gt;"


@pytest.mark.django_db
def test_the_error_pages_render_without_a_database_or_a_person(rf):
    request = rf.get("/")
    for name in ("404.jinja", "500.jinja", "503.jinja"):
        if name in our_templates():
            assert "Pathways" in render_to_string(name, {}, request=request)


def test_a_template_sees_every_global_and_an_import_reuses_its_module():
    """Every template sees the environment's globals, the macros' twin environment included,
    and importing a macro file from a page reuses the file's one module rather than running it
    again (Jinja makes a new module when the page has globals the import lacks)."""
    page, lists = ENV.get_template("referrals/queue.jinja"), ENV.get_template("macros/lists.jinja")
    for template in (page, lists):
        assert template.globals.keys() == ENV.globals.keys()
        assert all(template.globals[name] is ENV.globals[name] for name in ENV.globals)
    context = page.new_context({})
    assert lists._get_default_module(context) is lists._get_default_module(context)
    assert str(ENV.from_string("{{ link is defined and table_parts is defined }}").render()) == "True"
