"""moisson/template_tags.py: the same HTML as Django's own rendering, for less work."""

from unittest import mock

import pytest
from django import forms
from django.template import engines
from django.template.base import NodeList
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from review.forms import QueueFilterForm, ReviewForm


def render(source: str, context: dict | None = None) -> str:
    return engines["django"].from_string("{% load i18n moisson %}" + source).render(context)


def tags_and_inputs(field: forms.BoundField) -> list[tuple[str, str]]:
    return [(str(choice.tag()), render("{{ choice|choice_input }}", {"choice": choice})) for choice in field]


def assert_same_inputs(form: forms.Form) -> None:
    for field in form:
        if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            for tag, rendered in tags_and_inputs(field):
                assert rendered == tag


def test_choice_input_is_the_html_of_an_unbound_choice() -> None:
    assert_same_inputs(ReviewForm(initial={"pair": "4f1c", "revision": 1}))
    assert_same_inputs(QueueFilterForm(initial={"domains": ["mathematics"], "levels": []}))


def test_choice_input_keeps_the_ticked_choices_and_the_errors_of_a_sent_form() -> None:
    form = ReviewForm({"reasons": ["incomplete", "spam"], "correctness": "3", "fluency": "9"})
    assert not form.is_valid()

    assert_same_inputs(form)
    ticked = [choice for choice in form["reasons"] if "checked" in str(choice.tag())]
    assert [choice.data["value"] for choice in ticked] == ["incomplete", "spam"]
    verdict = next(iter(form["verdict"]))
    assert 'aria-invalid="true"' in render("{{ choice|choice_input }}", {"choice": verdict})


def test_choice_input_escapes_what_it_writes() -> None:
    class Form(forms.Form):
        pick = forms.ChoiceField(
            choices=[('"><b>', "label")], widget=forms.RadioSelect(attrs={"data-x": "<i>"})
        )

    assert_same_inputs(Form())
    assert "<b>" not in render("{{ choice|choice_input }}", {"choice": next(iter(Form()["pick"]))})


def test_a_rendered_once_block_sees_none_of_the_pages_variables() -> None:
    html = render("{% rendered_once %}[{{ name }}]{% endrendered_once %} {{ name }}", {"name": "Alice"})

    assert html == "[] Alice"


def test_a_rendered_once_block_is_rendered_once_per_language() -> None:
    template = engines["django"].from_string(
        "{% load i18n moisson %}{% rendered_once %}{% translate 'Datasets' %} "
        "{% url 'export:list' %}{% endrendered_once %}"
    )
    request = RequestFactory().get("/")
    counted = mock.patch.object(NodeList, "render", autospec=True, side_effect=NodeList.render)
    with counted as rendered:
        with translation.override("fr"):
            french = [template.render({}, request) for _ in range(3)]
        with translation.override("en"):
            english = [template.render({}, request) for _ in range(3)]

    assert french == [f"Jeux de données {reverse('export:list')}"] * 3
    assert english == [f"Datasets {reverse('export:list')}"] * 3
    # The template's own node list each time, the block's content once per language.
    assert rendered.call_count == 3 + 3 + 2


def test_rendered_once_takes_no_argument() -> None:
    with pytest.raises(Exception, match="rendered_once takes no argument"):
        render("{% rendered_once user %}{% endrendered_once %}")
