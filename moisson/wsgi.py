import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Do now, once, what every server process would otherwise do during its first requests.

    gunicorn.conf.py calls this in the master before the workers fork, so that they inherit it all, shared
    copy-on-write: the URL configuration with every view, serializer and DRF module it imports (about a
    second of CPU per worker), the compiled templates, the translation catalogs and the 503 pages. Nothing
    here opens a database or network connection: those must not be shared across a fork.
    """
    from django.conf import settings
    from django.template import engines
    from django.urls import get_resolver, reverse
    from django.utils import translation

    from moisson.overload import _page

    resolver = get_resolver()
    templates = Path(settings.BASE_DIR) / "templates"
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            reverse("collect:home")
            resolver.resolve("/")
            _page(language)
    for engine in engines.all():
        for template in sorted(templates.rglob("*.html")):
            engine.get_template(str(template.relative_to(templates)))
