"""A form renderer that writes the plain widgets in Python: `<input>` (text, hidden, checkbox, number...),
each radio button or checkbox of a choice field, and `<textarea>`, with the same HTML as Django's widget
templates; every other template (select, errors, whole forms) is still Django's.

Django renders each widget, and each choice of a radio or checkbox list, through two or three small
templates (input.html includes attrs.html): on the review page, dozens of choices, that was a quarter of the
request's CPU. A form opts in with `default_renderer = PLAIN_WIDGETS`; tests/moisson/test_form_rendering.py
compares the HTML with Django's for every widget of those forms.
"""

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import conditional_escape

WIDGETS = "django/forms/widgets/"
# The templates that are only {% include "django/forms/widgets/input.html" %}.
INPUTS = {
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "hidden",
        "checkbox",
        "number",
        "email",
        "password",
        "url",
        "tel",
        "search",
        "date",
        "datetime",
        "time",
        "color",
    )
}
# One choice of a radio or checkbox list: input_option.html.
OPTIONS = {f"{WIDGETS}input_option.html", f"{WIDGETS}radio_option.html", f"{WIDGETS}checkbox_option.html"}
TEXTAREA = f"{WIDGETS}textarea.html"


def _text(value: object) -> str:
    # What {{ value }} and {{ value|stringformat:'s' }} write: the text, escaped unless already safe.
    return conditional_escape(value if isinstance(value, str) else str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    # attrs.html: a True value is written as a bare name, a False one not at all.
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    attrs = _attrs(widget["attrs"])
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{attrs}>'


def _option(widget: dict[str, Any]) -> str:
    if not widget.get("wrap_label"):
        return _input(widget)
    target = widget["attrs"].get("id")
    label_for = f' for="{_text(target)}"' if target else ""
    # The line break is input.html's last character, which input_option.html includes.
    return f"<label{label_for}>{_input(widget)}\n {_text(widget['label'])}</label>"


def _textarea(widget: dict[str, Any]) -> str:
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


class PlainWidgets(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        if template_name in INPUTS:
            return _input(context["widget"])
        if template_name in OPTIONS:
            return _option(context["widget"])
        if template_name == TEXTAREA:
            return _textarea(context["widget"])
        return super().render(template_name, context, request)


# One instance for every form: the fallback's template engine is built once, as Django's default renderer's.
PLAIN_WIDGETS = PlainWidgets()
