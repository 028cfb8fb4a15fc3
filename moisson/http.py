"""Small helpers the views of every app share to read what a request carries."""

import uuid

from django.http import Http404


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
