"""The Jinja2 environment the product's pages render in (decision 0019).

Pages are `*.jinja` files under templates/; they draw the NHS design system only through NHS
England's own component macros (`nhsuk_frontend_jinja`, imported as "nhsuk/components/<name>/
macro.jinja"). Django's template language still renders the admin, viewflow's and other
third-party pages: the Jinja2 engine, first in settings.TEMPLATES, answers only for names ending
in `.jinja`, so a page named `.html` falls through to the Django engine untouched.

Undefined names: the NHS macros test optional parameters by reading them (`params.hint`), so
they need Jinja's forgiving ChainableUndefined. Our own pages get no such forgiveness: a name or
attribute that does not exist, read in one of our pages, raises when the page is drawn in
development and in the tests (settings.TEMPLATES_STRICT_UNDEFINED), and is logged, then drawn
as nothing, in production. The two kinds of template are simply compiled in two environments
that differ only in that: `ProductEnvironment` loads the macros through its forgiving twin.
"""
import structlog
from django.conf import settings
from django.contrib import messages
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
from pathways.frontend import components, fields, querystring, tables
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


class PageUndefined(ChainableUndefined):
    """An unknown name in one of our pages. When it is used (printed, tested, iterated,
    compared, or read further) it fails as StrictUndefined would while
    settings.TEMPLATES_STRICT_UNDEFINED is on (development and the tests), and in production is
    logged and drawn as nothing rather than failing the page. `is defined` and `default()` do
    not use it, so a page can still ask whether something is there."""

    __slots__ = ()

    def _check(self):
        if getattr(settings, "TEMPLATES_STRICT_UNDEFINED", settings.DEBUG):
            self._fail_with_undefined_error()
        log.warning("template_undefined",
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
    """Our pages, strict about undefined names (PageUndefined); the NHS macros and our own
    macros written like them (under FORGIVING), loaded through a twin environment, the same in
    every way but forgiving (ChainableUndefined). An import names the template, and the name
    says which environment compiles it."""

    forgiving: Environment | None = None

    def make_globals(self, d):
        """Each template's globals as one dict, not Jinja's ChainMap over the environment's:
        a page looks a global up (`url`, `link`, a macro) every time it uses one, and through
        a ChainMap each lookup is Python code. Measured on 6 December 2026 (issue 46) on the
        timeline at ×10: 3,200 ChainMap lookups a request, 7 ms of a 52 ms median; with
        plain dicts the page is back under its 50 ms budget. The environment's globals are all
        set in `environment()` below, before any template loads, so a copy holds them all."""
        return {**self.globals, **(d or {})}

    def _load_template(self, name, globals):
        if self.forgiving is not None and name.startswith(FORGIVING):
            return self.forgiving._load_template(name, globals)
        return super()._load_template(name, globals)


def _messages(request):
    return messages.get_messages(request) if request is not None else []


def thousands(value):
    """A whole number with thousands separators, as en-GB writes it ("1,234"); anything else as
    it is ("suppressed", "–"). Django's intcomma does the same through its localisation, some
    fifty calls a number: a list writes one a row."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    text = str(value)
    if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
        return f"{int(text):,}"
    return value


def environment(**options) -> Environment:
    options["loader"] = ChoiceLoader([OursOnly(options["loader"]),
                                      PackageLoader("nhsuk_frontend_jinja", "templates")])
    options["undefined"] = PageUndefined
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
        "revealed_fields": fields.revealed_fields,
        "summary_rows": components.summary_rows,
        "bar_chart": components.bar_chart,
        "spc_chart": components.spc_chart,
        "spc_styles": components.SPC_STYLES,
        "km_chart": components.km_chart,
        "pagination": querystring.pagination,
        "export_fields": export_fields,
        "table_parts": tables.prepare,
    })
    env.filters.update({
        "date": lambda value, fmt="j M Y": defaultfilters.date(template_localtime(value), fmt)
        if value else "",
        "intcomma": thousands,
        "pluralize": defaultfilters.pluralize,
        "linebreaksbr": defaultfilters.linebreaksbr,
        "filesizeformat": defaultfilters.filesizeformat,
        "truncatewords": defaultfilters.truncatewords,
    })
    # The twin shares the loader, globals and filters; only what an unknown name is differs.
    env.forgiving = env.overlay(undefined=ChainableUndefined)
    env.forgiving.forgiving = None
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
