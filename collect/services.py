"""Workflows of writing a pair (SPEC §2–3): drafts, submission, edits, withdrawal.

Web views, API views and management commands all call these functions, so a pair is checked the same way
whichever door it comes through.
"""

import datetime
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db import IntegrityError, connection, connections, models, transaction
from django.db.models import Field, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from moisson.compiled import CompiledQuery, Param
from moisson.findings import ERROR, Finding
from moisson.text import normalize_text

from .checks import check_pairs_text
from .final_answer import FinalAnswerCheck, check_final_answer
from .models import (
    FINAL_ANSWER_MAX_LENGTH,
    LIVE_STATUSES,
    PAIR_FIELDS,
    PAIR_TEXT_FIELDS,
    Pair,
    PairBand,
    Revision,
    Status,
)
from .similarity import band_keys, fingerprints, similarities
from .statistics import statistics_changed

# A draft may be rough, but not unbounded: this only protects the database.
DRAFT_MAX_CHARS = 50_000
# Pairs sharing a band with a new text that are compared to it. A common text (a greeting, a template
# everyone copies) can share bands with thousands of pairs: comparing them all would make every submission
# slow, and past a few hundred the warnings add nothing a reviewer would read.
NEAR_DUPLICATE_CANDIDATES = 200
# Near duplicates named to the author as warnings, best first; reviewers see the full list.
NEAR_DUPLICATE_WARNINGS = 3


@dataclass(frozen=True)
class NearDuplicate:
    pair_id: str
    similarity: float
    question: str


@dataclass
class Evaluation:
    findings: list[Finding]
    content_hash: str
    signature: bytes
    near_duplicates: list[NearDuplicate] = field(default_factory=list)
    duplicate_of: Pair | None = None
    final_answer: FinalAnswerCheck | None = None

    @cached_property
    def bands(self) -> list[int]:
        """The signature's band keys (`band_keys`), computed once for the lookup and the write."""
        return band_keys(self.signature)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]


class PairStateError(Exception):
    """The pair's state forbids the action (reviewed to a decision, withdrawn...), often because it changed
    since the page was shown; str(exc) is a message for the person who tried. The API answers 409, the web
    pages show the message."""


class SubmissionRefused(Exception):
    """Raised when a submission fails a blocking check; the text was kept (as a draft when possible)."""

    def __init__(self, evaluation: Evaluation, pair: Pair | None) -> None:
        super().__init__("submission refused by checks")
        self.evaluation = evaluation
        self.pair = pair


def evaluate_pair(data: Mapping[str, str], *, exclude: Pair | None = None) -> Evaluation:
    """Every check of a pair's fields (`PAIR_FIELDS`; a missing one counts as empty), `exclude` being the
    pair itself when an existing pair is edited."""
    evaluation = check_pairs([data])[0]
    DuplicateLookup([evaluation], exclude=exclude).complete(evaluation)
    return evaluation


def check_pairs(datas: list[Mapping[str, str]]) -> list[Evaluation]:
    """The checks of `evaluate_pair` that need no database, for many pairs at once (the language of all of
    them judged together, their signatures hashed together): text, final answer, hash and signature. The
    duplicates are added by `DuplicateLookup.complete`."""
    texts = [
        tuple(normalize_text(data.get(name) or "") for name in ("question", "context", "answer"))
        for data in datas
    ]
    text_findings = check_pairs_text(
        [
            {
                "question": question,
                "context": context,
                "answer": answer,
                "task_type": data.get("task_type") or "",
            }
            for (question, context, answer), data in zip(texts, datas, strict=True)
        ]
    )
    evaluations = []
    for data, (question, *_rest), findings, (digest, sig) in zip(
        datas, texts, text_findings, fingerprints(texts), strict=True
    ):
        task_type, final_answer = data.get("task_type") or "", data.get("final_answer") or ""
        final = check_final_answer(question=question, final_answer=final_answer, task_type=task_type)
        if final.finding is not None:
            findings.append(final.finding)
        if len(final.final_answer) > FINAL_ANSWER_MAX_LENGTH:
            findings.append(
                Finding(
                    code="too_long",
                    field="final_answer",
                    level=ERROR,
                    message=_(
                        "The final answer is too long: it is meant for a short answer (a number, a word, a "
                        "short phrase) of at most %(limit)d characters."
                    )
                    % {"limit": FINAL_ANSWER_MAX_LENGTH},
                )
            )
        evaluations.append(
            Evaluation(findings=findings, content_hash=digest, signature=sig, final_answer=final)
        )
    return evaluations


class DuplicateLookup:
    """The exact and near duplicates of new texts among the live pairs, for one text or a batch of them.

    Reads the database once for all the texts (their hashes, then the pairs sharing one of their bands, then
    the signatures of the candidates worth comparing); `add` tells it about a pair saved since (an earlier
    row of the same batch), which the next texts are compared with too, as if it had been in the database.
    Candidates are the live pairs sharing a band with the text, the `NEAR_DUPLICATE_CANDIDATES` sharing the
    most bands (then by id) being compared; the exact duplicate, when there is one, is not among them.
    """

    def __init__(self, evaluations: list[Evaluation], *, exclude: Pair | None = None) -> None:
        excluded = exclude.pk if exclude is not None else None
        hashes = {evaluation.content_hash for evaluation in evaluations}
        self._by_hash: dict[str, Pair] = {}
        if hashes:
            listed = _listed(hashes, Pair._meta.get_field("content_hash"))
            for pair in _SAME_HASH.objects((excluded is not None,), hashes=listed, exclude=excluded):
                self._by_hash.setdefault(pair.content_hash, pair)
        all_keys = {key for evaluation in evaluations for key in evaluation.bands}
        self._stored: dict[int, list] = defaultdict(list)
        for key, pair_id in _stored_bands(all_keys, exclude=excluded) if all_keys else ():
            self._stored[key].append(pair_id)
        self._added: dict[int, list[Pair]] = defaultdict(list)
        # The signature and question of every stored pair some text may compare with: those among the best
        # candidates of a text before any pair is added (an added pair can only push stored ones out).
        wanted = set()
        for evaluation in evaluations:
            duplicate = self._by_hash.get(evaluation.content_hash)
            wanted.update(self._best(self._counts(evaluation, skip=duplicate)))
        self._details: dict[object, tuple[bytes, str]] = {}
        if wanted:
            for pair_id, minhash, question in _DETAILS.rows(ids=_listed(wanted, Pair._meta.pk)):
                self._details[pair_id] = (bytes(minhash), question)

    def complete(self, evaluation: Evaluation) -> Evaluation:
        """Add the duplicate finding and the near duplicates (with their warnings) to `evaluation`."""
        duplicate = self._by_hash.get(evaluation.content_hash)
        if duplicate is not None:
            evaluation.findings.append(duplicate_finding())
        candidates = self._best(self._counts(evaluation, skip=duplicate))
        sigs = [self._signature_of(pair_id) for pair_id in candidates]
        threshold = settings.MOISSON_NEAR_DUPLICATE_THRESHOLD
        near = [
            NearDuplicate(pair_id=str(pair_id), similarity=score, question=self._question_of(pair_id))
            for pair_id, score in zip(candidates, similarities(evaluation.signature, sigs), strict=True)
            if score >= threshold
        ]
        near.sort(key=lambda item: -item.similarity)
        for item in near[:NEAR_DUPLICATE_WARNINGS]:
            evaluation.findings.append(
                Finding(
                    code="near_duplicate",
                    field="question",
                    level="warning",
                    message=_(
                        "This pair looks very similar (%(percent)d %%) to an existing pair: “%(question)s”. "
                        "Make sure yours brings something new; reviewers will see the similarity."
                    )
                    % {"percent": round(item.similarity * 100), "question": item.question[:120]},
                )
            )
        evaluation.duplicate_of = duplicate
        evaluation.near_duplicates = near
        return evaluation

    def add(self, pair: Pair, evaluation: Evaluation) -> None:
        """`pair` (with `evaluation`'s text) is live now: the next texts are compared with it."""
        self._by_hash.setdefault(evaluation.content_hash, pair)
        self._details[pair.pk] = (evaluation.signature, pair.question)
        for key in evaluation.bands:
            self._added[key].append(pair)

    def _counts(self, evaluation: Evaluation, *, skip: Pair | None) -> Counter:
        counts: Counter = Counter()
        for key in evaluation.bands:
            # Most keys match nothing: testing is much cheaper than updating with nothing.
            if key in self._stored:
                counts.update(self._stored[key])
            if key in self._added:
                counts.update(pair.pk for pair in self._added[key])
        if skip is not None:
            counts.pop(skip.pk, None)
        return counts

    @staticmethod
    def _best(counts: Counter) -> list:
        if len(counts) <= NEAR_DUPLICATE_CANDIDATES:
            return list(counts)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
        return [pair_id for pair_id, _count in ranked[:NEAR_DUPLICATE_CANDIDATES]]

    def _signature_of(self, pair_id: object) -> bytes:
        return self._details[pair_id][0]

    def _question_of(self, pair_id: object) -> str:
        return self._details[pair_id][1]


def _stored_bands(keys: set[int], *, exclude: object) -> list[tuple[int, object]]:
    """(key, pair id) of the live pairs' bands with one of `keys`, but those of the pair `exclude` (an id)."""
    return _STORED_BANDS.rows(
        (exclude is not None,), keys=_listed(keys, PairBand._meta.get_field("key")), exclude=exclude
    )


# DuplicateLookup's reads, compiled once per thread and shape (moisson.compiled): for a typed pair, the ORM
# building and compiling them cost more CPU than the database spent running them (issue 14). Each list of
# values goes as one parameter (`_one_of`), so that one statement serves a typed pair's few values and an
# import batch's thousands: with a parameter per value, a statement compiled for each length cost an import
# batch several times the ORM's query (110 against 15 ms for 5,000 ids).


def _listed(values: Iterable, field: Field) -> str:
    """`values` of `field` as the one parameter of `_one_of`: on PostgreSQL an array written as its text
    (psycopg adapts a list item by item in Python: 60 ms for an import batch's 16,000 band keys, more than
    the query itself; the values are numbers, UUIDs and hexadecimal hashes, whose text needs no quoting),
    on SQLite a JSON list of the values as stored."""
    if connection.vendor == "postgresql":
        return "{" + ",".join(map(str, values)) + "}"
    return json.dumps([field.get_db_prep_value(value, connection) for value in values])


def _one_of(queryset: QuerySet, field: Field, name: str) -> QuerySet:
    """`queryset` where `field` is one of the values of the parameter `name` (`_listed`)."""
    quote = connection.ops.quote_name
    column = f"{quote(field.model._meta.db_table)}.{quote(field.column)}"
    if connection.vendor == "postgresql":
        where = f"{column} = ANY(%s::{field.db_type(connection)}[])"
    else:
        where = f"{column} IN (SELECT value FROM json_each(%s))"
    return queryset.extra(where=[where], params=[Param(name, models.TextField())])


def _others(excluding: bool) -> QuerySet[Pair]:
    """The live pairs, but the one being edited (Param "exclude") when `excluding`."""
    others = Pair.objects.live()
    return others.exclude(pk=Param("exclude", Pair._meta.pk)) if excluding else others


_SAME_HASH = CompiledQuery(
    lambda excluding: (
        _one_of(_others(excluding), Pair._meta.get_field("content_hash"), "hashes")
        .only("id", "status", "content_hash")
        .order_by("pk")
    )
)


def _build_stored_bands(excluding: bool) -> QuerySet:
    bands = PairBand.objects.filter(pair__status__in=LIVE_STATUSES)
    if excluding:
        bands = bands.exclude(pair=Param("exclude", Pair._meta.pk))
    return _one_of(bands, PairBand._meta.get_field("key"), "keys").values_list("key", "pair_id")


_STORED_BANDS = CompiledQuery(_build_stored_bands)
_DETAILS = CompiledQuery(
    lambda: _one_of(Pair.objects.all(), Pair._meta.pk, "ids").values_list("id", "minhash", "question")
)


def save_draft(*, author: User, data: dict, pair: Pair | None = None) -> Pair:
    """Keep whatever the contributor has typed, without judging it."""
    data = normalized_pair_data(data)
    if pair is None:
        pair = Pair(author=author, status=Status.DRAFT)
    elif pair.status != Status.DRAFT:
        raise PairStateError(_("A pair under review cannot go back to draft."))
    for name in PAIR_FIELDS:
        setattr(pair, name, (data.get(name) or "")[:DRAFT_MAX_CHARS])
    pair.final_answer = pair.final_answer[:FINAL_ANSWER_MAX_LENGTH]
    pair.declaration = bool(data.get("declaration"))
    pair.save()
    return pair


def submit_pair(*, author: User, data: dict, pair: Pair | None = None, note: str = "") -> Pair:
    """Submit a new pair, a draft, or an edit of a pending pair (which starts a new revision).

    Raises SubmissionRefused when a blocking check fails (the text, the author's declaration, the licence, an
    edit that changes nothing); a new pair or a draft is saved as a draft first, so the contributor's text is
    never lost. Raises PairStateError when the pair can no longer be edited.
    """
    if pair is not None and not pair.is_editable:
        raise PairStateError(_("This pair can no longer be edited."))
    data = normalized_pair_data(data)
    evaluation = evaluate_pair(data, exclude=pair)
    evaluation.findings.extend(_consent_findings(author=author, data=data))
    if pair is not None and pair.status == Status.PENDING and not _changes(pair, data):
        evaluation.findings.append(_unchanged_finding())
    if evaluation.errors:
        if pair is None or pair.status == Status.DRAFT:
            pair = save_draft(author=author, data=data, pair=pair)
        raise SubmissionRefused(evaluation, pair)
    existing_id = pair.pk if pair is not None else None
    try:
        with transaction.atomic():
            if pair is None:
                pair = Pair(author=author)
            else:
                pair = Pair.objects.select_for_update().get(pk=pair.pk)
                if not pair.is_editable:
                    raise PairStateError(_("This pair can no longer be edited."))
            if data.get("accept_license") and not author.has_accepted_current_license:
                author.accept_license()
            pair.license = settings.MOISSON_LICENSE
            return record_revision(pair=pair, data=data, evaluation=evaluation, by=author, note=note)
    except IntegrityError:
        # Someone submitted the same text between our check and our write: the constraint decided.
        duplicate = Pair.objects.live().filter(content_hash=evaluation.content_hash).first()
        evaluation.findings.append(duplicate_finding())
        evaluation.duplicate_of = duplicate
        pair = Pair.objects.get(pk=existing_id) if existing_id else None
        if pair is None or pair.status == Status.DRAFT:
            pair = save_draft(author=author, data=data, pair=pair)
        raise SubmissionRefused(evaluation, pair) from None


def revise_pair(*, pair: Pair, data: dict, by: User, note: str, status: str | None = None) -> Pair:
    """A new revision written by someone else than the author (moderator edit, accepted suggestion).

    Checks still apply: a revision never brings personal data or a duplicate in.
    """
    data = normalized_pair_data(data)
    with transaction.atomic():
        pair = Pair.objects.select_for_update().get(pk=pair.pk)
        merged = {name: data.get(name, getattr(pair, name)) for name in PAIR_FIELDS}
        evaluation = evaluate_pair(merged, exclude=pair)
        if not _changes(pair, merged):
            evaluation.findings.append(_unchanged_finding())
        if evaluation.errors:
            raise SubmissionRefused(evaluation, None)
        return record_revision(pair=pair, data=merged, evaluation=evaluation, by=by, note=note, status=status)


def normalized_pair_data(data: dict) -> dict:
    """The same data with its texts normalised (`moisson.text.normalize_text`), as every door stores them."""
    return {
        name: normalize_text(value) if name in PAIR_TEXT_FIELDS and isinstance(value, str) else value
        for name, value in data.items()
    }


def record_revision(
    *, pair: Pair, data: dict, evaluation: Evaluation, by: User, note: str, status: str | None = None
) -> Pair:
    """Save `pair` with `data` as its new current revision, and its similarity bands: the one place a
    revision is written (typed, revised, or imported one by one; `record_new_pairs` writes new pairs by the
    batch the same way). The caller holds the transaction."""
    # Bands are written with a revision: a pair without one (new, or a draft) has none to replace.
    had_revision = pair.current_revision_id is not None
    _apply_revision(pair, data=data, evaluation=evaluation, status=status)
    # The revision first, so that the pair is written once, pointing at it: a new pair's row is not there
    # yet, but foreign keys are checked when the transaction commits (as in `record_new_pairs`).
    revision = _revision_of(pair, evaluation=evaluation, by=by, note=note)
    revision.save()
    pair.current_revision = revision
    pair.save()
    if had_revision:
        PairBand.objects.filter(pair=pair).delete()
    _insert_bands([(pair.pk, key) for key in evaluation.bands])
    return pair


def prepare_new_pair(pair: Pair, *, data: dict, evaluation: Evaluation) -> Pair:
    """Give a new, unsaved pair the fields of its first revision, as `record_revision` would, for
    `record_new_pairs` to write later with others."""
    _apply_revision(pair, data=data, evaluation=evaluation, status=None)
    return pair


def record_new_pairs(items: list[tuple[Pair, Evaluation]], *, by: User, note: str) -> None:
    """Write new pairs (from `prepare_new_pair`, each with its evaluation) with their first revision and
    their bands, as `record_revision` does one by one, in three inserts. The caller holds the transaction.

    The revisions go in before their pairs: foreign keys are checked when the transaction commits.
    """
    if not items:
        return
    revisions = [_revision_of(pair, evaluation=evaluation, by=by, note=note) for pair, evaluation in items]
    _insert(Revision, revisions)
    for (pair, _evaluation), revision in zip(items, revisions, strict=True):
        pair.current_revision = revision
    _insert(Pair, [pair for pair, _evaluation in items])
    _insert_bands([(pair.pk, key) for pair, evaluation in items for key in evaluation.bands])
    # What saving each pair would have told the statistics (bulk inserts send no post_save).
    statistics_changed()


def _insert(model: type[Model], objs: list[Model]) -> None:
    """Save new instances of `model` as `bulk_create` does, each value prepared by its field (`pre_save`,
    then `get_db_prep_save`), but with PostgreSQL's COPY: for a batch of 500 pairs, bulk_create spends four
    times as long building, and psycopg splitting, its huge INSERT. An instance without a primary key gets
    one from the table's sequence, in order, as bulk_create would give it. Values that bulk_create would
    compile into its SQL (expressions, database defaults) cannot be copied. Other databases: bulk_create."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    meta = model._meta
    for obj in objs:
        if not obj._is_pk_set():
            obj.pk = meta.pk.get_pk_value_on_save(obj)
    unnumbered = [obj for obj in objs if not obj._is_pk_set()]
    for obj, pk in zip(unnumbered, _next_ids(model, len(unnumbered)), strict=True):
        obj.pk = pk
    fields = [field for field in meta.concrete_fields if not field.generated]
    # The connection itself, as bulk_create hands it to the fields: through the `connection` proxy, each of
    # their reads of it would first look the connection up again.
    db = connections[connection.alias]
    # Per field: its attribute when `pre_save` only reads it, and whether a value is its own database value.
    columns = [
        (field, field.attname if type(field).pre_save is Field.pre_save else None, _kept_as_is(field))
        for field in fields
    ]
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        row = []
        for model_field, attname, kept in columns:
            value = getattr(obj, attname) if attname else model_field.pre_save(obj, add=True)
            if kept is None or not (value is None or kept(value)):
                value = model_field.get_db_prep_save(value, db)
            row.append(value)
        rows.append(row)
    _copy(model, fields, rows)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = db.alias


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_bool(value: object) -> bool:
    return value is True or value is False


def _is_float(value: object) -> bool:
    return type(value) is float


def _is_uuid(value: object) -> bool:
    return isinstance(value, uuid.UUID)


def _is_aware(value: object) -> bool:
    return isinstance(value, datetime.datetime) and value.utcoffset() is not None


# Fields whose `get_db_prep_save` gives PostgreSQL these values, and None, as they are (Django 5.2: their
# `get_prep_value` and `to_python` return them unchanged, and so do the backend's `adapt_*` methods):
# `_insert` skips the calls, a third of its CPU time. Other values (a naive datetime, a lazy string) and the
# other fields (JSON, bytes, integers, which psycopg's adapters wrap) still go through the field.
_KEPT_AS_IS: dict[type[Field], Callable[[object], bool]] = {
    models.CharField: _is_str,
    models.TextField: _is_str,
    models.BooleanField: _is_bool,
    models.FloatField: _is_float,
    models.UUIDField: _is_uuid,
    models.DateTimeField: _is_aware,
}


def _kept_as_is(field: Field) -> Callable[[object], bool] | None:
    """Which values `field` (of one of the exact classes of `_KEPT_AS_IS`, or a foreign key to one) sends
    to PostgreSQL unchanged; None when every value must go through the field."""
    if type(field) is models.ForeignKey:
        field = field.target_field
    return _KEPT_AS_IS.get(type(field))


def _next_ids(model: type[Model], count: int) -> list[int]:
    """`count` values of the sequence of `model`'s primary key (an identity column), taken in one query, in
    ascending order as an INSERT of `count` rows would take them."""
    if not count:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


def _insert_bands(rows: list[tuple]) -> None:
    """PairBand rows (pair id, key): the 32 of a typed pair, or the 16,000 of 500 imported ones. They go to
    COPY as the values they are (a UUID and an integer are stored as such): making model instances of them
    costs more than writing them (for one pair, 0.42 ms of CPU against 0.08)."""
    if connection.vendor != "postgresql":
        PairBand.objects.bulk_create(PairBand(pair_id=pair_id, key=key) for pair_id, key in rows)
        return
    # In PostgreSQL's binary format: no text to write for psycopg nor to parse for PostgreSQL, a fifth of
    # the time of each batch's 16,000 rows.
    fields = [PairBand._meta.get_field(name) for name in ("pair", "key")]
    _copy(PairBand, fields, rows, types=["uuid", "int8"])


def _copy(model: type[Model], fields: list[Field], rows: list, *, types: list[str] | None = None) -> None:
    """Write `rows` (database values of `fields`, in order) into `model`'s table with PostgreSQL's COPY;
    in its binary format when `types` names the columns' types (built-in types: psycopg knows them).

    A constraint it breaks raises Django's IntegrityError, as an INSERT would."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    if types:
        statement += " (FORMAT BINARY)"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        if types:
            copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _apply_revision(pair: Pair, *, data: dict, evaluation: Evaluation, status: str | None) -> None:
    """Set the pair's fields for its new revision, as `record_revision` saves them."""
    for name in PAIR_FIELDS:
        setattr(pair, name, data.get(name) or "")
    pair.final_answer = evaluation.final_answer.final_answer if evaluation.final_answer else ""
    pair.final_answer_checked = bool(evaluation.final_answer and evaluation.final_answer.checked)
    pair.declaration = bool(data.get("declaration", pair.declaration))
    pair.license = pair.license or settings.MOISSON_LICENSE
    pair.status = status or Status.PENDING
    if pair.status == Status.PENDING:
        # Back to review: an earlier decision no longer describes this text.
        pair.decided_at = None
        pair.validated_at = None
    pair.content_hash = evaluation.content_hash
    pair.minhash = evaluation.signature
    pair.submitted_at = pair.submitted_at or timezone.now()
    pair.revision_number += 1
    pair.reset_votes()
    pair.held_by = None
    pair.held_until = None


def _revision_of(pair: Pair, *, evaluation: Evaluation, by: User, note: str) -> Revision:
    return Revision(
        pair=pair,
        number=pair.revision_number,
        created_by=by,
        note=note,
        findings=[f.__dict__ for f in evaluation.warnings],
        near_duplicates=[
            {"id": item.pair_id, "similarity": round(item.similarity, 3)}
            for item in evaluation.near_duplicates
        ],
        final_answer_checked=pair.final_answer_checked,
        **{name: getattr(pair, name) for name in PAIR_FIELDS},
    )


def withdraw_pair(*, pair: Pair) -> Pair:
    with transaction.atomic():
        pair = Pair.objects.select_for_update().get(pk=pair.pk)
        if not pair.is_withdrawable:
            raise PairStateError(_("This pair can no longer be withdrawn."))
        pair.withdraw()
    return pair


DECLARATION_MISSING = gettext_lazy(
    "Please confirm that you wrote this text yourself and that it was not generated by a machine."
)


def _consent_findings(*, author: User, data: dict) -> list[Finding]:
    """SPEC §3: the author's declaration on every pair; the licence accepted once at the terms step, and
    again on a pair only when it changed since (then `accept_license` must be given)."""
    findings = []
    if not data.get("declaration"):
        findings.append(
            Finding(code="declaration", field="declaration", level="error", message=str(DECLARATION_MISSING))
        )
    if not author.has_accepted_current_license and not data.get("accept_license"):
        findings.append(
            Finding(
                code="license",
                field="accept_license",
                level="error",
                message=_(
                    "The licence of contributions changed since you accepted it: please accept the "
                    "%(license)s licence to publish this pair."
                )
                % {"license": settings.MOISSON_LICENSE_NAME},
            )
        )
    return findings


def _changes(pair: Pair, data: dict) -> bool:
    """Whether `data` differs from the pair's current text or categories: a revision that changes nothing
    would only wipe the votes already given."""
    return any((data.get(name) or "").strip() != (getattr(pair, name) or "").strip() for name in PAIR_FIELDS)


def _unchanged_finding() -> Finding:
    return Finding(
        code="unchanged",
        field="non_field_errors",
        level="error",
        message=_("This edit changes nothing: the pair stays as it is, with the reviews it already has."),
    )


def duplicate_finding() -> Finding:
    """What a pair is refused with when the unique constraint finds its exact duplicate."""
    return Finding(
        code="duplicate",
        field="question",
        level="error",
        message=_(
            "Exactly the same pair already exists (ignoring case, spaces and punctuation). "
            "Please write a different question or answer."
        ),
    )
