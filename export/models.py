import re
from pathlib import Path

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collect.models import RemovalReason, Status

VERSION_PATTERN = re.compile(r"^v(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$")


def parse_version(version: str) -> tuple[int, int, int]:
    """("v1.12.0") → (1, 12, 0), so that v1.10.0 sorts after v1.9.0. Raises ValueError when malformed."""
    match = VERSION_PATTERN.match(version)
    if match is None:
        raise ValueError(f"{version!r} is not a version like v1.2.0")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


class ReleaseState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    BUILDING = "building", _("Building")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class ReleasePhase(models.TextChoices):
    """Where a build is, in the order it goes (see export.releases.build_release)."""

    QUEUED = "queued", _("Waiting for the worker to start the build")
    SNAPSHOT = "snapshot", _("Reading the validated pairs")
    WRITING = "writing", _("Writing the files")
    VERIFYING = "verifying", _("Checking the files")
    PUBLISHING = "publishing", _("Publishing")
    DONE = "done", _("Done")


# Why a pair of the previous release is not in this one: the moderators' removal reason when there is
# one, else the pair's state now (withdrawn, back in review...), or "deleted" when the row is gone.
REMOVAL_LABELS = {**dict(Status.choices), **dict(RemovalReason.choices), "deleted": _("Deleted")}

# A release in one of these states holds the builder: only one is allowed at a time (see start_release).
ACTIVE_STATES = [ReleaseState.QUEUED, ReleaseState.BUILDING]


class ReleaseQuerySet(models.QuerySet):
    def published(self) -> "ReleaseQuerySet":
        return self.filter(state=ReleaseState.PUBLISHED)

    def active(self) -> "ReleaseQuerySet":
        return self.filter(state__in=ACTIVE_STATES)

    def latest_published(self) -> "Release | None":
        # Releases are few (one a week at most): sorting versions in Python keeps v1.10.0 after v1.9.0.
        return max(self.published(), key=lambda release: release.version_key, default=None)


class Release(models.Model):
    """One version of the dataset. The row, not Celery's result backend, is the truth about its build."""

    version = models.CharField(
        _("version"),
        max_length=24,
        unique=True,
        validators=[RegexValidator(VERSION_PATTERN, _("A version looks like v1.2.0."))],
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ReleaseState.choices, default=ReleaseState.QUEUED
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the scheduled check started it."),
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The published release this one was compared with."),
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    # When the build claimed the row; the snapshot of pairs is taken right after.
    started_at = models.DateTimeField(_("build started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    split_counts = models.JSONField(default=dict, blank=True)  # {"train": n, "test": m}
    task_type_counts = models.JSONField(default=dict, blank=True)
    domain_counts = models.JSONField(default=dict, blank=True)
    level_counts = models.JSONField(default=dict, blank=True)  # "none" for pairs without a level
    added_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    removals_by_reason = models.JSONField(default=dict, blank=True)  # {"takedown": 2, ...}
    # [{"path": "data/train-00000-of-00001.parquet", "size": ..., "sha256": ..., "rows": ...}], by path.
    files = models.JSONField(default=list, blank=True)

    # Progress of the build, written while it runs (outside its snapshot, so that pages see it at once).
    phase = models.CharField(
        _("phase"), max_length=16, choices=ReleasePhase.choices, default=ReleasePhase.QUEUED
    )
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    rows_expected = models.PositiveIntegerField(_("rows expected"), null=True, blank=True)

    hub_repo = models.CharField(_("Hub repository"), max_length=200, blank=True)
    hub_commit = models.CharField(_("Hub commit"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        # The table holds a few rows per year: the unique index on version serves every lookup.
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.version

    @property
    def version_key(self) -> tuple[int, int, int]:
        return parse_version(self.version)

    @property
    def is_published(self) -> bool:
        return self.state == ReleaseState.PUBLISHED

    @property
    def progress_percent(self) -> int:
        """How far the build is, 0 to 100: the share of rows written, 100 once published."""
        if self.state == ReleaseState.PUBLISHED:
            return 100
        if not self.rows_expected:
            return 0
        return min(100, self.rows_written * 100 // self.rows_expected)

    @property
    def total(self) -> int:
        return sum(self.split_counts.values())

    @property
    def size(self) -> int:
        return sum(file["size"] for file in self.files)

    @property
    def directory(self) -> Path:
        return Path(settings.RELEASES_ROOT) / self.version

    @property
    def removals(self) -> list[tuple[str, str, int]]:
        """(code, label, count) of each removal reason, most frequent first."""
        items = sorted(self.removals_by_reason.items(), key=lambda item: (-item[1], item[0]))
        return [(code, str(REMOVAL_LABELS.get(code, code)), count) for code, count in items]

    def file(self, path: str) -> dict | None:
        """The recorded file at `path`, or None: only files the build recorded are ever served."""
        return next((file for file in self.files if file["path"] == path), None)

    def data_files(self, split: str) -> list[dict]:
        return [file for file in self.files if file["path"].startswith(f"data/{split}-")]

    def mark_failed(self, error: str) -> None:
        self.state = ReleaseState.FAILED
        self.error = error
        self.finished_at = timezone.now()
        self.save(update_fields=["state", "error", "finished_at"])

    def mark_published(self) -> None:
        self.state = ReleaseState.PUBLISHED
        self.phase = ReleasePhase.DONE
        self.error = ""
        self.finished_at = timezone.now()
        self.save(update_fields=["state", "phase", "error", "finished_at"])
