"""Issue 12, bug 1: browsers send an untouched suggestion textarea back with CRLF line breaks, and every
review of a multi-line text recorded a "suggested edit" identical to the text it judged. Clear those."""

from django.db import migrations

from moisson.text import normalize_text


def _same(suggested: str, current: str) -> bool:
    return normalize_text(suggested).strip() == normalize_text(current).strip()


def clean_identical_suggestions(apps, schema_editor) -> None:
    Review = apps.get_model("review", "Review")
    # Accepted suggestions already made a revision: they stay, as the history of what happened.
    reviews = (
        Review.objects.filter(suggestion_state__in=["open", "dismissed"])
        .select_related("revision")
        .only("suggested_question", "suggested_answer", "suggestion_state", "revision__question", "revision__answer")
    )
    for review in reviews.iterator(chunk_size=500):
        fields = {}
        if review.suggested_question and _same(review.suggested_question, review.revision.question):
            fields["suggested_question"] = ""
        if review.suggested_answer and _same(review.suggested_answer, review.revision.answer):
            fields["suggested_answer"] = ""
        if not fields:
            continue
        question = fields.get("suggested_question", review.suggested_question)
        answer = fields.get("suggested_answer", review.suggested_answer)
        if not question and not answer:
            fields["suggestion_state"] = "none"
        Review.objects.filter(pk=review.pk).update(**fields)


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0002_report_resolution_choices"),
    ]

    operations = [
        migrations.RunPython(clean_identical_suggestions, migrations.RunPython.noop),
    ]
