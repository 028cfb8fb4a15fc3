"""What the web server's master prepares before it forks the workers (moisson.wsgi.warm_up)."""

import sys

from django.template import engines

from moisson.wsgi import warm_up


def test_warming_up_opens_no_database_connection():
    # No django_db mark: pytest-django makes any connection or query here an error. A connection opened in
    # the master would be shared by every worker after the fork.
    warm_up()


def test_after_warming_up_the_views_are_imported_and_the_templates_compiled():
    warm_up()
    assert "collect.views" in sys.modules
    assert "drf_spectacular.views" in sys.modules
    (loader,) = engines["django"].engine.template_loaders
    assert "collect/home.html" in loader.get_template_cache
