"""moisson/template_tags.py: {% rendered_once %} keeps a page's shared parts per language, nothing else."""

from unittest import mock

import pytest
from django.template import engines
from django.template.base import NodeList
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from collect.models import Level, Pair, Status


def render(source: str, context: dict | None = None) -> str:
    return engines["django"].from_string("{% load i18n moisson %}" + source).render(context)


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


@pytest.mark.parametrize("language", ["fr", "en"])
def test_label_is_the_label_get_foo_display_gives(language: str) -> None:
    pair = Pair(status=Status.PENDING, task_type="", domain="not a domain", level=Level.PRIMARY)
    with translation.override(language):
        for field_name in ("status", "task_type", "domain", "level"):
            for value in [value for value, _ in Pair._meta.get_field(field_name).flatchoices] + ["", "other"]:
                setattr(pair, field_name, value)
                shown = render(f'{{{{ pair|label:"{field_name}" }}}}', {"pair": pair})
                assert shown == escape(getattr(pair, f"get_{field_name}_display")())
