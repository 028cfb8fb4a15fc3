from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

View = Callable[..., HttpResponse]


def contributor_required(view: View) -> View:
    """Signed in, charter and licence accepted, not suspended: what writing and reviewing need."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.is_suspended:
            raise PermissionDenied(_("Your account is suspended."))
        if user.is_waiting:
            return redirect("accounts:waiting")
        if not user.has_accepted_terms:
            messages.info(request, _("Please read and accept the charter and the licence first."))
            # Encoded, or a query string like `?filter=1&domains=maths` loses everything after its first `&`.
            return redirect(f"{_terms_url()}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper


def moderator_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_moderator:
            raise PermissionDenied(_("This page is reserved for moderators."))
        return view(request, *args, **kwargs)

    return wrapper


def _terms_url() -> str:
    from django.urls import reverse

    return reverse("accounts:terms")
