"""The NHS design system's components as Django template tags.

Each component's markup lives in one template under templates/components/, written from the
design system's own reference markup (nhsuk-frontend, vendored under static/vendor/); the tag
and the details, drawn on every row of some lists, are written in Python below. Pages use
the tags; forms render through `{% field %}` and `{% fields %}`, so no page writes a
component's classes or ARIA by hand.

Block components wrap content: `{% summary_list %}{% summary_row "Status" %}…{% endsummary_row %}
{% endsummary_list %}`, `{% details "Why" %}…{% enddetails %}`, `{% inset %}`, `{% warning_callout
"Important" %}`, `{% card "Heading" %}`, `{% table %}{% table_caption %}…`. Arguments are template
expressions: positional ones make the component's label (joined by spaces), the rest are
keywords.
"""
import hashlib
import html
import re
from datetime import datetime

from django import forms, template
from django.template.base import token_kwargs
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import is_aware, localtime

register = template.Library()


# --- block components ------------------------------------------------------------------------

class ComponentNode(template.Node):
    def __init__(self, template_name, nodelist, label, kwargs, transform=None, draw=None):
        self.template_name, self.nodelist = template_name, nodelist
        self.label, self.kwargs, self.transform, self.draw = label, kwargs, transform, draw

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.kwargs.items()}
        if self.label:  # positional parts, joined by spaces: {% fieldset "Concern" n %}
            values["label"] = " ".join(str(part.resolve(context)) for part in self.label)
        values["content"] = self.nodelist.render(context)
        if self.transform is not None:
            values["content"] = self.transform(values["content"])
        if self.draw is not None:
            return self.draw(**values)
        with context.push(**values):
            return self.template(context.template.engine).render(context)

    def template(self, engine):
        """The component's template, found once when templates are not being edited (the
        cached loader would return the same object after a lookup on every row)."""
        if engine.debug:
            return engine.get_template(self.template_name)
        if getattr(self, "_template", None) is None:
            self._template = engine.get_template(self.template_name)
        return self._template


TABLE_PARTS = re.compile(r"<(thead|tbody|tr|th|td)(\s[^>]*)?>")
CLASS_ATTR = re.compile(r'\sclass="([^"]*)"')
TABLE_CLASSES = {"thead": "nhsuk-table__head", "tbody": "nhsuk-table__body",
                 "tr": "nhsuk-table__row", "th": "nhsuk-table__header",
                 "td": "nhsuk-table__cell"}


def table_classes(html: str) -> str:
    """Give a table's rows and cells the design system's classes, so pages write plain
    <tr>, <th> and <td>. class="num" on a cell becomes the design system's numeric cell."""
    def classed(match):
        element, attrs = match.group(1), match.group(2) or ""
        css = [TABLE_CLASSES[element]]
        own = CLASS_ATTR.search(attrs)
        if own:
            attrs = CLASS_ATTR.sub("", attrs, count=1)
            for name in own.group(1).split():
                css.append(f"{TABLE_CLASSES[element]}--numeric" if name == "num" else name)
        return f'<{element} class="{" ".join(css)}"{attrs}>'

    return mark_safe(TABLE_PARTS.sub(classed, html))  # noqa: S308 (adds class names only)


def block_component(name, transform=None, draw=None):
    """Register {% name %}…{% endname %}, drawn by components/<name>.html, or by `draw(**values)`
    for a component drawn in Python; `transform` rewrites the rendered content first."""
    template_name = f"components/{name}.html"

    def compile_tag(parser, token):
        bits = token.split_contents()[1:]
        label = []
        while bits and "=" not in bits[0]:
            label.append(parser.compile_filter(bits.pop(0)))
        kwargs = token_kwargs(bits, parser)
        if bits:
            raise template.TemplateSyntaxError(f"{name}: unexpected {bits}")
        nodelist = parser.parse((f"end{name}",))
        parser.delete_first_token()
        return ComponentNode(template_name, nodelist, label, kwargs, transform, draw)

    register.tag(name, compile_tag)


def details(label="", content="", hidden="", id="", open=False, expander=False):
    """The design system's details: a summary that opens to reveal `content`. Drawn in Python,
    as the queue and the waiting list draw one on every row (a score's "Why")."""
    return format_html(
        '<details class="nhsuk-details{}"{}{}><summary class="nhsuk-details__summary">'
        '<span class="nhsuk-details__summary-text">{}{}</span></summary>'
        '<div class="nhsuk-details__text">{}</div></details>',
        " nhsuk-expander" if expander else "", format_html(' id="{}"', id) if id else "",
        mark_safe(" open") if open else "", label,  # noqa: S308 (a constant)
        format_html('<span class="nhsuk-u-visually-hidden"> {}</span>', hidden) if hidden
        else "", content)


for _name in ("summary_list", "summary_row", "inset", "warning_callout", "card",
              "table_caption", "fieldset", "filters"):
    block_component(_name)
block_component("details", draw=details)
CAPTION = re.compile(r"<caption(\s[^>]*)?>(.*?)</caption>", re.S)


def table(content="", classes="", id=""):
    """The design system's table in its container, which scrolls sideways on a narrow screen
    rather than the page (WCAG 2.2 1.4.10, reflow). The container is a region named by the
    table's caption that takes focus, so a keyboard user can scroll it with the arrow keys."""
    content = table_classes(content)
    found = CAPTION.search(content)
    caption_id = ""
    if found:
        text = re.sub(r"<[^>]+>|\s+", " ", found.group(2)).strip()
        caption_id = f"{id or 'table'}-caption-{hashlib.blake2s(text.encode(), digest_size=4).hexdigest()}"
        content = mark_safe(  # noqa: S308 (adds an id made of hex digits to our own caption)
            f'{content[:found.start()]}<caption id="{caption_id}"{found.group(1) or ""}>'
            f'{found.group(2)}</caption>{content[found.end():]}')
    region = format_html(' role="region" aria-labelledby="{}" tabindex="0"', caption_id) \
        if caption_id else ""
    return format_html(
        '<div class="nhsuk-table-container"{}><table class="nhsuk-table{}"{}>{}</table></div>',
        region, f" {classes}" if classes else "",
        format_html(' id="{}"', id) if id else "", content)


block_component("table", draw=table)


# --- what rows drawn in Python share --------------------------------------------------------

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_month_year(value, with_time=False) -> str:
    """What `|date:"j M Y"` (or `"j M Y H:i"`) writes, in local time for a datetime, without a
    template filter's cost: the ranked lists and the timeline write one on every row.
    tests/pathways/test_row_tags.py holds the two equal."""
    if isinstance(value, datetime) and is_aware(value):   # as the filter: naive is shown as is
        value = localtime(value)
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{text} {value.hour:02d}:{value.minute:02d}" if with_time else text


def secondary(text) -> str:
    """Smaller, grey text under a cell's main value (the design system's utility classes)."""
    return format_html('<span class="nhsuk-body-s nhsuk-u-secondary-text-colour">{}</span>', text)


# --- simple components -----------------------------------------------------------------------

TAG_COLOURS = {"white", "grey", "green", "aqua-green", "blue", "purple", "pink", "red", "orange",
               "yellow"}


@register.simple_tag
def tag(text, colour=""):
    """A status tag. Colours are the design system's (red for overdue, green for done). Its
    markup is one element, written here rather than in a template: lists draw a tag on every
    row (the timeline, actions, reviews), where a template costs a context and a render each."""
    if colour and colour not in TAG_COLOURS:
        raise template.TemplateSyntaxError(f"tag colour {colour!r} is not the design system's")
    return format_html('<strong class="nhsuk-tag{}">{}</strong>',
                       f" nhsuk-tag--{colour}" if colour else "", text)


@register.inclusion_tag("components/pager.html", takes_context=True)
def pager(context, page, param="page", label="Pages", previous="Previous", next="Next"):
    """Previous and next links for a second list on a page, paged by its own query parameter
    (`param`); every other parameter, the first list's page among them, is kept."""
    def href(number):
        query = context["request"].GET.copy()
        query[param] = number
        return "?" + query.urlencode()

    return {"page": page, "label": label, "previous": previous, "next": next,
            "previous_href": href(page.previous_page_number()) if page.has_previous() else "",
            "next_href": href(page.next_page_number()) if page.has_next() else ""}


@register.inclusion_tag("components/back_link.html")
def back_link(href, text="Back"):
    return {"href": href, "text": text}


@register.inclusion_tag("components/button.html")
def button(text, variant="", name="", value="", type="submit", add_another="", hidden=""):
    """A submit button; variant is "secondary", "warning" or "reverse". `hidden` is extra text
    for screen readers (which row it acts on); `add_another` names the formset it extends."""
    return {"text": text, "variant": variant, "name": name, "value": value, "type": type,
            "add_another": add_another, "hidden": hidden}


@register.inclusion_tag("components/action_link.html")
def action_link(href, text):
    return {"href": href, "text": text}


# --- form fields -----------------------------------------------------------------------------

def field_kind(bound_field) -> str:
    """Which design system component a form field renders as."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if getattr(widget, "nhsuk_kind", None):
        return widget.nhsuk_kind
    if isinstance(widget, forms.CheckboxSelectMultiple):  # a RadioSelect subclass: test first
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


def error_anchor(bound_field) -> str:
    """The id the error summary links to: the first thing to fix in the field."""
    kind = field_kind(bound_field)
    if kind == "date":
        return f"{bound_field.auto_id}_day"
    if kind in ("radios", "checkboxes"):
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id


register.filter("error_anchor", error_anchor)


def _describedby(bound_field, *extra):
    ids = [*extra]
    if bound_field.help_text:
        ids.append(f"{bound_field.auto_id}-hint")
    if bound_field.errors:
        ids.append(f"{bound_field.auto_id}-error")
    return " ".join(ids)


def drawn_in_python(widget) -> bool:
    """A select that Django would draw with its own stock templates."""
    return (isinstance(widget, forms.Select)
            and widget.template_name == forms.Select.template_name
            and widget.option_template_name == forms.Select.option_template_name)


def _escaped(value) -> str:
    """conditional_escape without its lazy-string wrapper (it runs hundreds of times a list)."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _attributes(attrs: dict) -> str:
    """flatatt's output: valued attributes sorted, then true boolean ones; False and None left
    out."""
    valued = sorted((k, v) for k, v in attrs.items() if not isinstance(v, bool) and v is not None)
    flags = sorted(k for k, v in attrs.items() if v is True)
    return "".join(f' {k}="{_escaped(v)}"' for k, v in valued) + "".join(f" {k}" for k in flags)


def select_html(bound_field, attrs: dict) -> str:
    """The markup Django's stock select templates make, drawn here from the widget's own
    context (its selection, groups and attributes). Django renders two templates an option,
    which for a list of a hundred organisations cost several milliseconds a form;
    tests/pathways/test_components.py holds the two outputs equal."""
    widget = bound_field.field.widget
    attrs = bound_field.build_widget_attrs(attrs, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    drawn = widget.get_context(bound_field.html_name, bound_field.value(), attrs)["widget"]
    parts = [f'<select name="{_escaped(drawn["name"])}"{_attributes(drawn["attrs"])}>']
    for group, options, _ in drawn["optgroups"]:
        if group:
            parts.append(f'<optgroup label="{_escaped(group)}">')
        parts.extend(f'<option value="{_escaped(option["value"])}"'
                     f'{_attributes(option["attrs"])}>{_escaped(option["label"])}</option>'
                     for option in options)
        if group:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # noqa: S308 (every value is escaped above)


@register.simple_tag
def field(bound_field, width="", classes=""):
    """A form field as the design system's component for its widget, with label, hint, error."""
    kind = field_kind(bound_field)
    if kind == "hidden":
        return bound_field.as_widget()
    context = {"field": bound_field, "kind": kind, "classes": classes,
               "describedby": _describedby(bound_field)}
    widget = bound_field.field.widget
    if kind in ("input", "select", "textarea"):
        base = f"nhsuk-{kind}"   # nhsuk-input, nhsuk-select, nhsuk-textarea
        css = base
        if width and kind == "input":
            css += f" nhsuk-input--width-{width}"
        if bound_field.errors:
            css += f" {base}--error"
        maxlength = getattr(bound_field.field, "max_length", None)
        if kind == "textarea" and maxlength:
            css += " nhsuk-js-character-count"
            context["maxlength"] = maxlength
            context["describedby"] = _describedby(bound_field, f"{bound_field.auto_id}-info")
        attrs = {"class": css}
        if context["describedby"]:
            attrs["aria-describedby"] = context["describedby"]
        context["control"] = (select_html(bound_field, attrs) if drawn_in_python(widget)
                              else bound_field.as_widget(attrs=attrs))
    elif kind in ("radios", "checkboxes"):
        context["options"] = [sub.data for sub in bound_field.subwidgets]
        context["choice"] = kind
        context["input_type"] = "radio" if kind == "radios" else "checkbox"
        return render_to_string("components/choices.html", context)
    elif kind == "checkbox":
        context["checked"] = widget.check_test(bound_field.value())
    elif kind == "date":
        context["parts"] = widget.parts(bound_field)
    return render_to_string(f"components/{kind}.html", context)


@register.simple_tag
def fields(form):
    """Every field of a form, in order, each as its component."""
    return mark_safe("".join(field(bf) for bf in form))  # noqa: S308 (each part is escaped)


@register.filter
def with_label(bound_field, error) -> str:
    """An error as the summary shows it: named by its field unless it already says which."""
    label = str(bound_field.label)
    return str(error) if str(error).startswith(label) else f"{label}: {error}"


@register.inclusion_tag("components/plain_input.html")
def text_input(name, id_prefix, key, label, hidden_label="", maxlength=4000, required=True):
    """A text input that is not a Django form's field (one per table row: id prefix-key)."""
    return {"name": name, "id": f"{id_prefix}-{key}", "label": label, "hidden_label": hidden_label,
            "maxlength": maxlength, "required": required}


@register.filter
def concat(value, other) -> str:
    """Join two values as text (Django's `add` drops the result when one is a number)."""
    return f"{value}{other}"


@register.inclusion_tag("components/breadcrumbs.html")
def breadcrumbs(*pairs):
    """Where this page sits: {% breadcrumbs url1 "PW-X" url2 "Review" %}, the last pair being
    the parent page (the design system's breadcrumb leaves out the page you are on). On small
    screens the design system shows only a back link to the parent."""
    if len(pairs) % 2 or not pairs:
        raise template.TemplateSyntaxError("breadcrumbs takes pairs of url and text")
    items = [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    return {"items": items, "parent": items[-1]}


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when missing): a row's figures for one period."""
    return (mapping or {}).get(key)


@register.inclusion_tag("components/bar_chart.html")
def bar_chart(rows, title, width=440, bar=24, gap=10):
    """A horizontal bar chart drawn on the server as SVG (no script, nothing inline the CSP
    refuses), for numbers also shown in a table beside it: rows are (label, number)."""
    rows = [(str(label), int(n)) for label, n in rows]
    top = max((n for _, n in rows), default=0) or 1
    label_width = 130
    bars = [{"label": label, "n": n, "y": i * (bar + gap),
             "width": round((width - label_width - 40) * n / top), "x": label_width}
            for i, (label, n) in enumerate(rows)]
    return {"title": title, "bars": bars, "width": width, "bar": bar,
            "height": len(rows) * (bar + gap), "text_y": bar * 0.7}
