import datetime
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from celery.signals import worker_ready
from django.conf import settings as django_settings
from django.utils import timezone
from pytest_django.fixtures import Settings

from collect.models import Pair
from export import tasks
from export.models import Release, ReleaseState
from export.services import ReleaseRefused, build_release, cut_release_if_due, next_version, start_release
from moisson.celery import app
from tests.factories import make_release, make_user, make_validated_pairs

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager(settings: Settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True


def publish(version: str) -> Release:
    return Release.objects.create(version=version, state=ReleaseState.PUBLISHED, started_at=timezone.now())


def test_starting_a_release_enqueues_its_build_when_the_transaction_commits(
    eager: None, django_capture_on_commit_callbacks: Callable
) -> None:
    make_validated_pairs(3)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        release = start_release(by=make_user())

    release.refresh_from_db()
    assert len(callbacks) == 1
    assert release.state == ReleaseState.PUBLISHED


def test_the_build_waits_for_the_commit_of_the_release_row(
    eager: None, django_capture_on_commit_callbacks: Callable
) -> None:
    make_validated_pairs(1)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        release = start_release(by=None)

    release.refresh_from_db()
    assert len(callbacks) == 1
    assert release.state == ReleaseState.QUEUED


def test_build_task_is_acked_late_and_put_back_when_its_worker_dies() -> None:
    assert tasks.build_release.acks_late is True
    assert tasks.build_release.reject_on_worker_lost is True


def test_build_task_runs_the_build(eager: None) -> None:
    make_validated_pairs(2)
    release = start_release(by=None, enqueue=False)

    tasks.build_release.delay(release.pk)

    release.refresh_from_db()
    assert release.state == ReleaseState.PUBLISHED


def test_build_task_for_an_unknown_release_does_nothing(eager: None) -> None:
    assert build_release(123456) is None


def test_beat_runs_the_scheduled_check_every_release_check_every_seconds() -> None:
    [entry] = [
        entry
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "export.tasks.cut_release_if_due"
    ]

    assert entry["schedule"] == django_settings.RELEASE_CHECK_EVERY_SECONDS
    assert "export.tasks.cut_release_if_due" in app.tasks


def test_scheduled_check_cuts_a_minor_release_when_enough_pairs_are_new(
    settings: Settings, eager: None, django_capture_on_commit_callbacks: Callable
) -> None:
    settings.RELEASE_MIN_NEW_PAIRS = 3
    publish("v1.0.0")
    make_validated_pairs(3)

    with django_capture_on_commit_callbacks(execute=False):
        tasks.cut_release_if_due.delay()

    release = Release.objects.get(version="v1.1.0")
    assert release.state == ReleaseState.QUEUED
    assert release.started_by is None


def test_scheduled_check_waits_below_the_threshold(settings: Settings) -> None:
    settings.RELEASE_MIN_NEW_PAIRS = 3
    make_validated_pairs(2)

    assert cut_release_if_due() is None
    assert not Release.objects.exists()


def test_scheduled_check_counts_only_pairs_validated_since_the_last_release(settings: Settings) -> None:
    settings.RELEASE_MIN_NEW_PAIRS = 2
    make_validated_pairs(5)
    Pair.objects.update(validated_at=timezone.now() - datetime.timedelta(days=2))
    publish("v1.0.0")
    make_validated_pairs(1)

    assert cut_release_if_due() is None


def test_scheduled_check_leaves_a_release_in_progress_alone(settings: Settings) -> None:
    settings.RELEASE_MIN_NEW_PAIRS = 1
    make_validated_pairs(3)
    Release.objects.create(version="v1.0.0")

    assert cut_release_if_due() is None
    assert Release.objects.count() == 1


def test_first_version_is_v1_0_0() -> None:
    assert next_version() == "v1.0.0"


def test_next_version_bumps_the_newest_release() -> None:
    publish("v1.9.0")
    publish("v1.10.0")

    assert next_version() == "v1.11.0"
    assert next_version("major") == "v2.0.0"
    assert next_version("patch") == "v1.10.1"


def test_a_change_of_row_schema_since_the_last_release_suggests_a_major_version() -> None:
    make_validated_pairs(2)
    release = make_release()
    assert next_version() == "v1.1.0"  # the same columns: new data is a minor version

    # As if v1.0.0 had been written before a column was added (final_answer, source...).
    path = release.directory / release.data_files("train")[0]["path"]
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(["final_answer"]), path)

    assert next_version() == "v2.0.0"
    assert next_version("minor") == "v1.1.0"


def test_a_failed_version_is_suggested_again() -> None:
    publish("v1.0.0")
    Release.objects.create(version="v1.1.0", state=ReleaseState.FAILED)

    assert next_version() == "v1.1.0"


def test_a_release_cannot_start_while_another_is_in_progress() -> None:
    Release.objects.create(version="v1.0.0", state=ReleaseState.QUEUED)

    with pytest.raises(ReleaseRefused, match="in progress"):
        start_release(by=None, version="v1.1.0", enqueue=False)


def test_a_published_version_cannot_be_started_again() -> None:
    publish("v1.0.0")

    with pytest.raises(ReleaseRefused, match="already exists"):
        start_release(by=None, version="v1.0.0", enqueue=False)


def test_a_version_older_than_the_newest_release_is_refused() -> None:
    publish("v1.2.0")

    with pytest.raises(ReleaseRefused, match="newer than v1.2.0"):
        start_release(by=None, version="v1.1.5", enqueue=False)


def test_a_malformed_version_is_refused() -> None:
    with pytest.raises(ReleaseRefused, match="v1.2.0"):
        start_release(by=None, version="1.2", enqueue=False)


def test_a_starting_worker_fails_a_release_left_building_and_removes_its_temporary_directory(
    releases_root: Path,
) -> None:
    make_validated_pairs(1)
    release = start_release(by=None, enqueue=False)
    Release.objects.filter(pk=release.pk).update(state=ReleaseState.BUILDING)
    leftover = releases_root / f".tmp-{release.version}-killed"
    (leftover / "release" / "data").mkdir(parents=True)

    worker_ready.send(sender=None)

    release.refresh_from_db()
    assert release.state == ReleaseState.FAILED
    assert not leftover.exists()
