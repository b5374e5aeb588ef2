"""Error messages in the design system's words (issue 44): never Django's generic "This field
is required.", never a doubled "?:" in the error summary."""
from django import forms

from pathways.frontend.fields import error_summary_items, field_params, specific


class Form(forms.Form):
    nhs_number = forms.CharField(label="NHS number")
    chair = forms.ChoiceField(label="Chair", choices=[("a", "A")])
    where = forms.ChoiceField(label="Where did they go?", choices=[("h", "Home")],
                              widget=forms.RadioSelect)
    count = forms.IntegerField(label="Beds")
    reason = forms.CharField(label="Reason", error_messages={"required": "Give the reason"})


def test_each_generic_message_says_what_to_do_with_its_own_field():
    form = Form({"chair": "zzz", "count": "many"})
    assert not form.is_valid()
    said = {f.name: [specific(f, e) for e in f.errors] for f in form}
    assert said == {
        "nhs_number": ["Enter NHS number"],
        "chair": ["Choose chair from the list offered"],
        "where": ["Answer “Where did they go?”"],
        "count": ["Enter beds as a whole number, like 12"],
        "reason": ["Give the reason"],           # a form's own message is kept
    }
    # The field's own error message and the summary say the same, the summary once only.
    assert field_params(form["nhs_number"])["params"]["errorMessage"]["text"] == \
        "Enter NHS number"
    texts = [item["text"] for item in error_summary_items([form])]
    assert "Answer “Where did they go?”" in texts
    assert not any("?:" in text or "This field is required" in text for text in texts)
    assert "Give the reason" in texts             # it names its field: no prefix
