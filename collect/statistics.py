"""Public statistics of the collection (SPEC.md §7): one function, `site_statistics()`, read by the
statistics page, the home page counters, the review page's counter and `/api/v1/stats/`.

Counting a million pairs takes about a second, far too slow for the home page, so the figures live in the
cache and a request only reads them:
- with a cache shared by every process (Redis in production), a change of state (a submission, a
  decision, a withdrawal...) queues one refresh in the Celery worker (`statistics_changed`), and figures
  older than STATISTICS_MAX_AGE_SECONDS are refreshed the same way (which also covers bulk updates that
  send no signal); only the very first request, before anything is cached, counts in the request;
- with a cache local to each process (the embedded default), the worker could not reach the web
  process's copy: a change drops that copy and the next request counts again, which is cheap at the size
  of an embedded database.
"""

import datetime
import logging
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from .models import Domain, Level, Pair, Status, TaskType

logger = logging.getLogger(__name__)

CACHE_KEY = "collect:statistics"
# Present while a refresh is queued: a burst of changes queues one refresh, not one each.
REFRESH_QUEUED_KEY = "collect:statistics:refresh-queued"
# Changes within this delay are counted by the same refresh.
REFRESH_DELAY_SECONDS = 5
# ...and at least this many times the last count's duration, so that refreshing never takes more than a
# quarter of a worker's time (a count of a million pairs takes seconds).
REFRESH_DELAY_PER_COUNT_SECOND = 3
DURATION_KEY = "collect:statistics:duration"
# A queued refresh that never ran (no worker) is queued again after this long.
REFRESH_QUEUED_TIMEOUT = 120
STATISTICS_MAX_AGE_SECONDS = 300
TOP_CONTRIBUTORS = 10

# Pairs whose reviewing ended on their current revision, and whose votes say whether reviewers agreed.
REVIEWED_STATUSES = [Status.VALIDATED, Status.REJECTED, Status.DISPUTED]


def site_statistics() -> dict[str, Any]:
    """The figures of the collection, from the cache; see the module docstring."""
    entry = cache.get(CACHE_KEY)
    if entry is None:
        return refresh_statistics()
    if timezone.now() - entry["computed_at"] > datetime.timedelta(seconds=STATISTICS_MAX_AGE_SECONDS):
        if not cache_is_shared():
            return refresh_statistics()
        statistics_changed()
    return entry


def refresh_statistics() -> dict[str, Any]:
    """Count everything again and cache the result (the Celery task calls this)."""
    # Cleared first: a change committed while we count queues another refresh rather than being lost.
    cache.delete(REFRESH_QUEUED_KEY)
    started = time.monotonic()
    figures = compute_statistics()
    cache.set_many({CACHE_KEY: figures, DURATION_KEY: time.monotonic() - started}, timeout=None)
    return figures


def statistics_changed() -> None:
    """Queue a refresh of the figures once the current transaction commits, unless one is queued already."""
    if not cache_is_shared():
        transaction.on_commit(lambda: cache.delete(CACHE_KEY))
        return
    if not cache.add(REFRESH_QUEUED_KEY, True, timeout=REFRESH_QUEUED_TIMEOUT):
        return
    transaction.on_commit(_queue_refresh)


def _queue_refresh() -> None:
    # Imported here: the tasks module imports this one.
    from .tasks import refresh_statistics as refresh_task

    last_duration = cache.get(DURATION_KEY) or 0
    try:
        refresh_task.apply_async(
            countdown=max(REFRESH_DELAY_SECONDS, REFRESH_DELAY_PER_COUNT_SECOND * last_duration)
        )
    except Exception:
        # The change itself is committed: a broker that is down must not turn it into an error page.
        # The figures are refreshed when they are next found old.
        cache.delete(REFRESH_QUEUED_KEY)
        logger.warning("Could not queue a refresh of the statistics", exc_info=True)


def cache_is_shared() -> bool:
    """Whether the Celery worker writes into the cache the web processes read."""
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith((".LocMemCache", ".DummyCache"))


def compute_statistics() -> dict[str, Any]:
    """Every figure, counted from the database. Drafts are private: they count nowhere.

    Each query reads the whole table (about a second per million pairs), so the counts per state, task
    type, domain and level and the votes behind the agreement come from one GROUP BY of a few thousand
    groups at most, added up here.
    """
    submitted = Pair.objects.exclude(status=Status.DRAFT)
    votes = F("approvals") + F("rejections")
    groups = (
        submitted.values("status", "task_type", "domain", "level")
        .annotate(
            n=Count("id"),
            reviewed=Count("id", filter=Q(review_count__gt=0)),
            unanimous=Count("id", filter=Q(review_count__gt=0) & (Q(approvals=0) | Q(rejections=0))),
            agreeing=Sum(F("approvals") * (F("approvals") - 1) + F("rejections") * (F("rejections") - 1)),
            couples=Sum(votes * (votes - 1)),
        )
        .order_by()
    )
    by_status = dict.fromkeys((value for value in Status.values if value != Status.DRAFT), 0)
    by_task_type = dict.fromkeys(TaskType.values, 0)
    by_domain = dict.fromkeys(Domain.values, 0)
    by_level = dict.fromkeys(["unspecified", *Level.values], 0)
    agreement = Counter()
    for group in groups:
        by_status[group["status"]] = by_status.get(group["status"], 0) + group["n"]
        if group["status"] == Status.VALIDATED:
            by_task_type[group["task_type"]] = by_task_type.get(group["task_type"], 0) + group["n"]
            by_domain[group["domain"]] = by_domain.get(group["domain"], 0) + group["n"]
            level = group["level"] or "unspecified"
            by_level[level] = by_level.get(level, 0) + group["n"]
        if group["status"] in REVIEWED_STATUSES:
            agreement.update(
                {key: group[key] or 0 for key in ("reviewed", "unanimous", "agreeing", "couples")}
            )
    goal = settings.MOISSON_COLLECTION_GOAL
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "by_task_type": by_task_type,
        "by_domain": by_domain,
        "by_level": by_level,
        "per_week": _per_week(submitted),
        "contributors": submitted.exclude(author=None).values("author").distinct().count(),
        "agreement": _agreement(agreement),
        "top_contributors": _top_contributors(Pair.objects.validated()),
        "goal": {
            "target": goal,
            "validated": by_status[Status.VALIDATED],
            "share": min(1.0, by_status[Status.VALIDATED] / goal) if goal > 0 else None,
        },
        "computed_at": timezone.now(),
    }


def _per_week(submitted: QuerySet[Pair]) -> list[dict]:
    """Pairs submitted and pairs validated per week (Monday, local time), oldest week first."""
    weeks: dict = {}
    for field, key in (("submitted_at", "submitted"), ("validated_at", "validated")):
        rows = (
            submitted.filter(**{f"{field}__isnull": False})
            .annotate(week=TruncWeek(field))
            .values("week")
            .annotate(n=Count("id"))
            .order_by("week")
        )
        for row in rows:
            week = timezone.localtime(row["week"]).date()
            weeks.setdefault(week, {"week": week, "submitted": 0, "validated": 0})[key] += row["n"]
    return [weeks[week] for week in sorted(weeks)]


def _agreement(totals: Counter) -> dict[str, Any]:
    """How often reviewers agree, from the votes on the current revision of each reviewed pair.

    - `unanimous_share`: the share of reviewed pairs (validated, rejected or sent to the moderators, with
      at least one vote) on which every vote was the same;
    - `pairwise`: the chance that two reviewers of the same pair gave the same verdict, over every pair of
      reviewers of every reviewed pair (approvals·(approvals−1) + rejections·(rejections−1) agreeing
      ordered pairs out of votes·(votes−1)).
    Both are None until a pair has been reviewed. Removed and withdrawn pairs are left out: their votes
    may predate the change that ended them.
    """
    reviewed, unanimous, couples = totals["reviewed"], totals["unanimous"], totals["couples"]
    return {
        "reviewed": reviewed,
        "unanimous": unanimous,
        "unanimous_share": unanimous / reviewed if reviewed else None,
        "pairwise": totals["agreeing"] / couples if couples else None,
    }


def _top_contributors(validated: QuerySet[Pair]) -> list[dict]:
    """The authors of the most validated pairs, among those who chose to be credited, by pseudonym."""
    rows = (
        validated.filter(author__attribution_opt_in=True)
        .exclude(author__pseudonym="")
        .values("author__pseudonym")
        .annotate(validated=Count("id"))
        .order_by("-validated", "author__pseudonym")[:TOP_CONTRIBUTORS]
    )
    return [{"pseudonym": row["author__pseudonym"], "validated": row["validated"]} for row in rows]


def pair_saved(
    sender: type[Pair], instance: Pair, update_fields: frozenset[str] | None, **kwargs: Any
) -> None:
    """post_save of Pair (connected in CollectConfig.ready): only a change of state changes the figures.

    Drafts count nowhere, and a vote that decides nothing saves the pair without its `status`.
    """
    if instance.status == Status.DRAFT or (update_fields is not None and "status" not in update_fields):
        return
    statistics_changed()
