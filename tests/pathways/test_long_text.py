"""Long free text is never cut silently (issue 32): every text box in every form has a limit,
shown beside it by the design system's character count, and text over it is refused with a
message that says the limit."""
import importlib
from pathlib import Path

from django import forms
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def all_forms():
    for path in ROOT.glob("*/forms.py"):
        if path.parts[-2] in ("tests", ".venv"):
            continue
        importlib.import_module(f"{path.parts[-2]}.forms")
    seen, stack = set(), [forms.Form, forms.ModelForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return [cls for cls in seen if cls.__module__.split(".")[0] in {
        p.parts[-2] for p in ROOT.glob("*/forms.py")}]


def test_every_text_box_has_a_limit():
    missing = []
    checked = 0
    for form_class in all_forms():
        for name, field in form_class.base_fields.items():
            if isinstance(field.widget, forms.Textarea):
                checked += 1
                if not getattr(field, "max_length", None):
                    missing.append(f"{form_class.__module__}.{form_class.__name__}.{name}")
    assert checked > 20
    assert not missing, missing


def test_text_over_the_limit_is_refused_saying_the_limit():
    from referrals.forms import ConcernForm

    field = next(f for f in ConcernForm.base_fields.values()
                 if isinstance(f.widget, forms.Textarea))
    too_long = "x" * (field.max_length + 1)
    try:
        field.clean(too_long)
    except forms.ValidationError as error:
        assert f"{field.max_length:,}" in error.messages[0] or str(field.max_length) in \
            error.messages[0]
    else:
        raise AssertionError("text over the limit was accepted")
