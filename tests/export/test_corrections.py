"""A corrected validated pair keeps its last validated revision in releases (SPEC §2, issue 15 item 1)."""

import importlib
import json

import pyarrow.parquet as pq
import pytest
from django.apps import apps

from collect.models import Pair, RemovalReason, Status
from export.models import Release
from review.models import AuditAction
from review.services import decide_pair, moderator_edit
from tests.factories import (
    approve,
    make_moderator,
    make_pair,
    make_release,
    make_user,
    reject,
    send_back,
    submitted_pair,
    validated_pair,
)

pytestmark = pytest.mark.django_db


def row_of(release: Release, pair: Pair) -> dict | None:
    for file in release.files:
        if file["path"].startswith(("data/train-", "data/test-")):
            for row in pq.read_table(release.directory / file["path"]).to_pylist():
                if row["id"] == str(pair.pk):
                    return row
    return None


def release_json(release: Release) -> dict:
    return json.loads((release.directory / "release.json").read_text(encoding="utf-8"))


def test_a_pair_sent_back_to_review_stays_with_its_validated_revision_until_the_correction_is_validated() -> (
    None
):
    pair = validated_pair()
    old_answer = pair.answer
    make_pair(status=Status.VALIDATED)
    first = make_release()
    pair = send_back(pair)
    new_answer = pair.answer

    second = make_release()
    pair = approve(pair)
    third = make_release()

    assert (row_of(first, pair)["answer"], row_of(first, pair)["revision"]) == (old_answer, 1)
    assert (row_of(second, pair)["answer"], row_of(second, pair)["revision"]) == (old_answer, 1)
    assert (row_of(third, pair)["answer"], row_of(third, pair)["revision"]) == (new_answer, 2)
    for release in (second, third):
        assert (release.removed_count, release.removals_by_reason) == (0, {})
        assert release_json(release)["removed"] == []
        assert "0 pairs added, 0 removed" in (release.directory / "README.md").read_text(encoding="utf-8")


def test_the_row_of_a_pair_in_correction_carries_the_votes_on_the_revision_it_publishes() -> None:
    pair = submitted_pair()
    approve(pair, times=1, correctness=5, fluency=4)
    pair = approve(pair, times=1, correctness=3, fluency=4)
    pair = send_back(pair)
    approve(pair, times=1, correctness=1, fluency=1)

    row = row_of(make_release(), pair)

    assert (row["revision"], row["review_count"], row["approvals"]) == (1, 2, 2)
    assert (row["correctness_mean"], row["fluency_mean"]) == (4.0, 4.0)


def test_a_pair_whose_correction_is_rejected_keeps_its_validated_revision() -> None:
    pair = validated_pair()
    old_answer = pair.answer
    pair = reject(send_back(pair))

    row = row_of(make_release(), pair)

    assert pair.status == Status.REJECTED
    assert (row["answer"], row["revision"]) == (old_answer, 1)


def test_a_correction_validated_at_once_by_a_moderator_is_published_next() -> None:
    pair = validated_pair()
    make_release()
    answer = "Une réponse corrigée directement par la modération, complète et exacte."
    moderator_edit(
        moderator=make_moderator(), pair=pair, data={"answer": answer}, reason="Coquille", validate=True
    )

    row = row_of(make_release(), pair)

    assert (row["answer"], row["revision"], row["review_count"]) == (answer, 2, 0)


def test_a_disputed_correction_validated_by_a_moderator_is_published_next() -> None:
    moderator = make_moderator()
    pair = send_back(validated_pair(), moderator=moderator)
    Pair.objects.filter(pk=pair.pk).update(status=Status.DISPUTED)

    decide_pair(moderator=make_moderator(), pair=pair, action=AuditAction.VALIDATE)
    row = row_of(make_release(), pair)

    assert (row["answer"], row["revision"]) == (pair.answer, 2)


def test_a_pair_in_correction_that_is_removed_leaves_the_next_release() -> None:
    pair = validated_pair()
    make_pair(status=Status.VALIDATED)
    make_release()
    pair = send_back(pair)
    decide_pair(
        moderator=make_moderator(),
        pair=pair,
        action=AuditAction.REMOVE,
        reason="Contenu protégé",
        removal_reason=RemovalReason.COPYRIGHT,
    )

    release = make_release()

    assert row_of(release, pair) is None
    assert release_json(release)["removed"] == [{"id": str(pair.pk), "reason": "copyright"}]


def test_a_pair_in_correction_withdrawn_by_its_author_leaves_the_next_release() -> None:
    pair = validated_pair()
    make_pair(status=Status.VALIDATED)
    make_release()
    send_back(pair).withdraw()

    release = make_release()

    assert row_of(release, pair) is None
    assert release_json(release)["removed"] == [{"id": str(pair.pk), "reason": "withdrawn"}]


def test_the_data_migration_publishes_the_current_revision_of_validated_pairs() -> None:
    validated = make_pair(status=Status.VALIDATED)
    pending = make_pair(status=Status.PENDING, author=make_user())
    Pair.objects.update(published_revision=None, published_at=None)
    migration = importlib.import_module("collect.migrations.0003_fill_published_revision")

    migration.forward(apps, None)

    validated.refresh_from_db()
    pending.refresh_from_db()
    assert validated.published_revision == validated.current_revision
    assert validated.published_at == validated.validated_at
    assert pending.published_revision is None
