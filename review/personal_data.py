"""A contributor's own data, as one JSON document they can download (SPEC §1 and §8).

Lives in the review app because it is the first app that knows everything a person left: their account
(accounts), their pairs and revisions (collect), their reviews and reports (review).
"""

from django.utils import timezone

from accounts.models import User
from collect.models import Pair

from .models import Report, Review


def personal_data_of(user: User) -> dict:
    pairs = Pair.objects.of(user).prefetch_related("revisions").order_by("created_at")
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "email": user.email,
            "pseudonym": user.pseudonym,
            "attribution_opt_in": user.attribution_opt_in,
            "date_joined": user.date_joined.isoformat(),
            "terms_accepted_at": user.terms_accepted_at.isoformat() if user.terms_accepted_at else None,
            "terms_license": user.terms_license,
            "review_domains": user.review_domains,
            "review_levels": user.review_levels,
        },
        "pairs": [
            {
                "id": str(pair.pk),
                "status": pair.status,
                "question": pair.question,
                "context": pair.context,
                "answer": pair.answer,
                "task_type": pair.task_type,
                "domain": pair.domain,
                "level": pair.level,
                "license": pair.license,
                "created_at": pair.created_at.isoformat(),
                "revisions": [
                    {
                        "number": revision.number,
                        "question": revision.question,
                        "context": revision.context,
                        "answer": revision.answer,
                        "created_at": revision.created_at.isoformat(),
                    }
                    for revision in pair.revisions.all()
                ],
            }
            for pair in pairs
        ],
        "reviews": [
            {
                "pair": str(review.pair_id),
                "revision": review.revision.number,
                "verdict": review.verdict,
                "reasons": review.reasons,
                "correctness": review.correctness,
                "fluency": review.fluency,
                "comment": review.comment,
                "suggested_question": review.suggested_question,
                "suggested_answer": review.suggested_answer,
                "suggested_final_answer": review.suggested_final_answer,
                "created_at": review.created_at.isoformat(),
            }
            for review in Review.objects.filter(reviewer=user)
            .select_related("revision")
            .order_by("created_at")
        ],
        "reports": [
            {
                "pair": str(report.pair_id),
                "reason": report.reason,
                "created_at": report.created_at.isoformat(),
            }
            for report in Report.objects.filter(reporter=user).order_by("created_at")
        ],
    }
