"""moisson/form_rendering.py: PLAIN_WIDGETS writes the same HTML as Django's widget templates."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from moisson.form_rendering import PLAIN_WIDGETS
from review.forms import QueueFilterForm, ReviewForm

DJANGO = DjangoTemplates()


class EveryWidget(forms.Form):
    text = forms.CharField(
        max_length=20, widget=forms.TextInput(attrs={"data-x": '<"&>', "autofocus": True, "hidden": False})
    )
    safe = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={"title": mark_safe("<b>ok</b>"), "data-none": None, "data-empty": "", "data-zero": 0}
        ),
    )
    number = forms.DecimalField(localize=True, required=False)
    whole = forms.IntegerField(min_value=1, help_text="from 1")
    email = forms.EmailField(required=False)
    address = forms.URLField(required=False, assume_scheme="https")
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    day = forms.DateField(required=False)
    hour = forms.TimeField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    agree = forms.BooleanField(required=False)
    note = forms.CharField(widget=forms.Textarea, required=False)
    pick = forms.ChoiceField(
        choices=[('"><i>', gettext_lazy("Verdict")), ("b", "<b>")], widget=forms.RadioSelect
    )
    several = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple, required=False
    )
    menu = forms.ChoiceField(choices=[("1", "one"), ("2", "two")], required=False)


SENT = {
    "text": "<script>",
    "number": "1,5",
    "whole": "0",
    "email": "not an address",
    "secret": 'p"w',
    "day": "2026-11-29",
    "hidden": "&",
    "agree": "on",
    "note": "\nfirst line\n<b>second</b>",
    "pick": "b",
    "several": ["x", "y"],
    "menu": "2",
}
INITIAL = {"day": datetime.date(2026, 1, 2), "hour": datetime.time(9, 30), "agree": True, "number": 2.5}


def html_of(form: forms.Form) -> list[str]:
    """Every piece of HTML a template may ask a form for."""
    pieces = [str(form), str(form.non_field_errors())]
    for field in form:
        pieces += [str(field), str(field.errors), field.label_tag()]
        if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            pieces += [piece for choice in field for piece in (str(choice.tag()), str(choice))]
    return pieces


FORMS = [
    (EveryWidget, {}),
    (EveryWidget, {"initial": INITIAL}),
    (EveryWidget, {"data": SENT}),
    (ReviewForm, {"initial": {"pair": "9f86679d-024d-43c6-90f2-f47079256f05", "revision": 2}}),
    (ReviewForm, {"data": {"reasons": ["incomplete", "spam"], "correctness": "3", "comment": "<b>x</b>"}}),
    (QueueFilterForm, {"initial": {"domains": ["maths"], "levels": [], "by_need": True}}),
    (QueueFilterForm, {"data": {"domains": ["maths", "nonsense"], "remember": "on"}}),
]


@pytest.mark.parametrize(("form_class", "arguments"), FORMS)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_plain_widgets_write_the_html_of_djangos_templates(
    form_class: type[forms.Form], arguments: dict, language: str
) -> None:
    with translation.override(language):
        plain = html_of(form_class(renderer=PLAIN_WIDGETS, **arguments))
        django = html_of(form_class(renderer=DJANGO, **arguments))

    assert plain == django


def test_the_review_pages_forms_use_plain_widgets() -> None:
    assert ReviewForm().renderer is PLAIN_WIDGETS
    assert QueueFilterForm().renderer is PLAIN_WIDGETS
