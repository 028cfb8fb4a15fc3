"""Recompute the duplicate keys of pairs whose text holds invisible characters or lookalike letters.

The normalised text behind `content_hash` and the MinHash `signature` now drops invisible characters and
folds lookalike letters of other scripts (issue 13). French text is not affected (its keys are the same
as before); only pairs with such characters get new keys. A live pair whose new hash is already taken
by another live pair (a disguised copy) keeps its old hash, so that the unique constraint holds: the
copy is left for moderators, and no new copy can come in.
"""

import unicodedata

from django.db import migrations

from collect.similarity import band_keys, content_hash, signature

LIVE_STATUSES = ["pending", "validated", "disputed"]
PLAIN = set(map(chr, [9, 10, 13, *range(0x20, 0x7F)]))


def _needs_new_keys(*texts: str) -> bool:
    """Whether a text holds a character that compares differently now: beyond Latin Extended-B (folded),
    or invisible (dropped). Printable ASCII, the bulk of any text, is skipped first."""
    return any(
        ord(character) > 0x024F or unicodedata.category(character) in ("Cc", "Cf")
        for text in texts
        for character in text
        if character not in PLAIN
    )


def recompute_keys(apps, schema_editor) -> None:
    Pair = apps.get_model("collect", "Pair")
    PairBand = apps.get_model("collect", "PairBand")
    pairs = Pair.objects.exclude(content_hash="").only("id", "status", "question", "context", "answer")
    for pair in pairs.iterator(chunk_size=500):
        if not _needs_new_keys(pair.question, pair.context, pair.answer):
            continue
        digest = content_hash(question=pair.question, context=pair.context, answer=pair.answer)
        sig = signature("\n".join(part for part in (pair.question, pair.context, pair.answer) if part))
        taken = (
            pair.status in LIVE_STATUSES
            and Pair.objects.filter(content_hash=digest, status__in=LIVE_STATUSES).exclude(pk=pair.pk).exists()
        )
        Pair.objects.filter(pk=pair.pk).update(minhash=sig, **({} if taken else {"content_hash": digest}))
        PairBand.objects.filter(pair_id=pair.pk).delete()
        PairBand.objects.bulk_create(PairBand(pair_id=pair.pk, key=key) for key in band_keys(sig))


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(recompute_keys, migrations.RunPython.noop),
    ]
