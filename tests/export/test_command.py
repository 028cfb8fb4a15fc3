from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command

from export.models import Release, ReleaseState
from tests.factories import make_validated_pairs

pytestmark = pytest.mark.django_db


def test_release_sync_builds_in_the_foreground() -> None:
    make_validated_pairs(3)

    call_command("release", "--sync")

    release = Release.objects.get()
    assert (release.version, release.state) == ("v1.0.0", ReleaseState.PUBLISHED)
    assert release.directory.is_dir()


def test_release_sync_builds_the_version_asked_for() -> None:
    make_validated_pairs(1)

    call_command("release", "--sync", "--version", "v2.0.0")

    assert Release.objects.get().version == "v2.0.0"


def test_release_sync_fails_with_an_error_when_the_build_fails() -> None:
    with pytest.raises(CommandError, match="no validated pair"):
        call_command("release", "--sync")

    assert Release.objects.get().state == ReleaseState.FAILED


def test_release_without_sync_enqueues_the_build(django_capture_on_commit_callbacks: Callable) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("release")

    assert Release.objects.get().state == ReleaseState.QUEUED
    assert len(callbacks) == 1


def test_a_refused_release_is_a_command_error() -> None:
    Release.objects.create(version="v1.0.0", state=ReleaseState.PUBLISHED)

    with pytest.raises(CommandError, match="already exists"):
        call_command("release", "--version", "v1.0.0")


def test_release_if_none_builds_the_first_release() -> None:
    make_validated_pairs(2)

    call_command("release", "--sync", "--if-none")

    assert Release.objects.get().state == ReleaseState.PUBLISHED


def test_release_if_none_does_nothing_when_a_release_exists() -> None:
    make_validated_pairs(2)
    call_command("release", "--sync")

    call_command("release", "--sync", "--if-none")

    assert list(Release.objects.values_list("version", flat=True)) == ["v1.0.0"]
