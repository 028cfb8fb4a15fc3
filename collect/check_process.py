"""The process that runs the checks of an import's next batch (collect.importing.import_batches).

`check_pairs` (SPEC §3's checks that need no database: lengths, language, personal data, final answer,
hashes) judges each row alone, so it can run in another process, on the other core, while the import
writes the batch before. A thread would not do: lingua holds the interpreter's lock while it judges.

This module is what the process imports before Django is set up: nothing here may import a model at the
top.
"""

import atexit
import multiprocessing
import os
import sys
from collections.abc import Mapping
from multiprocessing.context import BaseContext

import django
from django.conf import settings


def context() -> BaseContext:
    """How the process is started. Forked, it has the importing process's Django, set up already, and
    checks at once; started afresh (spawn), it first sets Django up again, 0.8 s more before the first
    batch of an import is written (bench/RESULTS.md, "The import, part three").

    A fork copies only the thread that forks, so it is used only while this process has not built lingua's
    detector: the threads lingua starts then (tests, a long-lived caller) would be missing from the copy,
    which could only judge texts one by one (its parallel calls would wait for them forever:
    `collect.checks._in_parallel`). And only on Linux: on macOS, system libraries are not safe to use in a
    forked copy, and Python starts processes afresh there. The copy shares the importing process's database
    connection, which it never uses; it does not close it either, as multiprocessing ends a forked process
    with `os._exit`.
    """
    from .checks import language_detector_loaded

    if sys.platform == "linux" and not language_detector_loaded():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def start(overrides: dict) -> None:
    """Set Django up as the importing process has it: the same settings module, and the values of the
    settings the checks read, which the caller may have changed since it started (tests do). A forked
    process has them already: setting up again changes nothing."""
    django.setup()
    for name, value in overrides.items():
        setattr(settings, name, value)
    # The import waits for this process to end: it leaves without freeing its objects one by one (lingua's
    # models, Django's), which took 0.15-0.25 s; the system takes the memory back at once. Nothing here has
    # anything to flush (no database connection, no file) when the pool lets the process go.
    atexit.register(os._exit, 0)


def check_pairs(datas: list[Mapping[str, str]], *, language: str | None) -> list:
    """`collect.services.check_pairs`, its messages in `language`, with each evaluation's band keys
    computed here rather than in the importing process."""
    from django.utils import translation

    from .services import check_pairs

    with translation.override(language):
        evaluations = check_pairs(datas)
    for evaluation in evaluations:
        evaluation.bands  # noqa: B018 (a cached property, pickled with the evaluation)
    return evaluations


def overrides() -> dict:
    """The settings `start` gives the process: Moisson's own, which are the only ones the checks read."""
    return {name: getattr(settings, name) for name in dir(settings) if name.startswith("MOISSON_")}
