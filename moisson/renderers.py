"""The API's renderers: JSON, and DRF's browsable pages for a person who opens an API address in a browser.

DRF's templates for those pages style a few things inline (a `<style>` block for highlighted code, `style`
attributes on the buttons it floats right), which the site's Content-Security-Policy refuses. Rather than copy
DRF's templates, these pages, and only these, are allowed inline styles; their scripts stay as strict as
everywhere else, and every other page, the API's JSON included, keeps the site's policy.
"""

from typing import Any

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        page = super().render(data, accepted_media_type, renderer_context)
        response = (renderer_context or {}).get("response")
        if response is not None:
            # Read by moisson.middleware.ContentSecurityPolicyMiddleware (django-csp's csp_update).
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return page
