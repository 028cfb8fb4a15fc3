"""Reviewing, for any contributor: the next pair and the vote on it, the tally after voting, skipping,
reporting a pair, and the author's answer to a suggested edit. The rules are review.voting's, review.reports'
and review.suggestions'."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import contributor_required
from collect.models import Pair, Status
from collect.services import SubmissionRefused
from collect.statistics import site_statistics
from moisson.http import has_query_parameter, uuid_or_404
from review.errors import (
    AlreadyReviewed,
    InvalidReview,
    NotHanded,
    ReviewRefused,
    StaleRevision,
    TooManySkips,
)
from review.forms import QueueFilterForm, ReportForm, ReviewForm
from review.models import VOTE_FIELDS, Review
from review.moderation import DECIDED
from review.reports import REPORTABLE, report_pair
from review.suggestions import accept_suggestion, dismiss_suggestion
from review.voting import next_pair_for, record_review, skip_pair

QUEUE_FILTER_SESSION_KEY = "review_filter"


@contributor_required
@require_http_methods(["GET", "POST"])
def next_pair(request: HttpRequest) -> HttpResponse:
    """GET: the pair to review now. POST: a vote on it, then the tally."""
    domains, levels, filter_form = _queue_filter(request)
    by_need = bool(request.session.get(QUEUE_FILTER_SESSION_KEY, {}).get("by_need"))
    paused = ""
    if request.method == "POST":
        form = ReviewForm(request.POST)
        pair = _posted_pair(request)
        if form.is_valid():
            try:
                record_review(
                    reviewer=request.user,
                    pair=pair,
                    revision_number=form.cleaned_data["revision"],
                    **{name: form.cleaned_data[name] for name in VOTE_FIELDS},
                )
            except InvalidReview as refused:
                form.add_error(None, str(refused))
            except (StaleRevision, AlreadyReviewed, NotHanded) as refused:
                # Changed since it was shown, already judged, or not (or no longer) handed to this reviewer.
                messages.info(request, str(refused))
                return redirect("review:next")
            else:
                return redirect("review:tally", pair_id=pair.pk)
        elif pair.status != Status.PENDING:
            messages.info(request, _("This pair changed or is no longer awaiting review."))
            return redirect("review:next")
        # Otherwise the same pair again, with the form's errors.
    else:
        try:
            pair = next_pair_for(request.user, domains=domains, levels=levels, by_need=by_need)
        except TooManySkips as refused:
            # Too many skips within the hour: the page says when new pairs come, in place of a pair.
            pair, paused = None, str(refused)
        form = None
        if pair is not None:
            # Suggesting an edit starts from the current text: a suggestion equal to it is no suggestion.
            initial = {
                "suggested_question": pair.question,
                "suggested_answer": pair.answer,
                "suggested_final_answer": pair.final_answer,
            }
            form = ReviewForm(initial={"pair": pair.pk, "revision": pair.revision_number, **initial})
    return render(
        request,
        "review/next.html",
        {
            "pair": pair,
            "revision": pair.current_revision if pair is not None else None,
            "form": form,
            "paused": paused,
            "filter_form": filter_form,
            # The figure of the home page, from the same cache (collect.statistics).
            "pending_count": site_statistics()["by_status"][Status.PENDING],
        },
    )


@contributor_required
@require_GET
def tally(request: HttpRequest, pair_id: str) -> HttpResponse:
    """After voting: one's own vote; once the pair is decided, also the other votes on the revision the
    reviewer judged and who wrote it. Until then review stays blind: knowing how others voted, or whose
    pair it is, would sway the votes still to come."""
    pair = get_object_or_404(Pair.objects.select_related("author"), pk=pair_id)
    mine = (
        Review.objects.filter(pair=pair, reviewer=request.user)
        .select_related("revision")
        .order_by("-created_at")
        .first()
    )
    if mine is None:
        # Blind review: the votes are shown only to someone who has voted.
        return redirect("review:next")
    decided = pair.status in DECIDED
    reviews = [mine]
    if decided:
        reviews = (
            Review.objects.counted()
            .filter(revision=mine.revision)
            .select_related("reviewer", "revision")
            .order_by("created_at")
        )
    return render(
        request,
        "review/tally.html",
        {
            "pair": pair,
            "mine": mine,
            "reviews": reviews,
            "decided": decided,
            "same_revision": mine.revision_id == pair.current_revision_id,
        },
    )


@contributor_required
@require_POST
def skip(request: HttpRequest) -> HttpResponse:
    pair = _posted_pair(request)
    try:
        skip_pair(reviewer=request.user, pair=pair)
    except ReviewRefused as refused:
        messages.info(request, str(refused))
    return redirect("review:next")


@contributor_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pair_id: str) -> HttpResponse:
    """Reporting needs the charter accepted (contributor_required); review.reports says who may report."""
    pair = get_object_or_404(Pair, pk=pair_id, status__in=REPORTABLE)
    next_url = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("review:next")
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report_pair(reporter=request.user, pair=pair, reason=form.cleaned_data["reason"])
        except ReviewRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Thank you. The moderators will look at this pair."))
            return redirect(next_url)
    return render(request, "review/report.html", {"pair": pair, "form": form, "next": next_url})


@contributor_required
@require_POST
def suggestion(request: HttpRequest, review_id: int) -> HttpResponse:
    """The author accepts or dismisses a reviewer's suggested edit."""
    review = get_object_or_404(Review, pk=review_id, pair__author=request.user)
    try:
        if request.POST.get("action") == "accept":
            accept_suggestion(author=request.user, review=review)
            messages.success(
                request, _("Suggestion accepted: your pair has a new revision and goes back to review.")
            )
        else:
            dismiss_suggestion(author=request.user, review=review)
            messages.info(request, _("Suggestion dismissed."))
    except ReviewRefused as refused:
        messages.error(request, str(refused))
    except SubmissionRefused as refused:
        problems = " ".join(finding.message for finding in refused.evaluation.errors)
        messages.error(
            request, _("This suggestion cannot be accepted: %(problems)s") % {"problems": problems}
        )
    return redirect("collect:detail", pair_id=review.pair_id)


def _posted_pair(request: HttpRequest) -> Pair:
    """The pair a vote or a skip names. Nobody else's draft is reachable here, even with its id."""
    return get_object_or_404(
        Pair.objects.exclude(status=Status.DRAFT), pk=uuid_or_404(request.POST.get("pair", ""))
    )


def _queue_filter(request: HttpRequest) -> tuple[list | None, list | None, QueueFilterForm]:
    """The reviewer's filter of the queue: the page's choice, kept in the session, else the profile's."""
    if has_query_parameter(request, "filter", former="filtre"):
        form = QueueFilterForm(request.GET)
        if form.is_valid():
            # The need-first order is kept for the session only: the profile has no place for it.
            request.session[QUEUE_FILTER_SESSION_KEY] = {
                "domains": form.cleaned_data["domains"],
                "levels": form.cleaned_data["levels"],
                "by_need": form.cleaned_data["by_need"],
            }
            if form.cleaned_data["remember"]:
                request.user.review_domains = form.cleaned_data["domains"]
                request.user.review_levels = form.cleaned_data["levels"]
                request.user.save(update_fields=["review_domains", "review_levels"])
    chosen = request.session.get(QUEUE_FILTER_SESSION_KEY)
    if chosen is None:
        initial = {"domains": request.user.review_domains, "levels": request.user.review_levels}
        return None, None, QueueFilterForm(initial=initial)
    return chosen["domains"], chosen["levels"], QueueFilterForm(initial=chosen)
