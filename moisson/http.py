"""Small helpers the views of every app share to read what a request carries."""

import uuid

from django.http import Http404, HttpRequest


def uuid_or_none(value: str) -> str | None:
    """The canonical form of a UUID given in a request, or None when it is not one."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def uuid_or_404(value: str) -> str:
    """The canonical form of a UUID given in a request: anything else is a page that does not exist."""
    found = uuid_or_none(value)
    if found is None:
        raise Http404
    return found


def query_parameter(request: HttpRequest, name: str, *, former: str, default: str = "") -> str:
    """A query parameter by its English name, or by the French name it had before.

    The former names stay accepted for one release, so that bookmarks and pages still open keep
    working; links the site writes use the new names only.
    """
    if name in request.GET:
        return request.GET[name]
    return request.GET.get(former, default)


def has_query_parameter(request: HttpRequest, name: str, *, former: str) -> bool:
    """Whether the query carries the parameter, by its English or its former French name."""
    return name in request.GET or former in request.GET
