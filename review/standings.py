"""Reading: the contributor's dashboard and the leaderboard."""

from datetime import datetime

from django.db.models import Count, F, Q

from accounts.models import User
from collect.models import Pair, Status

from .models import (
    Review,
    Verdict,
)


def contributor_summary(user: User) -> dict:
    """What a contributor did, and how often their votes agreed with the final decision on the revision
    they judged (validated or rejected pairs only)."""
    pairs = Pair.objects.of(user).aggregate(
        written=Count("pk", filter=~Q(status=Status.DRAFT)),
        validated=Count("pk", filter=Q(status=Status.VALIDATED)),
    )
    # A vote is compared with the decision on the revision it judged, not with a later rewrite.
    decided = Q(pair__status__in=[Status.VALIDATED, Status.REJECTED], revision=F("pair__current_revision"))
    agreed = Q(verdict=Verdict.APPROVE, pair__status=Status.VALIDATED) | Q(
        verdict=Verdict.REJECT, pair__status=Status.REJECTED
    )
    reviews = Review.objects.filter(reviewer=user).aggregate(
        reviewed=Count("pk"),
        decided=Count("pk", filter=decided),
        agreed=Count("pk", filter=decided & agreed),
    )
    decided = reviews["decided"]
    return {
        **pairs,
        "reviewed": reviews["reviewed"],
        "decided": decided,
        "agreed": reviews["agreed"],
        "agreement_rate": reviews["agreed"] / decided if decided else None,
    }


def standings(*, since: datetime | None, limit: int = 20) -> dict[str, list[dict]]:
    """Credited contributors (attribution opt-in) ranked by validated pairs and by reviews since a date."""
    writer_filter = Q(pairs__status=Status.VALIDATED)
    review_filter = Q(reviews__counts=True)
    if since is not None:
        writer_filter &= Q(pairs__validated_at__gte=since)
        review_filter &= Q(reviews__created_at__gte=since)
    return {
        "writers": _most_credited("pairs", writer_filter, limit),
        "reviewers": _most_credited("reviews", review_filter, limit),
    }


def _most_credited(relation: str, counted: Q, limit: int) -> list[dict]:
    """Pseudonyms of the credited contributors (attribution opt-in) with the most `relation` matching
    `counted`, ties broken by pseudonym."""
    credited = Q(attribution_opt_in=True) & ~Q(pseudonym="")
    ranked = (
        User.objects.filter(credited)
        .annotate(n=Count(relation, filter=counted))
        .filter(n__gt=0)
        .order_by("-n", "pseudonym")
        .values("pseudonym", "n")[:limit]
    )
    return list(ranked)
