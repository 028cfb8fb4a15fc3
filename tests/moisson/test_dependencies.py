"""The apps come in the order of the story, accounts <- collect <- review, export: an app's code and
templates never name an app later in it (docs/ARCHITECTURE.md)."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

# Each app with the apps it must not name; templates/account/ holds allauth's pages, which are accounts'.
LATER = {
    "accounts": ("collect", "review", "export"),
    "collect": ("review", "export"),
}
TEMPLATE_FOLDERS = {"accounts": ("accounts", "account"), "collect": ("collect",)}
# Links by URL name from accounts' pages to site-wide pages that live in a later app: the home page and the
# writing guide (collect's), the contact and takedown form (shown on the legal pages and after sign-up) and
# the download of one's own data (on the profile), which live in review because they read its rows. A link
# is resolved when the page is shown, nothing is imported; these are the only ones.
ALLOWED_LINKS = {
    ("accounts", "locked_out.html", "collect:home"),
    ("accounts", "waiting.html", "collect:guide"),
    ("accounts", "license.html", "review:contact"),
    ("accounts", "privacy.html", "review:contact"),
    ("account", "verification_sent.html", "review:contact"),
    ("accounts", "profile.html", "review:my_data"),
}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def app_modules() -> list[tuple[str, Path]]:
    return [(app, path) for app in LATER for path in sorted((settings.BASE_DIR / app).rglob("*.py"))]


def app_templates() -> list[tuple[str, Path]]:
    return [
        (app, path)
        for app, folders in TEMPLATE_FOLDERS.items()
        for folder in folders
        for path in sorted((settings.BASE_DIR / "templates" / folder).glob("*.html"))
    ]


@pytest.mark.parametrize(("app", "path"), app_modules(), ids=lambda value: getattr(value, "name", value))
def test_an_app_imports_no_later_app(app: str, path: Path) -> None:
    later = {module for module in imported_modules(path) if module.split(".")[0] in LATER[app]}
    assert later == set()


@pytest.mark.parametrize(("app", "path"), app_templates(), ids=lambda value: getattr(value, "name", value))
def test_an_apps_templates_name_no_later_app(app: str, path: Path) -> None:
    later = "|".join(LATER[app])
    text = path.read_text(encoding="utf-8")
    tags = re.findall(rf"{{%\s*load\s[^%]*\b(?:{later})_", text)
    templates = re.findall(rf"['\"](?:{later})/", text)
    links = {
        name
        for name in re.findall(rf"['\"]((?:{later}):\w+)['\"]", text)
        if (path.parent.name, path.name, name) not in ALLOWED_LINKS
    }
    assert (tags, templates, links) == ([], [], set())


def test_the_quorum_rules_import_nothing_of_the_project() -> None:
    modules = imported_modules(settings.BASE_DIR / "review" / "quorum.py")
    assert {module.split(".")[0] for module in modules} & {"accounts", "collect", "review", "export"} == set()
