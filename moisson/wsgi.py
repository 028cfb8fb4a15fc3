import gc
import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Do now, once, what every server process would otherwise do during its first requests.

    The web server calls this in the master before the workers fork (moisson/serve.py for granian,
    gunicorn.conf.py for gunicorn), so that they inherit it all, shared copy-on-write: the URL configuration
    with every view, serializer and DRF module it imports (about a second of CPU per worker), the compiled
    templates, the translation catalogs and the 503 answers. Nothing here opens a database or network
    connection: those must not be shared across a fork.
    """
    from django.conf import settings
    from django.template import engines
    from django.urls import get_resolver, reverse
    from django.utils import translation

    from moisson.overload import _refusal

    resolver = get_resolver()
    templates = Path(settings.BASE_DIR) / "templates"
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            reverse("collect:home")
            resolver.resolve("/")
            _refusal(language, api=False)
            _refusal(language, api=True)
    for engine in engines.all():
        for template in sorted(templates.rglob("*.html")):
            engine.get_template(str(template.relative_to(templates)))


# A request allocates thousands of objects, nearly all freed by reference counting: a young-generation
# collection every 700 allocations (Python's default) mostly finds nothing. Under 200 simulated volunteers,
# 20,000 halved the collector's time per worker (0.2 s to 0.1 s over 20 s, heap frozen).
WORKER_GC_THRESHOLD = (20_000, 20, 20)


def prepare_to_fork() -> None:
    """In the server's master process, once, just before it forks the workers (gunicorn or granian).

    Loads the language detector of `collect.checks` (lingua, about 280 MiB of models) and warms up, so every
    worker shares those pages copy-on-write (the threads lingua starts here are not copied: workers judge
    texts one by one, `collect.checks._in_parallel`); then freezes the heap: the workers' garbage collections
    never walk (nor write to) these objects. Under 200 simulated volunteers this cut the collector's time per
    worker from about 0.5 s to 0.15 s over 20 s.
    """
    from collect.checks import _language_detector

    warm_up()
    _language_detector()
    gc.collect()
    gc.freeze()
