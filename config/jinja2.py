"""The Jinja2 environment the product's pages render in (decision 0019).

Pages are `*.jinja` files under templates/; they draw the NHS design system only through NHS
England's own component macros (`nhsuk_frontend_jinja`, imported as "nhsuk/components/<name>/
macro.jinja"). Django's template language still renders the admin, viewflow's and other
third-party pages: the Jinja2 engine, first in settings.TEMPLATES, answers only for names ending
in `.jinja`, so a page named `.html` falls through to the Django engine untouched.

Undefined names: the NHS macros test optional parameters by reading them (`params.hint`), so
they need Jinja's forgiving ChainableUndefined. Our own templates get no such forgiveness: a name
or attribute that does not exist, read in one of our pages, raises when the page is built in
development and in the tests (settings.TEMPLATES_STRICT_UNDEFINED), and is logged, then drawn as
nothing, in production. See `ProductUndefined` for how the two are told apart.
"""
import sys

import structlog
from django.conf import settings
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import defaultfilters
from django.template.backends import jinja2 as jinja2_backend
from django.template.backends.utils import csrf_input
from django.templatetags.static import static
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils.timezone import template_localtime
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader, TemplateNotFound
from jinja2.loaders import BaseLoader

from exports.presenters import export_fields
from pathways.frontend import components, fields, memo, querystring, stencils, tables
from pathways.links import link

log = structlog.get_logger(__name__)

MACRO_PREFIX = "nhsuk/"   # the NHS package's templates
# Templates whose undefined values are forgiven: the NHS macros, and our own macros written the
# same way (an optional parameter is read, and is simply absent). Pages are strict.
FORGIVING = (MACRO_PREFIX, "macros/")
OUR_SUFFIX = ".jinja"


class OursOnly(BaseLoader):
    """A loader for our own templates that answers only for `.jinja` names, so a Django
    template (`admin/…html`, viewflow's) is never compiled as Jinja: the engine says "not
    found" and Django asks its next engine."""

    def __init__(self, loader):
        self.loader = loader

    def get_source(self, environment, name):
        if not name.endswith(OUR_SUFFIX) or name.startswith(MACRO_PREFIX):
            raise TemplateNotFound(name)
        return self.loader.get_source(environment, name)

    def list_templates(self):
        return [name for name in self.loader.list_templates() if name.endswith(OUR_SUFFIX)]


def _forgiven() -> bool:
    """Whether the template using an undefined value forgives it: the nearest template frame up
    the stack (usually the very next one; a filter written in Python adds one or two) is one of
    the macros, or there is none. Returns the template's name for a log line otherwise."""
    frame = sys._getframe(3)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            name = template.name or ""
            return True if name.startswith(FORGIVING) else name
        frame = frame.f_back
    return True


class ProductUndefined(ChainableUndefined):
    """Forgiving inside the NHS macros, strict in our templates.

    An undefined value is checked when it is used (printed, tested for truth, iterated,
    compared, or read further): if the template using it is one of the NHS macros (`{% if
    params.hint %}` when no hint was given) it behaves as ChainableUndefined, empty and falsy;
    if it is one of ours, it fails as StrictUndefined would. `is defined` and `default()` do
    not use the value, so a template of ours can still ask whether something is there.
    settings.TEMPLATES_STRICT_UNDEFINED (on in development and the tests) says whether to
    fail; in production an undefined name in our templates is logged and drawn as nothing
    rather than failing the page."""

    __slots__ = ()

    def _check(self):
        where = _forgiven()
        if where is True:
            return
        if getattr(settings, "TEMPLATES_STRICT_UNDEFINED", settings.DEBUG):
            self._fail_with_undefined_error()
        log.warning("template_undefined", template=where,
                    hint=self._undefined_hint or f"{self._undefined_name!r} is undefined")

    def __str__(self):
        self._check()
        return ""

    def __html__(self):
        self._check()
        return ""

    def __bool__(self):
        self._check()
        return False

    def __iter__(self):
        self._check()
        return iter(())

    def __len__(self):
        self._check()
        return 0

    def __eq__(self, other):
        self._check()
        return type(self) is type(other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = ChainableUndefined.__hash__

    def __getattr__(self, name):
        if name[:2] == "__":
            raise AttributeError(name)
        self._check()
        return self

    __getitem__ = __getattr__


class ProductEnvironment(Environment):
    """Jinja's environment, with each template's globals one plain dict.

    Jinja gives each template a ChainMap over the environment's globals. Every
    `{% from … import … %}` then compares the page's globals with the imported template's, key
    by key, and a ChainMap looks each key up in Python: 12 µs an import, against under 1 µs
    for a dict, and a page makes eight to twelve. The environment's globals are all set in
    `environment()` below, before any template loads, so a copy holds the same names."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


def _messages(request):
    return messages.get_messages(request) if request is not None else []


def environment(**options) -> Environment:
    options["loader"] = ChoiceLoader([OursOnly(options["loader"]),
                                      PackageLoader("nhsuk_frontend_jinja", "templates")])
    options["undefined"] = ProductUndefined
    options.setdefault("extensions", []).append("jinja2.ext.do")
    # The macros are written with block tags on lines of their own: without these, every
    # {% set %} and {% if %} of every component leaves a blank line in the page.
    options.setdefault("trim_blocks", True)
    options.setdefault("lstrip_blocks", True)
    options.pop("autoescape", None)   # always on: every value is escaped unless it is markup
    env = ProductEnvironment(autoescape=True, **options)
    env.globals.update({
        "url": lambda name, *args, **kwargs: reverse(name, args=args or None,
                                                     kwargs=kwargs or None),
        "static": static,
        # url() for a one-key pattern, made in microseconds: for links on every row of a list.
        "link": link,
        "get_messages": _messages,
        "csrf_field": csrf_input,   # for a macro, given the request: pages use csrf_input
        "field": fields.field_params,
        "error_summary_items": fields.error_summary_items,
        "summary_rows": components.summary_rows,
        "bar_chart": components.bar_chart,
        "pagination": querystring.pagination,
        "export_fields": export_fields,
        "stencil": stencils.stencil,
        "table_parts": tables.prepare,
        "gap": stencils.gap,
    })
    env.globals["drawn"] = memo.Drawn(env)
    env.filters.update({
        "date": lambda value, fmt="j M Y": defaultfilters.date(template_localtime(value), fmt)
        if value else "",
        "intcomma": intcomma,
        "pluralize": defaultfilters.pluralize,
        "linebreaksbr": defaultfilters.linebreaksbr,
        "filesizeformat": defaultfilters.filesizeformat,
        "truncatewords": defaultfilters.truncatewords,
    })
    return env


class Template(jinja2_backend.Template):
    """Django's Jinja2 template, which also tells the test client what it drew (Django's own
    engine sends `template_rendered` only for its templates; the test client reads
    `response.context` and `response.templates` from it). With no test client listening, as in
    production, nothing is sent."""

    def __init__(self, template, backend):
        super().__init__(template, backend)
        self.name = template.name

    def render(self, context=None, request=None):
        if template_rendered.receivers:
            template_rendered.send(sender=self, template=self, context=dict(context or {}))
        return super().render(context, request)


class Jinja2(jinja2_backend.Jinja2):
    """The engine in settings.TEMPLATES: Django's, with the template above."""

    def from_string(self, template_code):
        return Template(super().from_string(template_code).template, self)

    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)
