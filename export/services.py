"""The workflows of a release (SPEC.md §6), re-exported from the modules that hold them.

New code imports from those modules: `releases` (start a release, cut one when due, build one: the
orchestration), `build` (the build in its snapshot), `rows` and `preferences` (the rows of each
configuration), `verify` (the check of the written files), `publish` (the push to the Hub) and `locks`.
"""

from .build import PROGRESS_EVERY_ROWS, PROGRESS_WRITE_SECONDS
from .locks import INTERRUPTED
from .preferences import CORRECTION, SUGGESTED_EDIT
from .publish import hub_api, hub_configured
from .releases import (
    ReleaseRefused,
    build_release,
    can_start_release,
    cut_release_if_due,
    fail_interrupted_builds,
    next_version,
    start_release,
)
from .rows import BATCH_ROWS, LEFT_RELEASES, published_pairs
from .verify import ReleaseCheckFailed

__all__ = [
    "BATCH_ROWS",
    "CORRECTION",
    "INTERRUPTED",
    "LEFT_RELEASES",
    "PROGRESS_EVERY_ROWS",
    "PROGRESS_WRITE_SECONDS",
    "SUGGESTED_EDIT",
    "ReleaseCheckFailed",
    "ReleaseRefused",
    "build_release",
    "can_start_release",
    "cut_release_if_due",
    "fail_interrupted_builds",
    "hub_api",
    "hub_configured",
    "next_version",
    "published_pairs",
    "start_release",
]
