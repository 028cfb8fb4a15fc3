"""docs/ARCHITECTURE.md's layout names every module of the project and the apps: a newcomer reads the
tree, so a module added or renamed without its line fails here."""

import re

from django.conf import settings

APPS = ("moisson", "accounts", "collect", "review", "export")
# Every app has these; the layout says so once rather than on a line each.
# A module's name as the layout writes it; files at the root of the checkout are named there too.
MODULE = r"[\w/.]+\.py\b"
ROOT_FILES = {"manage.py", "gunicorn.conf.py"}
EVERY_APP_HAS = {"__init__.py", "apps.py", "admin.py", "urls.py", "api_urls.py", "api.py", "serializers.py"}


def layout() -> str:
    text = (settings.BASE_DIR / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## The layout, one line per module", 1)[1]
    return section.split("```", 2)[1]


def test_the_layout_names_every_module() -> None:
    tree = layout()
    named = set(re.findall(MODULE, tree))
    missing = []
    for app in APPS:
        for path in sorted((settings.BASE_DIR / app).rglob("*.py")):
            relative = path.relative_to(settings.BASE_DIR / app)
            if "migrations" in relative.parts or path.name in EVERY_APP_HAS:
                continue
            # Named by its path below the app, or by its file name under its folder's line.
            if relative.as_posix() not in named and path.name not in named:
                missing.append(f"{app}/{relative.as_posix()}")
    assert missing == []


def test_every_module_the_layout_names_exists() -> None:
    files = {path.name for app in APPS for path in (settings.BASE_DIR / app).rglob("*.py")}
    files |= {
        path.relative_to(settings.BASE_DIR / app).as_posix()
        for app in APPS
        for path in (settings.BASE_DIR / app).rglob("*.py")
    }
    assert sorted(set(re.findall(MODULE, layout())) - files - ROOT_FILES) == []
