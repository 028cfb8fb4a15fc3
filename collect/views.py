import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import contributor_required

from .coverage import most_needed
from .forms import PairForm
from .models import Domain, Level, Pair, Status, TaskType
from .services import SubmissionRefused, evaluate_pair, save_draft, submit_pair, withdraw_pair


def home(request: HttpRequest) -> HttpResponse:
    counts = dict(Pair.objects.values_list("status").annotate(n=Count("id")).order_by())
    return render(
        request,
        "collect/home.html",
        {
            "validated_count": counts.get(Status.VALIDATED, 0),
            "pending_count": counts.get(Status.PENDING, 0),
            "contributor_count": Pair.objects.exclude(status=Status.DRAFT)
            .values("author")
            .distinct()
            .count(),
            "most_needed": most_needed(),
        },
    )


def guide(request: HttpRequest) -> HttpResponse:
    return render(request, "collect/guide.html", {"task_types": TaskType})


def _own_pair(request: HttpRequest, pair_id: str) -> Pair:
    # Someone else's pair does not exist, as far as this person can tell.
    return get_object_or_404(Pair, pk=pair_id, author=request.user)


@contributor_required
def write(request: HttpRequest, pair_id: str | None = None) -> HttpResponse:
    pair = _own_pair(request, pair_id) if pair_id else None
    if pair is not None and not pair.is_editable:
        messages.info(request, _("This pair can no longer be edited."))
        return redirect("collect:mine")
    initial = {}
    if pair is None:
        # A link from "what we lack most" preselects its domain, level and task type.
        for name, choices in (("domain", Domain), ("level", Level), ("task_type", TaskType)):
            if request.GET.get(name) in choices.values:
                initial[name] = request.GET[name]
    if pair is not None:
        initial = {
            name: getattr(pair, name)
            for name in ("question", "context", "answer", "task_type", "domain", "final_answer")
        }
        initial["level"] = pair.level
        initial["declaration"] = pair.declaration and pair.status != Status.DRAFT
    form = PairForm(request.POST or None, initial=initial)
    evaluation = None
    if request.method == "POST":
        if request.POST.get("action") == "draft":
            if pair is not None and pair.status != Status.DRAFT:
                messages.error(request, _("A pair under review cannot go back to draft."))
            else:
                pair = save_draft(author=request.user, data=form.pair_data(), pair=pair)
                messages.success(request, _("Your draft has been saved."))
                return redirect("collect:edit", pair_id=pair.pk)
        elif form.is_valid():
            try:
                pair = submit_pair(author=request.user, data=form.pair_data(), pair=pair)
            except SubmissionRefused as refused:
                evaluation = refused.evaluation
                pair = refused.pair or pair
                messages.error(
                    request,
                    _("Your pair was not submitted: please fix the points below. Your text has been kept."),
                )
            else:
                messages.success(
                    request, _("Thank you! Your pair has been submitted and is waiting for review.")
                )
                for finding in pair.current_revision.findings:
                    # The site computed another result: worth a second look, though it does not block.
                    if finding["code"] == "final_answer_mismatch":
                        messages.warning(request, finding["message"])
                return redirect(f"{reverse('collect:mine')}?envoyee={pair.pk}")
        elif pair is None or pair.status == Status.DRAFT:
            # The form is incomplete, but what was typed is kept as a draft.
            pair = save_draft(author=request.user, data=form.pair_data(), pair=pair)
            messages.error(request, _("Some fields need your attention. Your text has been kept as a draft."))
    return render(
        request,
        "collect/write.html",
        {"form": form, "pair": pair, "evaluation": evaluation, "most_needed": most_needed()},
    )


@contributor_required
@require_POST
def live_check(request: HttpRequest) -> HttpResponse:
    """Findings for the text being typed, as a fragment the writing page swaps in."""
    pair = None
    if request.POST.get("pair"):
        pair = Pair.objects.filter(pk=_uuid_or_404(request.POST["pair"]), author=request.user).first()
    evaluation = evaluate_pair(
        question=request.POST.get("question", "").strip(),
        context=request.POST.get("context", "").strip(),
        answer=request.POST.get("answer", "").strip(),
        task_type=request.POST.get("task_type", ""),
        final_answer=request.POST.get("final_answer", ""),
        exclude=pair,
    )
    return render(request, "collect/_findings.html", {"evaluation": evaluation, "live": True})


@contributor_required
@require_POST
def autosave(request: HttpRequest) -> JsonResponse:
    pair = None
    if request.POST.get("pair"):
        pair = get_object_or_404(Pair, pk=_uuid_or_404(request.POST["pair"]), author=request.user)
        if pair.status != Status.DRAFT:
            return JsonResponse({"saved": False, "reason": _("Pairs under review are not autosaved.")})
    form = PairForm(request.POST)
    form.is_valid()
    pair = save_draft(author=request.user, data=form.pair_data(), pair=pair)
    return JsonResponse(
        {
            "saved": True,
            "pair": str(pair.pk),
            "edit_url": pair_edit_url(pair),
            "saved_at": timezone.localtime().strftime("%H:%M:%S"),
        }
    )


@contributor_required
def mine(request: HttpRequest) -> HttpResponse:
    pairs = Pair.objects.of(request.user).order_by("-updated_at")
    status = request.GET.get("status")
    if status in Status.values:
        pairs = pairs.filter(status=status)
    counts = dict(Pair.objects.of(request.user).values_list("status").annotate(n=Count("id")).order_by())
    page = Paginator(pairs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "collect/mine.html",
        {
            "page": page,
            "pairs": page.object_list,
            "counts": counts,
            "statuses": Status,
            "current_status": status,
            "query": f"status={status}" if status in Status.values else "",
            "sent": _uuid_or_none(request.GET.get("envoyee", "")),
        },
    )


@contributor_required
def detail(request: HttpRequest, pair_id: str) -> HttpResponse:
    pair = _own_pair(request, pair_id)
    revisions = pair.revisions.order_by("-number")
    return render(request, "collect/detail.html", {"pair": pair, "revisions": revisions})


def public(request: HttpRequest, pair_id: str) -> HttpResponse:
    """A validated pair is public: anyone may read it (and it is in the releases)."""
    pair = get_object_or_404(Pair.objects.validated(), pk=pair_id)
    return render(request, "collect/public.html", {"pair": pair})


@contributor_required
@require_POST
def withdraw(request: HttpRequest, pair_id: str) -> HttpResponse:
    pair = _own_pair(request, pair_id)
    if not pair.is_withdrawable:
        messages.error(request, _("This pair can no longer be withdrawn."))
    else:
        withdraw_pair(pair=pair)
        messages.success(request, _("Your pair has been withdrawn."))
    return redirect("collect:mine")


def pair_edit_url(pair: Pair) -> str:
    return reverse("collect:edit", kwargs={"pair_id": pair.pk})


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _uuid_or_404(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Http404 from None
