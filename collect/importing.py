"""Importing existing open pairs for community review (SPEC §7 `import_pairs`, issue 15 item 5).

This module reads a file (JSONL, CSV or Parquet) row by row and maps its columns to a pair; the
management command `import_pairs` hands the mapped rows, `BATCH_ROWS` at a time, to `import_batches`,
which gives each row the verdict `import_pair` gives it alone — the checks of a pair typed on the site
(`collect.services.check_pairs` and `DuplicateLookup`, what `evaluate_pair` runs) — and writes the
accepted ones as they are written one by one (`record_new_pairs`, `record_revision`'s batch). The checks
that need no database run in another process, a batch ahead (`collect.check_process`), while this one
looks the duplicates up and writes.

Rows are judged in the file's order, each as if the rows accepted before it were saved already: a row
that repeats an earlier row's id is already imported, one that copies its text is an exact duplicate, one
close to it names it as a near duplicate. Per batch, the database is read a few times (ids, hashes,
bands) instead of for every row, and the language of all its rows is judged at once.

Transactions: each batch is imported in its own transaction — its pairs, first revisions and similarity
bands are saved together or not at all; a refused row is simply not written — and an interrupted import
is finished by running it again: rows already imported are recognised by their (source, source_id) and
skipped. If a batch meets a constraint (someone wrote the same id or text meanwhile), it is imported
again row by row with `import_pair`. A dry run does everything inside one transaction that is rolled
back.
"""

import collections
import csv
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User

from . import check_process
from .models import Domain, Level, Pair, PairBand, Revision, TaskType
from .services import (
    DuplicateLookup,
    Evaluation,
    SubmissionRefused,
    check_pairs,
    duplicate_finding,
    evaluate_pair,
    normalized_pair_data,
    prepare_new_pair,
    record_new_pairs,
    record_revision,
)

# Licences whose terms let Moisson publish, modify and redistribute the pairs, commercial use included,
# next to CC BY 4.0 contributions, each row keeping its own licence. Share-alike, non-commercial and
# no-derivatives licences are not compatible with that.
COMPATIBLE_LICENSES = {
    "cc0-1.0": "CC0-1.0",
    "cc-by-4.0": "CC-BY-4.0",
    "cc-by-3.0": "CC-BY-3.0",
    "etalab-2.0": "etalab-2.0",
    "odc-by-1.0": "ODC-BY-1.0",
    "pddl-1.0": "PDDL-1.0",
}

FORMATS = ("jsonl", "csv", "parquet")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
_PARQUET_BATCH_ROWS = 1000
# Rows judged and written together, in one transaction: enough to pay each query once for hundreds of
# rows, few enough that a batch stays a short transaction.
BATCH_ROWS = 500

# Starting the process that checks the batches ahead (a new interpreter, Django, its own language models)
# costs about 0.9 s before its first batch, and each batch it checks while another is written saves about
# 0.1 s: measured, 4,000 rows take 3.8 s either way, 6,000 rows 4.7 s against 4.9, 10,000 rows 5.9 s against
# 7.0 (bench/RESULTS.md, "The import, part two"). Smaller files are checked here.
PROCESS_FROM_BATCHES = 8

IMPORTED, ALREADY, REFUSED = "imported", "already", "refused"
# The values a row may give each category, read once: an enum's `values` are computed at each call.
_CHOICES = (
    ("task_type", frozenset(TaskType.values), gettext_lazy("task type")),
    ("domain", frozenset(Domain.values), gettext_lazy("domain")),
    ("level", frozenset(["", *Level.values]), gettext_lazy("school level")),
)


@dataclass(frozen=True)
class ColumnMap:
    """Which column of the file holds each part of a pair, and the values used when one is absent."""

    question: str = "question"
    answer: str = "answer"
    context: str = "context"
    id: str = "id"
    task_type: str = "task_type"
    domain: str = "domain"
    level: str = "level"
    final_answer: str = "final_answer"
    default_task_type: str = TaskType.OPEN_QA
    default_domain: str = Domain.OTHER
    default_level: str = ""


@dataclass
class MappedRow:
    line: int
    source_id: str
    data: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def compatible_license(code: str) -> str | None:
    """The canonical spelling of a compatible licence code, or None when it is not compatible."""
    return COMPATIBLE_LICENSES.get(code.strip().lower())


def detect_format(path: Path) -> str | None:
    return _EXTENSIONS.get(path.suffix.lower())


def read_rows(path: Path, *, file_format: str) -> Iterator[tuple[int, dict | None]]:
    """(line or row number from 1, the row as a dict) for each row; None for a row that cannot be read.

    Streams: at most one Parquet batch is held in memory.
    """
    if file_format == "jsonl":
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    row = None
                yield number, row if isinstance(row, dict) else None
    elif file_format == "csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            # Line 1 holds the column names.
            for number, row in enumerate(csv.DictReader(f), start=2):
                yield number, row
    elif file_format == "parquet":
        import pyarrow.parquet as pq

        number = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=_PARQUET_BATCH_ROWS):
            for row in batch.to_pylist():
                number += 1
                yield number, row
    else:
        raise ValueError(f"unknown format {file_format!r}")


def map_row(number: int, row: dict | None, *, columns: ColumnMap) -> MappedRow:
    """The pair a file row describes, with the problems that refuse it before any check."""
    if row is None:
        return MappedRow(line=number, source_id="", problems=[_("This line cannot be read.")])

    def text(name: str) -> str:
        value = row.get(getattr(columns, name))
        return "" if value is None else str(value).strip()

    data = {
        "question": text("question"),
        "answer": text("answer"),
        "context": text("context"),
        "task_type": text("task_type") or columns.default_task_type,
        "domain": text("domain") or columns.default_domain,
        "level": text("level") or columns.default_level,
        "final_answer": text("final_answer"),
    }
    # The texts as every door stores them (a typed pair's, after its form trimmed them): no invisible or
    # control characters (a NUL byte among them, which PostgreSQL refuses in a text), LF line breaks.
    data = normalized_pair_data(data)
    problems = []
    for name, choices, label in _CHOICES:
        if data[name] not in choices:
            problems.append(_("Unknown %(what)s: “%(value)s”.") % {"what": label, "value": data[name][:50]})
    source_id = text("id")
    if not source_id:
        # Without an id column, the text itself identifies the row: importing the file again finds it.
        digest = hashlib.sha256(
            f"{data['question']}\n{data['context']}\n{data['answer']}".encode()
        ).hexdigest()
        source_id = f"sha256:{digest}"
    if len(source_id) > 200:
        problems.append(_("The identifier is longer than 200 characters."))
    if "\x00" in source_id:
        problems.append(_("The identifier holds a null character, which cannot be stored."))
    return MappedRow(line=number, source_id=source_id, data=data, problems=problems)


@dataclass
class Outcome:
    """What importing a row did: IMPORTED, ALREADY (imported before) or REFUSED, with the reasons."""

    row: MappedRow
    status: str
    reasons: list[str] = field(default_factory=list)


class AlreadyImported(Exception):
    """This source's pair with this id was imported before: importing again changes nothing."""


def import_account(*, source: str) -> User:
    """The system account that imported pairs of a source are written by: one per source, which cannot
    sign in, so that "my pairs", suspension and statistics work for imported pairs as for any other."""
    user_model = get_user_model()
    username = f"import-{slugify(source)[:100] or 'source'}"
    user, created = user_model.objects.get_or_create(username=username, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.is_active or user.has_usable_password():
        # Someone signed up under this name: their account must not become the author of the import.
        raise ValueError(f"the account {username!r} belongs to a person, not to an import")
    return user


def import_pair(*, author: User, data: dict, source: str, source_id: str, license: str) -> Pair:
    """Load a pair from an open dataset into review, through the same checks as a typed pair.

    Raises AlreadyImported when (source, source_id) is already in the database, and SubmissionRefused
    when a blocking check fails; nothing is saved then (an import never leaves drafts behind).
    """
    if Pair.objects.filter(source=source, source_id=source_id).exists():
        raise AlreadyImported(source_id)
    evaluation = evaluate_pair(data)
    if evaluation.errors:
        raise SubmissionRefused(evaluation, None)
    try:
        with transaction.atomic():
            pair = Pair(author=author, source=source, source_id=source_id, license=license)
            return record_revision(pair=pair, data=data, evaluation=evaluation, by=author, note=_note(source))
    except IntegrityError:
        # A concurrent import took this id, or someone submitted the same text: the constraints decided.
        if Pair.objects.filter(source=source, source_id=source_id).exists():
            raise AlreadyImported(source_id) from None
        evaluation.findings.append(duplicate_finding())
        raise SubmissionRefused(evaluation, None) from None


def _note(source: str) -> str:
    return (_("Imported from %(source)s") % {"source": source})[:200]


def import_rows(rows: list[MappedRow], *, author: User, source: str, license: str) -> list[Outcome]:
    """Import `rows` in order, each getting the verdict `import_pair` gives it when the rows before it are
    imported one by one; the accepted ones are written together, in one transaction."""
    return _import_checked(rows, {}, author=author, source=source, license=license)


def import_batches(
    batches: Iterable[list[MappedRow]], *, author: User, source: str, license: str
) -> Iterator[Outcome]:
    """`import_rows` of each batch in turn: the outcomes of every row, in order.

    From `PROCESS_FROM_BATCHES` batches on, `check_pairs` of each batch runs in another process
    (collect.check_process), a batch ahead: while this process looks a batch's duplicates up and writes
    it, and PostgreSQL stores it, the other checks the next one, on the other core. The verdicts are the
    same: `check_pairs` judges each row alone, and what depends on the rows before (ids, duplicates) is
    still decided here, in order, once the batch before is written.

    When the process is started afresh (`check_process.context`), a script that calls this (through
    `call_command`) must keep its work under `if __name__ == "__main__":`, as manage.py does: the new
    process imports the script.
    """
    batches = iter(batches)
    first = list(itertools.islice(batches, PROCESS_FROM_BATCHES))
    if len(first) < PROCESS_FROM_BATCHES:
        for rows in first:
            yield from import_rows(rows, author=author, source=source, license=license)
        return
    language = translation.get_language()
    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=check_process.context(),
        initializer=check_process.start,
        initargs=(check_process.overrides(),),
    ) as pool:

        def check(rows: list[MappedRow]) -> tuple[list[MappedRow], list[int], Future | None]:
            # Rows the batch before imports may still be among them: checked for nothing, then skipped.
            indexes = _fresh(rows, source=source)
            if not indexes:
                # Nothing to check (a file imported before): the process is not even started for it.
                return rows, indexes, None
            datas = [rows[index].data for index in indexes]
            return rows, indexes, pool.submit(check_process.check_pairs, datas, language=language)

        def write(rows: list[MappedRow], indexes: list[int], future: Future | None) -> list[Outcome]:
            evaluations = dict(zip(indexes, future.result(), strict=True)) if future else {}
            return _import_checked(rows, evaluations, author=author, source=source, license=license)

        # The process checks the batch after this one while this one is written.
        ahead = collections.deque()
        for rows in itertools.chain(first, batches):
            ahead.append(check(rows))
            if len(ahead) > 1:
                yield from write(*ahead.popleft())
        while ahead:
            yield from write(*ahead.popleft())


def analyse_filled_tables() -> None:
    """Refresh PostgreSQL's statistics of the tables an import fills, as its documentation advises after a
    bulk load: until autovacuum's next pass (if it runs at all), the planner knows them at their former
    size, and a pair typed right after a large import could have its duplicates looked up by a scan of
    every pair (3.3 ms at 10,000 pairs instead of 0.16, and growing with the table; bench/RESULTS.md).
    A no-op on SQLite, whose planner keeps no such statistics unless asked.

    Only the columns of the tables' indexes, constraints and foreign keys are analysed (the size of each
    table is counted whatever the columns): those the planner weighs an index against a scan for. The
    others, long texts mostly, keep their statistics; analysing them too doubled the time (0.8 s against
    0.43 after 10,000 rows, bench/RESULTS.md, "The import, part three")."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    tables = ", ".join(
        f"{quote(model._meta.db_table)} ({', '.join(quote(column) for column in _indexed_columns(model))})"
        for model in (Pair, Revision, PairBand)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _indexed_columns(model: type[Model]) -> list[str]:
    """The columns of `model`'s primary key, foreign keys, indexes and constraints."""
    meta = model._meta
    names = {
        field.name
        for field in meta.concrete_fields
        if field.primary_key or field.is_relation or field.unique or field.db_index
    }
    for index in [*meta.indexes, *meta.constraints]:
        names.update(name.removeprefix("-") for name in getattr(index, "fields", ()))
    return sorted(meta.get_field(name).column for name in names)


def _fresh(rows: list[MappedRow], *, source: str, taken: set[str] | None = None) -> list[int]:
    """The indexes of the rows to check: readable, and not imported before (`taken`, read when not given)."""
    if taken is None:
        taken = _taken(rows, source=source)
    return [index for index, row in enumerate(rows) if not row.problems and row.source_id not in taken]


def _taken(rows: list[MappedRow], *, source: str) -> set[str]:
    ids = {row.source_id for row in rows if not row.problems}
    return set(Pair.objects.filter(source=source, source_id__in=ids).values_list("source_id", flat=True))


def _import_checked(
    rows: list[MappedRow], checked: dict[int, Evaluation], *, author: User, source: str, license: str
) -> list[Outcome]:
    """`import_rows`, with the `check_pairs` evaluations of rows already checked (by index)."""
    taken = _taken(rows, source=source)
    fresh = _fresh(rows, source=source, taken=taken)
    unchecked = [index for index in fresh if index not in checked]
    evaluations = {index: checked[index] for index in fresh if index in checked}
    if unchecked:
        # Not for nothing: checking no row would still load the language models.
        datas = [rows[index].data for index in unchecked]
        evaluations.update(zip(unchecked, check_pairs(datas), strict=True))
    try:
        with transaction.atomic():
            lookup = DuplicateLookup([evaluations[index] for index in fresh])
            outcomes, new = [], []
            for index, row in enumerate(rows):
                if row.problems:
                    outcomes.append(Outcome(row, REFUSED, list(row.problems)))
                    continue
                if row.source_id in taken:
                    outcomes.append(Outcome(row, ALREADY))
                    continue
                evaluation = lookup.complete(evaluations[index])
                if evaluation.errors:
                    outcomes.append(Outcome(row, REFUSED, [finding.message for finding in evaluation.errors]))
                    continue
                pair = Pair(author=author, source=source, source_id=row.source_id, license=license)
                prepare_new_pair(pair, data=row.data, evaluation=evaluation)
                lookup.add(pair, evaluation)
                taken.add(row.source_id)
                new.append((pair, evaluation))
                outcomes.append(Outcome(row, IMPORTED))
            record_new_pairs(new, by=author, note=_note(source))
    except IntegrityError:
        # Someone wrote one of these ids or texts meanwhile: row by row, the constraints decide each row.
        return [import_row(row, author=author, source=source, license=license) for row in rows]
    return outcomes


def import_row(row: MappedRow, *, author: User, source: str, license: str) -> Outcome:
    """`import_pair` of one mapped row, as an Outcome."""
    if row.problems:
        return Outcome(row, REFUSED, list(row.problems))
    try:
        import_pair(author=author, data=row.data, source=source, source_id=row.source_id, license=license)
    except AlreadyImported:
        return Outcome(row, ALREADY)
    except SubmissionRefused as refusal:
        return Outcome(row, REFUSED, [finding.message for finding in refusal.evaluation.errors])
    return Outcome(row, IMPORTED)
