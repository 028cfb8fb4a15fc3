"""collect comes before review and export in the story: neither its code nor its templates name them."""

import ast
import re

import pytest
from django.conf import settings

LATER_APPS = ("review", "export")


def imported_modules(path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize(
    "path", sorted((settings.BASE_DIR / "collect").rglob("*.py")), ids=lambda path: path.name
)
def test_collect_imports_no_later_app(path):
    later = {module for module in imported_modules(path) if module.split(".")[0] in LATER_APPS}
    assert later == set()


@pytest.mark.parametrize(
    "path", sorted((settings.BASE_DIR / "templates" / "collect").glob("*.html")), ids=lambda path: path.name
)
def test_collect_templates_name_no_later_app(path):
    text = path.read_text(encoding="utf-8")
    # Template tags of a later app, its URLs, its templates.
    pattern = r"{%\s*load\s[^%]*\b(review|export)_|['\"](review|export):|['\"](review|export)/"
    assert re.search(pattern, text) is None


def test_the_quorum_rules_import_nothing_of_the_project():
    modules = imported_modules(settings.BASE_DIR / "review" / "quorum.py")
    assert {module.split(".")[0] for module in modules} & {"accounts", "collect", "review", "export"} == set()
