"""moisson/template_tags.py: {% rendered_once %} keeps a page's shared parts per language, nothing else."""

import uuid
from unittest import mock

import pytest
from django.template import engines
from django.template.base import NodeList
from django.test import RequestFactory
from django.urls import reverse, set_script_prefix
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


@pytest.mark.parametrize("name", ["collect:detail", "collect:edit", "collect:withdraw", "collect:public"])
def test_url_with_id_is_the_url_the_url_tag_gives(name: str) -> None:
    pair_ids = [uuid.uuid4() for _ in range(3)]
    for script_prefix in ("/", "/moisson/"):
        set_script_prefix(script_prefix)
        try:
            for pair_id in pair_ids:
                shown = render(f"{{{{ pair_id|url_with_id:'{name}' }}}}", {"pair_id": pair_id})
                assert shown == render(f"{{% url '{name}' pair_id %}}", {"pair_id": pair_id})
                assert shown.startswith(script_prefix) and str(pair_id) in shown
        finally:
            set_script_prefix("/")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_review_summary_says_what_the_blocktranslate_it_replaces_said(language: str) -> None:
    said = (
        "{% blocktranslate count counter=pair.review_count with approvals=pair.approvals "
        "rejections=pair.rejections %}{{ counter }} review: {{ approvals }} approval(s), {{ rejections }} "
        "rejection(s){% plural %}{{ counter }} reviews: {{ approvals }} approval(s), {{ rejections }} "
        "rejection(s){% endblocktranslate %}"
    )
    with translation.override(language):
        for approvals, rejections in [(1, 0), (0, 1), (2, 1), (3, 3), (700, 450)]:
            pair = Pair(review_count=approvals + rejections, approvals=approvals, rejections=rejections)
            shown = render("{{ pair|review_summary }}", {"pair": pair})
            assert shown == render(said, {"pair": pair})
            assert str(approvals + rejections) in shown
