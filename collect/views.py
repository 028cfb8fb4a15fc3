import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import contributor_required
from moisson.compiled import CompiledQuery, Param
from moisson.http import query_parameter, uuid_or_404, uuid_or_none
from moisson.throttle import throttled

from .coverage import heatmap_context, most_needed
from .forms import PairForm
from .models import PAIR_FIELDS, Domain, Level, Pair, Status, TaskType
from .services import (
    PairStateError,
    SubmissionRefused,
    evaluate_pair,
    save_draft,
    submit_pair,
    withdraw_pair,
)
from .statistics import site_statistics


def home(request: HttpRequest) -> HttpResponse:
    # Cached figures (collect.statistics): the home page never counts the table itself.
    figures = site_statistics()
    return render(
        request,
        "collect/home.html",
        {
            "validated_count": figures["by_status"][Status.VALIDATED],
            "pending_count": figures["by_status"][Status.PENDING],
            "contributor_count": figures["contributors"],
            "most_needed": most_needed(),
        },
    )


@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    figures = site_statistics()
    levels = {**dict(Level.choices), "unspecified": _("Not specified")}
    return render(
        request,
        "collect/statistics.html",
        {
            "figures": figures,
            "weeks": _week_columns(figures["per_week"]),
            "by_status": _bars(figures["by_status"], dict(Status.choices)),
            "by_task_type": _bars(figures["by_task_type"], dict(TaskType.choices), largest_first=True),
            "by_domain": _bars(figures["by_domain"], dict(Domain.choices), largest_first=True),
            "by_level": _bars(figures["by_level"], levels),
            "goal_percent": _percent(figures["goal"]["share"]) or 0,
            "unanimous_percent": _percent(figures["agreement"]["unanimous_share"]),
            "pairwise_percent": _percent(figures["agreement"]["pairwise"]),
            **heatmap_context(),
        },
    )


# "My pairs" shows a contributor's work newest first: one page is a few weeks of steady writing.
MY_PAIRS_PAGE_SIZE = 30
# The weekly chart shows the last half year, one column per week, empty weeks included.
CHART_WEEKS = 26
# Size of the weekly chart in SVG units; the SVG stretches to the width of the page.
CHART_COLUMN_WIDTH = 10
CHART_HEIGHT = 100


def _percent(share: float | None) -> float | None:
    # Two decimals: the first pairs towards a goal of 100,000 would otherwise show 0 %.
    return None if share is None else round(100 * share, 2)


def _bars(counts: dict[str, int], labels: dict, *, largest_first: bool = False) -> list[dict]:
    """Rows of a bar chart: label, count, and the bar's length in percent of the longest bar."""
    rows = [{"code": code, "label": labels.get(code, code), "count": count} for code, count in counts.items()]
    if largest_first:
        rows.sort(key=lambda row: -row["count"])
    longest = max((row["count"] for row in rows), default=0)
    for row in rows:
        row["percent"] = round(100 * row["count"] / longest, 1) if longest else 0
    return rows


def _week_columns(per_week: list[dict]) -> dict:
    """Columns of the weekly chart of validated pairs, from CHART_WEEKS weeks ago to this week."""
    validated = {row["week"]: row["validated"] for row in per_week}
    today = timezone.localdate()
    this_monday = today - datetime.timedelta(days=today.weekday())
    mondays = [this_monday - datetime.timedelta(weeks=n) for n in range(CHART_WEEKS - 1, -1, -1)]
    highest = max((validated.get(monday, 0) for monday in mondays), default=0)
    columns = []
    for index, monday in enumerate(mondays):
        count = validated.get(monday, 0)
        height = round(CHART_HEIGHT * count / highest, 1) if highest else 0
        columns.append(
            {
                "week": monday,
                "count": count,
                "x": index * CHART_COLUMN_WIDTH + 1,
                "y": CHART_HEIGHT - height,
                "height": height,
            }
        )
    return {
        "columns": columns,
        "highest": highest,
        "width": CHART_WEEKS * CHART_COLUMN_WIDTH,
        "height": CHART_HEIGHT,
        "bar_width": CHART_COLUMN_WIDTH - 2,
        "total": sum(column["count"] for column in columns),
    }


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
    user = request.user
    last_choices = {"task_type": user.last_task_type, "domain": user.last_domain, "level": user.last_level}
    initial = {name: value for name, value in last_choices.items() if value}
    if pair is None:
        # A link from "what we lack most" preselects its domain, level and task type.
        for name, choices in (("domain", Domain), ("level", Level), ("task_type", TaskType)):
            if request.GET.get(name) in choices.values:
                initial[name] = request.GET[name]
    if pair is not None:
        initial = {name: getattr(pair, name) for name in PAIR_FIELDS}
        initial["declaration"] = pair.declaration and pair.status != Status.DRAFT
    form = PairForm(
        request.POST or None,
        initial=initial,
        license_needed=not request.user.has_accepted_current_license,
    )
    evaluation = None
    if request.method == "POST":
        if request.POST.get("action") == "draft":
            try:
                pair = save_draft(author=request.user, data=form.pair_data(), pair=pair)
            except PairStateError as refused:
                messages.error(request, str(refused))
            else:
                _remember_choices(request, pair, submitted=False)
                messages.success(request, _("Your draft has been saved."))
                return redirect("collect:edit", pair_id=pair.pk)
        elif form.is_valid():
            try:
                pair = submit_pair(author=request.user, data=form.pair_data(), pair=pair)
            except PairStateError as refused:
                # Reviewed to a decision or withdrawn since the page was shown.
                messages.error(request, str(refused))
                return redirect("collect:mine")
            except SubmissionRefused as refused:
                evaluation = refused.evaluation
                pair = refused.pair or pair
                messages.error(
                    request,
                    _("Your pair was not submitted: please fix the points below. Your text has been kept."),
                )
            else:
                _remember_choices(request, pair, submitted=True)
                messages.success(
                    request, _("Thank you! Your pair has been submitted and is waiting for review.")
                )
                for finding in pair.current_revision.findings:
                    # The site computed another result: worth a second look, though it does not block.
                    if finding["code"] == "final_answer_mismatch":
                        messages.warning(request, finding["message"])
                return redirect(f"{reverse('collect:mine')}?sent={pair.pk}")
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
@throttled(scope="live-check", rate_setting="LIVE_CHECK_THROTTLE")
def live_check(request: HttpRequest) -> HttpResponse:
    """Findings for the text being typed, as a fragment the writing page swaps in."""
    pair = None
    if request.POST.get("pair"):
        pair = Pair.objects.filter(pk=uuid_or_404(request.POST["pair"]), author=request.user).first()
    typed = {name: request.POST.get(name, "").strip() for name in PAIR_FIELDS}
    evaluation = evaluate_pair(typed, exclude=pair)
    return render(request, "collect/_findings.html", {"evaluation": evaluation, "live": True})


@contributor_required
@require_POST
def autosave(request: HttpRequest) -> JsonResponse:
    pair = None
    if request.POST.get("pair"):
        pair = get_object_or_404(Pair, pk=uuid_or_404(request.POST["pair"]), author=request.user)
        if pair.status != Status.DRAFT:
            return JsonResponse({"saved": False, "reason": _("Pairs under review are not autosaved.")})
    form = PairForm(request.POST)
    form.is_valid()
    try:
        pair = save_draft(author=request.user, data=form.pair_data(), pair=pair)
    except PairStateError as refused:
        return JsonResponse({"saved": False, "reason": str(refused)})
    return JsonResponse(
        {
            "saved": True,
            "pair": str(pair.pk),
            "edit_url": pair_edit_url(pair),
            "saved_at": timezone.localtime().strftime("%H:%M:%S"),
        }
    )


# What "My pairs" shows of each pair (templates/collect/mine.html): not the answer, context nor signature.
MY_PAIRS_COLUMNS = (
    "id",
    "status",
    "task_type",
    "domain",
    "question",
    "updated_at",
    "review_count",
    "approvals",
    "rejections",
)


@contributor_required
def mine(request: HttpRequest) -> HttpResponse:
    pairs = Pair.objects.of(request.user).only(*MY_PAIRS_COLUMNS).order_by("-updated_at")
    status = request.GET.get("status")
    if status in Status.values:
        pairs = pairs.filter(status=status)
    counts = dict(Pair.objects.of(request.user).values_list("status").annotate(n=Count("id")).order_by())
    page = Paginator(pairs, MY_PAIRS_PAGE_SIZE).get_page(request.GET.get("page"))
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
            "sent": uuid_or_none(query_parameter(request, "sent", former="envoyee")),
        },
    )


@contributor_required
def detail(request: HttpRequest, pair_id: str) -> HttpResponse:
    pair = _own_pair(request, pair_id)
    revisions = pair.revisions.order_by("-number")
    return render(request, "collect/detail.html", {"pair": pair, "revisions": revisions})


def public(request: HttpRequest, pair_id: str) -> HttpResponse:
    """A validated pair is public: anyone may read it (and it is in the releases)."""
    pair = _PUBLIC_PAIR.first(pair=pair_id)
    if pair is None:
        raise Http404
    return render(request, "collect/public.html", {"pair": pair})


# The public page's pair, with the SQL compiled once per thread (moisson.compiled), and its author in the same
# query: the page names them (if they chose to be named).
_PUBLIC_PAIR = CompiledQuery(
    lambda: (
        Pair.objects.validated()
        .select_related("author")
        .filter(pk=Param("pair", Pair._meta.pk))
        .order_by()[:1]
    )
)


@contributor_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pair_id: str) -> HttpResponse:
    """GET asks for confirmation (withdrawing cannot be undone), POST withdraws."""
    pair = _own_pair(request, pair_id)
    if not pair.is_withdrawable:
        messages.error(request, _("This pair can no longer be withdrawn."))
        return redirect("collect:mine")
    if request.method == "GET":
        return render(request, "collect/withdraw.html", {"pair": pair})
    try:
        withdraw_pair(pair=pair)
    except PairStateError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Your pair has been withdrawn."))
    return redirect("collect:mine")


def _remember_choices(request: HttpRequest, pair: Pair, *, submitted: bool) -> None:
    """The next writing page starts from these choices (only the person's own, never a default).

    A draft may leave a choice empty: that keeps the previous one rather than forgetting it."""
    user = request.user
    user.remember_writing_choices(
        task_type=pair.task_type or user.last_task_type,
        domain=pair.domain or user.last_domain,
        level=pair.level if submitted else pair.level or user.last_level,
    )


def pair_edit_url(pair: Pair) -> str:
    return reverse("collect:edit", kwargs={"pair_id": pair.pk})
