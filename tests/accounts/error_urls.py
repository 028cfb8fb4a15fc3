"""The site's URLs plus views that fail on purpose, to test the error pages through the real stack."""

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.urls import path

from moisson.urls import handler404  # noqa: F401 (Django reads handler404)
from moisson.urls import urlpatterns as site_urlpatterns


def server_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("failing on purpose")


def bad_request(request: HttpRequest) -> HttpResponse:
    raise BadRequest("failing on purpose")


urlpatterns = [
    path("test-erreur-serveur/", server_error),
    path("test-requete-invalide/", bad_request),
    path("api/v1/test-erreur-serveur/", server_error),
    *site_urlpatterns,
]
