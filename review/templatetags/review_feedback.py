"""What reviewers said about a pair, for its author's page (collect:detail).

A template tag rather than a view context, so that collect's view does not read review's rows: review's
part of that page (templates/review/_pair_feedback.html, listed by review.context_processors) calls it.
"""

from django import template

from collect.models import Pair
from review.models import Review, SuggestionState

register = template.Library()


@register.inclusion_tag("review/_feedback.html", takes_context=True)
def pair_feedback(context: template.Context, pair: Pair) -> dict:
    # One query for every review of every revision; suspended reviewers' reviews are not shown.
    reviews = (
        Review.objects.counted()
        .filter(pair=pair)
        .select_related("reviewer", "revision")
        .order_by("-revision__number", "created_at")
    )
    reviews = list(reviews)
    return {
        "pair": pair,
        "reviews": reviews,
        "open_suggestion": any(
            review.suggestion_state == SuggestionState.OPEN and review.revision_id == pair.current_revision_id
            for review in reviews
        ),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
