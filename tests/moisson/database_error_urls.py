"""The site's URLs plus views whose database connection fails (test_database_unavailable.py)."""

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from moisson.urls import urlpatterns as site_urlpatterns


def connection_lost(request: HttpRequest) -> HttpResponse:
    raise OperationalError("server closed the connection unexpectedly")


def connection_already_closed(request: HttpRequest) -> HttpResponse:
    raise InterfaceError("connection already closed")


urlpatterns = [
    path("test-base-perdue/", connection_lost),
    path("api/v1/test-base-fermee/", connection_already_closed),
    *site_urlpatterns,
]
