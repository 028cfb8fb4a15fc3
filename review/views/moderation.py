"""The moderators' pages: the queue, one pair with a view per action (decide, edit), suspending an
account, a takedown, the coverage targets and the audit log. The rules are review.moderation's."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import moderator_required
from accounts.models import User
from collect.coverage import coverage_cells
from collect.models import CoverageTarget, Domain, Level, Pair, Revision, TaskType
from collect.services import Evaluation, SubmissionRefused
from moisson.http import query_parameter
from review.errors import InvalidAction, ReviewRefused
from review.forms import (
    ContactHandledForm,
    CoverageTargetsForm,
    DecisionForm,
    ModeratorEditForm,
    SuspendForm,
    TakedownForm,
)
from review.models import AuditAction, AuditEntry, ContactRequest, Review
from review.moderation import decide_pair, moderator_edit, set_coverage_targets, suspend_user, take_down

# The moderation page shows two forms with a "reason" field: the edit form's ids get their own prefix,
# so each label finds its own field (and assistive technologies read the right one).
MODERATOR_EDIT_AUTO_ID = "edit_%s"
# Page sizes: a moderator reads each queued pair's line before opening it, so a page is what one sitting
# gets through; the audit log is scanned rather than read, so its pages are longer.
MODERATION_QUEUE_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100


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
