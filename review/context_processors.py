"""What review adds to collect's pages, so that collect's templates never name review (collect comes earlier
in the story: see docs/ARCHITECTURE.md).

A pair page of collect includes, in order, the templates listed under its name in `pair_page_parts`;
moisson/settings.py wires this processor in. The value is a constant: the templates do their own reads, and
only on the pages that include them.
"""

from django.http import HttpRequest

PAIR_PAGE_PARTS = {
    # The author's page of a pair (collect:detail): what reviewers said, and their suggested edits.
    "detail": ("review/_pair_feedback.html",),
    # A validated pair's public page (collect:public): how to report a problem with it.
    "public": ("review/_pair_report.html",),
}


def pair_page_parts(request: HttpRequest) -> dict[str, dict[str, tuple[str, ...]]]:
    return {"pair_page_parts": PAIR_PAGE_PARTS}
