"""Django's 400 and 500 handlers: under /api/ the API's JSON error shape; a body over the limit is a 413."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import server_error as django_server_error


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    too_large = isinstance(exception, RequestDataTooBig)
    if request.path.startswith("/api/"):
        if too_large:
            return JsonResponse(
                {"detail": _("The request is too large."), "code": "request_too_large"}, status=413
            )
        return JsonResponse(
            {"detail": _("The request could not be understood."), "code": "bad_request"}, status=400
        )
    if too_large:
        return render(request, "413.html", status=413)
    return django_bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """An unexpected crash: API clients get JSON they can parse, people the site's styled page."""
    if request.path.startswith("/api/"):
        detail = _("Something went wrong on our side. Please try again later.")
        return JsonResponse({"detail": detail, "code": "server_error"}, status=500)
    return django_server_error(request)
