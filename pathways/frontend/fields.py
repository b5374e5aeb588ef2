"""A bound Django form field as the parameters of the NHS component macro that draws it.

`field_params(bound_field)` returns `{"kind": …, "params": {…}}`; the `form_field` macro in
templates/macros/forms.jinja passes the params to the matching nhsuk-frontend-jinja macro
(input, select, textarea or character count, radios, checkboxes, date input). The label, hint,
error message, value, items and the widget's own attributes all come from the field, so a page
writes `{{ form_field(form.reason) }}` and never a component's classes or ARIA.
"""
from django import forms


def kind_of(bound_field) -> str:
    """Which design system component a field renders as."""
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
        return "character-count" if getattr(bound_field.field, "max_length", None) else "textarea"
    return "input"


def revealed_fields(form) -> set[str]:
    """The fields a form shows only with one of its radios' choices (`form.reveals`, {radios field:
    {choice: field}}) rather than in the form's own order."""
    return {name for choices in getattr(form, "reveals", {}).values()
            for name in choices.values()}


def error_anchor(bound_field) -> str:
    """The id the error summary links to: the first thing to fix in the field."""
    kind = kind_of(bound_field)
    if kind == "date":
        return f"{bound_field.auto_id}_day"
    if kind in ("radios", "checkboxes"):
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id


def _in_a_sentence(label: str) -> str:
    """A label inside a sentence: its first letter lower case, unless it starts a name or an
    abbreviation ("NHS number", "CQC rating")."""
    label = label.rstrip("?:").strip()
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def specific(bound_field, error) -> str:
    """Django's generic messages ("This field is required.") as the design system's: say what
    to do with this field (issue 44). A form's own messages are left as they are."""
    text = str(error)
    question = str(bound_field.label).strip()
    label = _in_a_sentence(question)
    kind = kind_of(bound_field)
    if text == "This field is required." and question.endswith("?"):
        return f"Answer “{question}”"
    if text == "This field is required.":
        if kind in ("select", "radios"):
            return f"Choose {label}"
        if kind in ("checkbox", "checkboxes"):
            return f"Select {label}"
        return f"Enter {label}"
    if text.startswith("Select a valid choice"):
        return f"Choose {label} from the list offered"
    if text == "Enter a whole number.":
        return f"Enter {label} as a whole number, like 12"
    if text == "Enter a number.":
        return f"Enter {label} as a number"
    return text


def with_label(bound_field, error) -> str:
    """An error as the summary shows it: named by its field unless it already says which."""
    label, error = str(bound_field.label), specific(bound_field, error)
    if error.startswith(label) or label in error or _in_a_sentence(label) in error:
        return error
    return f"{label.rstrip('?:').strip()}: {error}"


def error_summary_items(forms_with_errors) -> list[dict]:
    """The error summary's list for every form on the page with errors: each field's errors
    link to the field, a form's own errors are plain text."""
    items = []
    for form in forms_with_errors or ():
        items.extend({"text": str(error)} for error in form.non_field_errors())
        for bound_field in form:
            items.extend({"text": with_label(bound_field, error),
                          "href": f"#{error_anchor(bound_field)}"}
                         for error in bound_field.errors)
    return items


# Attributes the macro writes itself, from the field: never passed through twice.
OWN_ATTRIBUTES = {"class", "id", "name", "type", "value", "rows", "maxlength",
                  "aria-describedby", "aria-invalid"}


def _attributes(bound_field) -> dict:
    """The widget's own attributes (autocomplete, inputmode, required, min…), as the macro's
    `attributes`, boolean ones written as the attribute's name."""
    attrs = bound_field.build_widget_attrs(dict(bound_field.field.widget.attrs))
    return {name: (name if value is True else str(value)) for name, value in attrs.items()
            if name not in OWN_ATTRIBUTES and value is not False and value is not None}


def _value(bound_field):
    value = bound_field.field.widget.format_value(bound_field.value())
    return "" if value is None else str(value)


def _common(bound_field) -> dict:
    params = {"id": bound_field.auto_id, "name": bound_field.html_name,
              "label": {"text": str(bound_field.label)}}
    if bound_field.help_text:
        params["hint"] = {"text": str(bound_field.help_text)}
    if bound_field.errors:
        params["errorMessage"] = {"text": " ".join(specific(bound_field, e)
                                                   for e in bound_field.errors)}
    attributes = _attributes(bound_field)
    if attributes:
        params["attributes"] = attributes
    return params


def _legend(params: dict) -> dict:
    """A group of inputs (radios, checkboxes, a date) is a fieldset: the label becomes its
    legend, sized as a label."""
    label = params.pop("label")
    params["fieldset"] = {"legend": {"text": label["text"], "size": "s"}}
    return params


# Django's empty choice ("---------") where a form gives none of its own (issue 44).
EMPTY_CHOICE = "Choose…"


def _choice_text(label) -> str:
    text = str(label)
    return EMPTY_CHOICE if text == "---------" else text


def _options(bound_field) -> list[dict]:
    """The choices as the macro's items, ids as Django gives them (<id>_0, <id>_1…)."""
    items = []
    for sub in bound_field.subwidgets:
        option = sub.data
        item = {"value": str(option["value"]), "text": _choice_text(option["label"]),
                "id": option["attrs"].get("id") or f"{bound_field.auto_id}_{option['index']}"}
        if option["selected"]:
            item["checked"] = True
        if option["attrs"].get("disabled"):
            item["disabled"] = True
        items.append(item)
    return items


# The nhsuk-frontend-jinja component that draws each kind (under nhsuk/components/).
COMPONENTS = {"input": "input", "select": "select", "textarea": "textarea",
              "character-count": "character-count", "radios": "radios",
              "checkboxes": "checkboxes", "checkbox": "checkboxes", "date": "date-input"}


def field_params(bound_field, width=None) -> dict:
    """{"kind", "component": the NHS component's name, "params": its macro's parameters} for
    one bound field."""
    kind = kind_of(bound_field)
    if kind == "hidden":
        return {"kind": kind, "params": {"html": bound_field.as_widget()}}
    params = _common(bound_field)
    widget = bound_field.field.widget
    if kind == "input":
        params["type"] = getattr(widget, "input_type", "text")
        params["value"] = _value(bound_field)
        if width:
            params["width"] = width
    elif kind in ("textarea", "character-count"):
        params["value"] = _value(bound_field)
        params["rows"] = widget.attrs.get("rows", 5)
        if kind == "character-count":
            params["maxlength"] = bound_field.field.max_length
            params["threshold"] = 75
    elif kind == "select":
        params["items"] = [
            {"value": str(o["value"]), "text": _choice_text(o["label"]),
             **({"selected": True} if o["selected"] else {})}
            for _, options, _ in widget.optgroups(bound_field.html_name, widget.format_value(
                bound_field.value())) for o in options]
    elif kind in ("radios", "checkboxes"):
        _legend(params)
        params["idPrefix"] = bound_field.auto_id
        params["items"] = _options(bound_field)
    elif kind == "checkbox":
        # One box, whose label is the question: the box takes the field's id (the container
        # would otherwise carry it too).
        label = params.pop("label")
        params.pop("id")
        params["items"] = [{"value": "on", "text": label["text"], "id": bound_field.auto_id,
                            **({"checked": True} if widget.check_test(bound_field.value())
                               else {})}]
        params["idPrefix"] = bound_field.auto_id
    elif kind == "date":
        _legend(params)
        params["fieldset"]["role"] = "group"
        params["namePrefix"] = bound_field.html_name
        for part, value in widget.part_values(bound_field).items():
            params[part] = {"name": part, "id": f"{bound_field.auto_id}_{part}",
                            "value": value, "width": 4 if part == "year" else 2,
                            "inputmode": "numeric"}
    return {"kind": kind, "component": COMPONENTS[kind], "params": params}
