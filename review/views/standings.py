"""A contributor's dashboard and the public leaderboard (review.standings)."""

from datetime import timedelta

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.decorators import contributor_required
from moisson.http import query_parameter
from review.models import Review, SuggestionState
from review.standings import contributor_summary, standings

LEADERBOARD_CACHE_SECONDS = 300
# The dashboard shows a reviewer's latest reviews as a reminder, not as an archive.
DASHBOARD_RECENT_REVIEWS = 20
LEADERBOARD_PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30), "all": None}
# The periods' French names of the previous release, still accepted in bookmarks.
FORMER_LEADERBOARD_PERIODS = {"semaine": "week", "mois": "month", "tout": "all"}


@contributor_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    recent = (
        Review.objects.filter(reviewer=request.user)
        .select_related("pair", "revision")
        .order_by("-created_at")[:DASHBOARD_RECENT_REVIEWS]
    )
    waiting = Review.objects.filter(pair__author=request.user, suggestion_state=SuggestionState.OPEN).count()
    return render(
        request,
        "review/dashboard.html",
        {"summary": contributor_summary(request.user), "recent": recent, "suggestions_waiting": waiting},
    )


@require_GET
def leaderboard(request: HttpRequest) -> HttpResponse:
    period = query_parameter(request, "period", former="periode", default="week")
    period = FORMER_LEADERBOARD_PERIODS.get(period, period)
    if period not in LEADERBOARD_PERIODS:
        period = "week"
    length = LEADERBOARD_PERIODS[period]

    def compute() -> dict:
        return standings(since=timezone.now() - length if length else None)

    rows = cache.get_or_set(f"review:leaderboard:{period}", compute, LEADERBOARD_CACHE_SECONDS)
    return render(request, "review/leaderboard.html", {"period": period, **rows})
