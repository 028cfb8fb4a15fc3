from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import contributor_required, moderator_required
from accounts.models import User
from collect.coverage import coverage_cells
from collect.models import CoverageTarget, Domain, Level, Pair, Revision, Status, TaskType
from collect.services import Evaluation, SubmissionRefused
from collect.statistics import site_statistics
from moisson.http import has_query_parameter, query_parameter, uuid_or_404
from moisson.network import client_ip

from .contact import handle_contact_request, receive_contact_request
from .errors import (
    AlreadyReviewed,
    InvalidAction,
    InvalidReview,
    NotHanded,
    ReviewRefused,
    StaleRevision,
    TooManyMessages,
)
from .forms import (
    ContactForm,
    ContactHandledForm,
    CoverageTargetsForm,
    DecisionForm,
    ModeratorEditForm,
    QueueFilterForm,
    ReportForm,
    ReviewForm,
    SuspendForm,
    TakedownForm,
)
from .models import AuditAction, AuditEntry, ContactKind, ContactRequest, Review, SuggestionState
from .moderation import (
    DECIDED,
    decide_pair,
    moderator_edit,
    set_coverage_targets,
    suspend_user,
    take_down,
)
from .personal_data import personal_data_of
from .reports import REPORTABLE, report_pair
from .standings import contributor_summary, standings
from .suggestions import accept_suggestion, dismiss_suggestion
from .voting import next_pair_for, record_review, skip_pair

QUEUE_FILTER_SESSION_KEY = "review_filter"
LEADERBOARD_CACHE_SECONDS = 300
# The moderation page shows two forms with a "reason" field: the edit form's ids get their own prefix,
# so each label finds its own field (and assistive technologies read the right one).
MODERATOR_EDIT_AUTO_ID = "edit_%s"
# Page sizes: a moderator reads each queued pair's line before opening it, so a page is what one sitting
# gets through; the audit log is scanned rather than read, so its pages are longer.
MODERATION_QUEUE_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100
# The dashboard shows a reviewer's latest reviews as a reminder, not as an archive.
DASHBOARD_RECENT_REVIEWS = 20
LEADERBOARD_PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30), "all": None}
# The periods' French names of the previous release, still accepted in bookmarks.
FORMER_LEADERBOARD_PERIODS = {"semaine": "week", "mois": "month", "tout": "all"}
VOTE_FIELDS = [
    "verdict",
    "reasons",
    "correctness",
    "fluency",
    "comment",
    "suggested_question",
    "suggested_answer",
    "suggested_final_answer",
]


# Reviewing


@contributor_required
@require_http_methods(["GET", "POST"])
def next_pair(request: HttpRequest) -> HttpResponse:
    """GET: the pair to review now. POST: a vote on it, then the tally."""
    domains, levels, filter_form = _queue_filter(request)
    by_need = bool(request.session.get(QUEUE_FILTER_SESSION_KEY, {}).get("by_need"))
    if request.method == "POST":
        form = ReviewForm(request.POST)
        # Nobody else's draft is reachable here, even with its id.
        pair = get_object_or_404(
            Pair.objects.exclude(status=Status.DRAFT), pk=uuid_or_404(request.POST.get("pair", ""))
        )
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
        pair = next_pair_for(request.user, domains=domains, levels=levels, by_need=by_need)
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
    pair = get_object_or_404(
        Pair.objects.exclude(status=Status.DRAFT), pk=uuid_or_404(request.POST.get("pair", ""))
    )
    try:
        skip_pair(reviewer=request.user, pair=pair)
    except ReviewRefused as refused:
        messages.info(request, str(refused))
    return redirect("review:next")


@contributor_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pair_id: str) -> HttpResponse:
    """Reporting needs the charter accepted (contributor_required); review.services says who may report."""
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


# Contributors' standing


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


# Contact: anyone, account or not, can reach the moderators


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    initial = {
        "kind": query_parameter(request, "kind", former="objet"),
        "pair_reference": query_parameter(request, "pair", former="paire"),
    }
    if initial["kind"] not in ContactKind.values:
        initial["kind"] = ""
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:
            # A robot filled the hidden field: it gets the same answer as a person, and nothing is kept.
            return redirect("review:contact_sent")
        data = {
            name: form.cleaned_data[name] for name in ("kind", "email", "message", "name", "pair_reference")
        }
        try:
            receive_contact_request(client_ip=client_ip(request), **data)
        except TooManyMessages as refused:
            form.add_error(None, str(refused))
            return render(request, "review/contact.html", {"form": form}, status=429)
        except InvalidAction as refused:
            form.add_error(None, str(refused))
        else:
            return redirect("review:contact_sent")
    return render(request, "review/contact.html", {"form": form})


@require_GET
def contact_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "review/contact_sent.html")


@moderator_required
@require_POST
def contact_handled(request: HttpRequest, request_id: int) -> HttpResponse:
    contact_request = get_object_or_404(ContactRequest, pk=request_id)
    form = ContactHandledForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done with this message."))
        return redirect("review:queue")
    try:
        handle_contact_request(
            moderator=request.user, request=contact_request, note=form.cleaned_data["note"]
        )
    except InvalidAction as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The message is marked as handled."))
    return redirect("review:queue")


# Moderation


@moderator_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Disputed and reported pairs, oldest first."""
    pairs = Pair.objects.in_moderation().with_open_report_count().select_related("author")
    page = Paginator(pairs, MODERATION_QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    contact_requests = ContactRequest.objects.open().select_related("pair").order_by("created_at", "pk")
    return render(
        request,
        "review/queue.html",
        {"page": page, "contact_requests": contact_requests, "handled_form": ContactHandledForm()},
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def moderate(request: HttpRequest, pair_id: str) -> HttpResponse:
    """One pair with everything a moderator needs; a form posted here goes to the view of its action."""
    if request.method == "POST":
        # Pages opened before the per-action URLs existed post their hidden "action" field here.
        if request.POST.get("action") == AuditAction.EDIT:
            return moderate_edit(request, pair_id)
        return moderate_decide(request, pair_id)
    return _moderation_page(request, _moderated_pair(pair_id))


@moderator_required
@require_POST
def moderate_decide(request: HttpRequest, pair_id: str) -> HttpResponse:
    """Validate, reject, remove or stop the review of a pair."""
    pair = _moderated_pair(pair_id)
    decision_form = DecisionForm(request.POST)
    if decision_form.is_valid():
        try:
            decide_pair(
                moderator=request.user,
                pair=pair,
                action=decision_form.cleaned_data["action"],
                reason=decision_form.cleaned_data["reason"],
                removal_reason=decision_form.cleaned_data["removal_reason"],
            )
        except ReviewRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("review:queue")
    return _moderation_page(request, pair, decision_form=decision_form)


@moderator_required
@require_POST
def moderate_edit(request: HttpRequest, pair_id: str) -> HttpResponse:
    """Correct a pair's texts as a new revision, and validate it if asked."""
    pair = _moderated_pair(pair_id)
    edit_form = ModeratorEditForm(request.POST, auto_id=MODERATOR_EDIT_AUTO_ID)
    if not edit_form.is_valid():
        return _moderation_page(request, pair, edit_form=edit_form)
    try:
        moderator_edit(
            moderator=request.user,
            pair=pair,
            data={name: edit_form.cleaned_data[name] for name in ModeratorEditForm.TEXT_FIELDS},
            reason=edit_form.cleaned_data["reason"],
            validate=edit_form.cleaned_data["validate"],
        )
    except ReviewRefused as refused:
        messages.error(request, str(refused))
    except SubmissionRefused as refused:
        messages.error(request, _("The edit was not saved: please fix the points below."))
        return _moderation_page(request, pair, edit_form=edit_form, evaluation=refused.evaluation)
    else:
        messages.success(request, _("The pair was edited."))
        return redirect("review:moderate", pair_id=pair.pk)
    return _moderation_page(request, pair, edit_form=edit_form)


def _moderated_pair(pair_id: str) -> Pair:
    return get_object_or_404(Pair.objects.select_related("author", "current_revision"), pk=pair_id)


def _moderation_page(
    request: HttpRequest,
    pair: Pair,
    *,
    decision_form: DecisionForm | None = None,
    edit_form: ModeratorEditForm | None = None,
    evaluation: Evaluation | None = None,
) -> HttpResponse:
    if edit_form is None:
        edit_form = ModeratorEditForm(
            initial={name: getattr(pair, name) for name in ModeratorEditForm.TEXT_FIELDS},
            auto_id=MODERATOR_EDIT_AUTO_ID,
        )
    revisions = (
        Revision.objects.filter(pair=pair)
        .order_by("-number")
        .prefetch_related(
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer").order_by("created_at"))
        )
    )
    return render(
        request,
        "review/moderate.html",
        {
            "pair": pair,
            "revisions": revisions,
            "near_duplicates": pair.current_revision.near_duplicate_pairs if pair.current_revision else [],
            "reports": pair.reports.select_related("reporter", "resolved_by").order_by("-created_at"),
            "history": pair.audit_entries.select_related("actor").order_by("-created_at"),
            "decision_form": decision_form or DecisionForm(),
            "edit_form": edit_form,
            "suspend_form": SuspendForm(),
            "evaluation": evaluation,
        },
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def suspend(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    form = SuspendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suspend_user(moderator=request.user, user=person, reason=form.cleaned_data["reason"])
        except InvalidAction as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The account is suspended; its pending pairs were withdrawn."))
            return redirect("review:queue")
    counts = {
        "pending": Pair.objects.of(person).awaiting_review().count(),
        "reviews": Review.objects.filter(reviewer=person, counts=True).count(),
    }
    return render(request, "review/suspend.html", {"person": person, "form": form, "counts": counts})


@moderator_required
@require_http_methods(["GET", "POST"])
def takedown(request: HttpRequest) -> HttpResponse:
    initial = {"pair": query_parameter(request, "pair", former="paire")}
    form = TakedownForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        pair = Pair.objects.filter(pk=form.cleaned_data["pair"]).first()
        if pair is None:
            form.add_error("pair", _("No pair has this identifier."))
        else:
            try:
                take_down(
                    moderator=request.user,
                    pair=pair,
                    requester=form.cleaned_data["requester"],
                    reason=form.cleaned_data["reason"],
                )
            except InvalidAction as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("The pair was taken down; the next release will drop it."))
                return redirect("review:takedown")
    return render(request, "review/takedown.html", {"form": form})


@moderator_required
@require_http_methods(["GET", "POST"])
def coverage(request: HttpRequest) -> HttpResponse:
    """Coverage targets of one domain, per school level and task type, next to what the site has."""
    domain = request.GET.get("domaine")
    if domain not in Domain.values:
        domain = Domain.MATHS
    targets = {
        (level, task_type): target
        for level, task_type, target in CoverageTarget.objects.filter(domain=domain).values_list(
            "level", "task_type", "target"
        )
    }
    form = CoverageTargetsForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            changed = set_coverage_targets(
                moderator=request.user,
                domain=domain,
                targets=form.targets(),
                reason=form.cleaned_data["reason"],
            )
        except InvalidAction as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Targets saved (%(n)d changed).") % {"n": len(changed)},
            )
            return redirect(f"{reverse('review:coverage')}?domaine={domain}")
    counts = {(cell.level, cell.task_type): cell for cell in coverage_cells() if cell.domain == domain}
    rows = [
        {
            "label": task_label,
            "cells": [
                {"field": form[form.field_name(level, task_type)], "cell": counts.get((level, task_type))}
                for level in Level.values
            ],
        }
        for task_type, task_label in TaskType.choices
    ]
    return render(
        request,
        "review/coverage.html",
        {
            "form": form,
            "rows": rows,
            "levels": Level.choices,
            "domains": Domain.choices,
            "domain": domain,
            "domain_label": Domain(domain).label,
        },
    )


@moderator_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("actor", "target_user", "pair").order_by("-created_at", "-pk")
    action = request.GET.get("action")
    if action not in AuditAction.values:
        action = None
    if action:
        entries = entries.filter(action=action)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "review/audit.html",
        {
            "page": page,
            "actions": AuditAction,
            "current_action": action,
            "query": f"action={action}" if action else "",
        },
    )


# Inside


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


@login_required
def my_data(request: HttpRequest) -> JsonResponse:
    """Everything Moisson keeps about the signed-in person, as a JSON download."""
    response = JsonResponse(
        personal_data_of(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="moisson-mes-donnees.json"'
    return response
