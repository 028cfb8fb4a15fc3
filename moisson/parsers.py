"""The API's JSON parser: a body too big or nested too deep is the client's mistake (4xx), never a 500.

DRF's parser reads the request stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE never applies to
JSON bodies, and the standard library's decoder recurses once per level of nesting, so
`[[[[...]]]]` fifty thousand deep raises RecursionError.
"""

import json
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request is too large.")
    default_code = "request_too_large"


class JSONParser(parsers.JSONParser):
    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(body) > limit:
            raise RequestTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(body.decode(encoding), parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            # ValueError covers malformed JSON, bad encoding and NaN/Infinity (see _refuse_constant).
            raise exceptions.ParseError(_("The request body is not valid JSON.")) from None


def _refuse_constant(name: str) -> None:
    # NaN and Infinity are not JSON: DRF's parser refuses them too (strict mode).
    raise ValueError(f"{name} is not valid JSON")
