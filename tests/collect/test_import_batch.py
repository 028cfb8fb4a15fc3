"""`import_pairs` by batches gives every row the verdict it gets when the rows are imported one by one."""

import copy
import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from collect import check_process, checks, importing, services
from collect.importing import ColumnMap, import_account, import_row, map_row, read_rows
from collect.management.commands import import_pairs as command
from collect.models import Pair, PairBand, Revision, Status
from collect.similarity import band_keys, signature, signatures
from tests.factories import make_pair

pytestmark = pytest.mark.django_db

SOURCE = "banque-ouverte"
WORDS = (
    "la lumière du soleil traverse l'atmosphère où les molécules d'air diffusent davantage les courtes "
    "longueurs d'onde si bien que le bleu nous parvient de toutes les directions du ciel pendant la journée "
    "alors qu'au coucher du soleil la lumière traverse une couche d'air plus épaisse et il reste surtout "
    "le rouge et l'orange"
)
STORED_ANSWER = (
    "Le théorème de Pythagore relie les longueurs des côtés d'un triangle rectangle : le carré de "
    "l'hypoténuse est égal à la somme des carrés des deux autres côtés, ce qui permet de calculer une "
    "longueur manquante ou de vérifier qu'un triangle est rectangle en comparant les carrés."
)


def row(uid: str, question: str, answer: str, **extra: str) -> dict:
    return {"id": uid, "question": question, "answer": answer, "task_type": "explanation", **extra}


ROWS = [
    row("a1", "Pourquoi le ciel est-il bleu le jour et rouge le soir ?", WORDS.capitalize() + "."),
    row("a2", "Combien font 15 × 4 ?", "On calcule 15 × 4 = 40 + 20 = 60. Le résultat est donc 60.",
        task_type="reasoning", final_answer="60"),
    # The same text as a1 under another id: an exact duplicate of a row of the same file.
    row("a3", "Pourquoi le ciel est-il bleu le jour et rouge le soir ?", WORDS.capitalize() + "."),
    # a1 with its last words changed: a near duplicate of a row of the same file, accepted with a warning.
    row("a4", "Pourquoi le ciel est-il bleu le jour et rouge le soir ?",
        WORDS.capitalize().replace("le rouge et l'orange", "le rouge, l'orange et le jaune") + "."),
    # The stored pair's text, and a close copy of it.
    row("d1", "Que dit le théorème de Pythagore ?", STORED_ANSWER),
    row("d2", "Que dit le théorème de Pythagore exactement ?",
        STORED_ANSWER.replace("comparant", "calculant")),
    row("b1", "Pourquoi ?", "Parce que."),
    row("b2", "What is the tallest mountain in the world and how high is it exactly?",
        "Mount Everest is the tallest mountain above sea level, reaching about 8,849 metres according to the "
        "latest survey carried out jointly by China and Nepal."),
    row("b3", "Comment joindre le service client de la boutique du quartier ?",
        "Écrivez à jean.dupont@example.org ou appelez le 06 12 34 56 78 aux heures d'ouverture."),
    row("b4", "Quel est le plus long fleuve de France métropolitaine ?",
        "La Loire est le plus long fleuve de France, avec environ mille kilomètres.", task_type="poésie"),
    row("b5", "Combien font 15 × 4 ?", "On calcule 15 × 4 et on trouve 60, tout simplement.",
        task_type="reasoning", final_answer="x" * 150),
    # An id already taken by an earlier accepted row, then one taken by a refused row (b1): the first is
    # already imported, the second is judged on its own text.
    row("a2", "Quelle est la capitale de l'Australie ?",
        "La capitale de l'Australie est Canberra, pas Sydney."),
    row("b1", "Quelle est la capitale du Canada, et pourquoi ?",
        "La capitale du Canada est Ottawa, choisie par la reine Victoria comme compromis."),
    "{pas du json",
    # Without an id: the text identifies the row.
    {"question": "Quelle est la plus haute montagne d'Europe occidentale ?",
     "answer": "Le mont Blanc, dans les Alpes, culmine à environ 4 806 mètres d'altitude."},
]  # fmt: skip


def write_rows(path: Path, rows: list) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for item in rows:
            f.write((item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)) + "\n")
    return path


def numbered_rows(count: int) -> list[dict]:
    """`count` distinct French rows on three topics in turn."""
    topics = ["photosynthèse", "révolution française", "tectonique des plaques"]
    return [
        row(
            f"n{i}",
            f"Question numéro {i} sur la {topics[i % 3]} ?",
            f"Voici une réponse détaillée sur la {topics[i % 3]}, cas {i}.",
        )
        for i in range(count)
    ]


def stored_pair() -> Pair:
    pair = make_pair(question="Que dit le théorème de Pythagore ?", answer=STORED_ANSWER, context="")
    PairBand.objects.bulk_create(PairBand(pair=pair, key=key) for key in band_keys(pair.minhash))
    return pair


def one_by_one(path: Path) -> list[tuple]:
    """The reference: every row through `import_pair`, each in its own transaction, in the file's order."""
    author = import_account(source=SOURCE)
    with translation.override("fr"):
        outcomes = [
            import_row(
                map_row(number, raw, columns=ColumnMap()), author=author, source=SOURCE, license="CC0-1.0"
            )
            for number, raw in read_rows(path, file_format="jsonl")
        ]
    return [(o.row.line, o.row.source_id, o.status, o.reasons) for o in outcomes]


def by_batches(path: Path) -> tuple[list[tuple], str]:
    report = path.with_suffix(".report")
    out = io.StringIO()
    with translation.override("fr"):
        call_command(
            "import_pairs", str(path), "--source", SOURCE, "--license", "CC0-1.0", "--report", str(report),
            stdout=out,
        )  # fmt: skip
    refused = {item["line"]: item["reasons"] for item in map(json.loads, report.read_text().splitlines())}
    return refused, out.getvalue()


def refused_of(outcomes: list[tuple]) -> dict:
    return {line: reasons for line, _id, status, reasons in outcomes if status == importing.REFUSED}


def summary_of(outcomes: list[tuple]) -> str:
    statuses = [status for _line, _id, status, _reasons in outcomes]
    imported, already, refused = (statuses.count(status) for status in ("imported", "already", "refused"))
    return (
        f"{imported} paire{'s' * (imported > 1)} importée{'s' * (imported > 1)}, "
        f"{already} déjà importée{'s' * (already > 1)} auparavant, "
        f"{refused} refusée{'s' * (refused > 1)}."
    )


def saved_state() -> dict:
    """Everything the import wrote, with pairs named by their source id (or their question)."""
    pairs = Pair.objects.filter(source=SOURCE).select_related("current_revision")
    names = {str(pair.pk): pair.source_id for pair in Pair.objects.all()}
    names.update({str(pair.pk): f"stored: {pair.question}" for pair in Pair.objects.exclude(source=SOURCE)})
    state = {}
    for pair in pairs:
        revision = pair.current_revision
        state[pair.source_id] = {
            "fields": [
                getattr(pair, name)
                for name in (
                    "question",
                    "context",
                    "answer",
                    "task_type",
                    "domain",
                    "level",
                    "final_answer",
                    "final_answer_checked",
                    "license",
                    "status",
                    "content_hash",
                    "revision_number",
                )
            ],  # fmt: skip
            "minhash": bytes(pair.minhash),
            "revision": [
                revision.number,
                revision.question,
                revision.answer,
                revision.final_answer,
                revision.note,
            ],
            "findings": [(f["code"], f["message"]) for f in revision.findings],
            "near": [(names[item["id"]], item["similarity"]) for item in revision.near_duplicates],
            "bands": sorted(PairBand.objects.filter(pair=pair).values_list("key", flat=True)),
        }
    return state


@pytest.mark.parametrize("batch_rows", [500, 4, 1])
def test_batches_give_every_row_its_verdict_one_by_one(tmp_path, monkeypatch, batch_rows):
    monkeypatch.setattr(command, "BATCH_ROWS", batch_rows)
    path = write_rows(tmp_path / "paires.jsonl", ROWS)
    stored_pair()
    expected = one_by_one(path)
    expected_state = saved_state()
    Pair.objects.filter(source=SOURCE).delete()

    refused, output = by_batches(path)

    assert refused == refused_of(expected)
    assert saved_state() == expected_state
    assert summary_of(expected) in output
    # The file holds every case this test is about.
    by_id = {source_id: (status, reasons) for _line, source_id, status, reasons in expected}
    assert by_id["a3"][0] == "refused" and "existe déjà" in by_id["a3"][1][0]
    assert by_id["d1"][0] == "refused" and "existe déjà" in by_id["d1"][1][0]
    assert [name for name, _score in expected_state["a4"]["near"]] == ["a1"]
    assert [name for name, _score in expected_state["d2"]["near"]] == [
        "stored: Que dit le théorème de Pythagore ?"
    ]
    assert [status for _l, _i, status, _r in expected].count("already") == 1 and by_id["b1"][0] == "imported"
    assert {source_id for source_id, (status, _r) in by_id.items() if status == "refused"} >= {
        "b2", "b3", "b4", "b5", "a3", "d1", "",
    }  # fmt: skip


def test_batches_checked_in_another_process_speak_the_language_of_the_caller(tmp_path, monkeypatch):
    """From a few batches on, the rows are checked in another process (collect.check_process)."""
    monkeypatch.setattr(command, "BATCH_ROWS", 1)
    assert len(ROWS) >= importing.PROCESS_FROM_BATCHES
    path = write_rows(tmp_path / "paires.jsonl", ROWS)
    report = tmp_path / "refused.jsonl"

    with translation.override("en"):
        call_command(
            "import_pairs", str(path), "--source", SOURCE, "--license", "CC0-1.0", "--report", str(report),
            stdout=io.StringIO(),
        )  # fmt: skip

    items = [json.loads(line) for line in report.read_text().splitlines()]
    refused = {item["source_id"]: item["reasons"] for item in items}
    assert refused["b1"] == ["The answer is too short (10 characters): please write at least 20 characters."]
    assert "does not look like French" in refused["b2"][0]


def test_batches_checked_in_another_process_follow_the_settings_of_the_caller(
    tmp_path, monkeypatch, settings
):
    monkeypatch.setattr(command, "BATCH_ROWS", 1)
    settings.MOISSON_ANSWER_MIN_LENGTH = 5
    path = write_rows(tmp_path / "paires.jsonl", ROWS)

    refused, output = by_batches(path)

    # b1 ("Pourquoi ?", "Parce que.") is long enough now; its id comes again on line 13.
    assert 7 not in refused
    assert "1 déjà importée auparavant" not in output and "2 déjà importées auparavant" in output


def test_the_checking_process_is_forked_only_while_lingua_has_judged_nothing(monkeypatch):
    """A forked copy starts with Django set up, but without lingua's threads if this process has used it."""
    monkeypatch.setattr(checks, "_detector", None)
    assert check_process.context().get_start_method() == ("fork" if sys.platform == "linux" else "spawn")
    monkeypatch.setattr(checks, "_detector", object())
    assert check_process.context().get_start_method() == "spawn"


def test_importing_again_by_batches_changes_nothing_as_one_by_one(tmp_path):
    path = write_rows(tmp_path / "paires.jsonl", ROWS)
    by_batches(path)
    before = saved_state()
    expected = one_by_one(path)
    assert saved_state() == before

    refused, output = by_batches(path)

    assert saved_state() == before
    assert refused == refused_of(expected)
    assert summary_of(expected) in output
    assert "0 paire importée" in output


def test_a_batch_whose_rows_were_all_imported_before_is_skipped(tmp_path):
    """Finishing an interrupted import: a batch with nothing left to check imports nothing."""
    path = write_rows(tmp_path / "paires.jsonl", [ROWS[0], ROWS[1]])
    by_batches(path)

    refused, output = by_batches(path)

    assert refused == {}
    assert "0 paire importée, 2 déjà importées auparavant, 0 refusée." in output


def test_importing_again_a_file_of_many_batches_checks_nothing_in_another_process(tmp_path, monkeypatch):
    """Everything is imported already: no row to check, so no process started to load the language models."""
    monkeypatch.setattr(command, "BATCH_ROWS", 1)
    rows = numbered_rows(12)
    path = write_rows(tmp_path / "paires.jsonl", rows)
    by_batches(path)
    submitted = []

    class Recording(importing.ProcessPoolExecutor):
        def submit(self, *args: object, **kwargs: object) -> object:
            submitted.append(args)
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(importing, "ProcessPoolExecutor", Recording)

    refused, output = by_batches(path)

    assert "0 paire importée, 12 déjà importées auparavant, 0 refusée." in output
    assert submitted == []


def test_a_batch_reads_the_database_a_fixed_number_of_times(tmp_path, django_assert_max_num_queries):
    rows = numbered_rows(30)
    path = write_rows(tmp_path / "paires.jsonl", rows)
    by_batches(path)  # Loads the language models, creates the account.
    Pair.objects.filter(source=SOURCE).delete()

    with django_assert_max_num_queries(12):
        by_batches(path)

    assert Pair.objects.filter(source=SOURCE, status=Status.PENDING).count() == 30


def test_signatures_are_those_of_datasketch_2():
    import datasketch
    from django.conf import settings

    from collect.similarity import (
        _GROUP_SHINGLES,
        MAX_SIGNATURE_CHARS,
        _shingles,
        _without_accents,
        normalise,
    )

    # Computed by groups of texts (`_GROUP_SHINGLES` shingles): these cross several groups' edges, with a
    # text longer than a group among them and a group of one text in the middle.
    many_words = " ".join(f"mot{number}" for number in range(_GROUP_SHINGLES + 500))
    texts = [json.dumps(item, ensure_ascii=False) for item in ROWS] + [
        "",
        "a",
        "Été, côte et coté.",
        "x" * 30_000,
        *(
            f"Question {number} : " + " ".join(f"terme{number}x{word}" for word in range(300))
            for number in range(9)
        ),
        many_words,
        "Été, côte et coté.",
        many_words[:50_000],
    ]
    for text, batch in zip(texts, signatures(texts), strict=True):
        minhash = datasketch.MinHash(
            num_perm=settings.MOISSON_MINHASH_PERMUTATIONS, seed=1, scheme="affine32"
        )
        compared = _without_accents(normalise(text[:MAX_SIGNATURE_CHARS]))
        minhash.update_batch([shingle.encode() for shingle in _shingles(compared)])
        expected = minhash.hashvalues.astype("<u4").tobytes()
        assert batch == expected and signature(text) == expected


def test_a_batch_meeting_a_constraint_is_imported_again_row_by_row(tmp_path, monkeypatch):
    """A pair written by someone else between the batch's lookup and its insert (here: a lookup that does
    not see it) makes the insert fail; the rows are then imported one by one, where the constraint decides."""
    path = write_rows(tmp_path / "paires.jsonl", ROWS[:2])
    make_pair(question=ROWS[1]["question"], answer=ROWS[1]["answer"], context="")

    class Blind(importing.DuplicateLookup):
        def complete(self, evaluation):
            self._by_hash.clear()
            return super().complete(evaluation)

    monkeypatch.setattr(importing, "DuplicateLookup", Blind)

    refused, output = by_batches(path)

    assert list(Pair.objects.filter(source=SOURCE).values_list("source_id", flat=True)) == ["a1"]
    assert "existe déjà" in refused[2][0]
    assert "1 paire importée, 0 déjà importée auparavant, 1 refusée." in output


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: COPY")
def test_pairs_written_with_copy_hold_every_column_bulk_create_writes(monkeypatch):
    """On PostgreSQL, `record_new_pairs` writes with COPY; on other databases, with `bulk_create`. The same
    pairs written both ways give the same rows, column for column."""
    stored_pair()
    author = import_account(source=SOURCE)
    batches = []
    monkeypatch.setattr(importing, "record_new_pairs", lambda items, **kwargs: batches.append(items))
    raws = [raw if isinstance(raw, dict) else None for raw in ROWS]
    importing.import_rows(
        [map_row(number, raw, columns=ColumnMap()) for number, raw in enumerate(raws, start=1)],
        author=author,
        source=SOURCE,
        license="CC0-1.0",
    )
    [items] = batches
    # The values that differ from one write to the next (the time, new ids) are made the same.
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    monkeypatch.setattr(Revision._meta.get_field("created_at"), "_get_default", lambda: now)
    first_ids = {model: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                 for model in (Revision, PairBand)}  # fmt: skip

    def written(*, vendor: str) -> dict:
        with connection.cursor() as cursor:
            for model, first in first_ids.items():
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + 100])
        with monkeypatch.context() as patch, transaction.atomic():
            patch.setattr(connection, "vendor", vendor)
            services.record_new_pairs(copy.deepcopy(items), by=author, note="Importé")
        rows = {}
        with connection.cursor() as cursor:
            for table, condition in [
                ("collect_pair", "source = %s"),
                ("collect_revision", "pair_id IN (SELECT id FROM collect_pair WHERE source = %s)"),
                ("collect_pairband", "pair_id IN (SELECT id FROM collect_pair WHERE source = %s)"),
            ]:
                cursor.execute(f"SELECT t::text FROM {table} t WHERE {condition} ORDER BY id", [SOURCE])
                rows[table] = [text for (text,) in cursor.fetchall()]
        Pair.objects.filter(source=SOURCE).delete()
        return rows

    with_copy, with_bulk_create = written(vendor="postgresql"), written(vendor="sqlite")

    assert with_copy == with_bulk_create
    assert len(with_copy["collect_pair"]) == len(items) > 3
    assert any(evaluation.near_duplicates and evaluation.warnings for _pair, evaluation in items)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: the values given to COPY")
def test_values_copied_as_they_are_are_those_their_fields_give():
    """`_insert` skips `get_db_prep_save` for the values a field would give PostgreSQL unchanged: for each
    field of a new pair and of its revision, the value it copies is the field's own."""
    author = import_account(source=SOURCE)
    [evaluation] = services.check_pairs([ROWS[0]])
    pair = Pair(author=author, source=SOURCE, source_id="a1", license="CC0-1.0")
    services.prepare_new_pair(pair, data=ROWS[0], evaluation=evaluation)
    revision = services._revision_of(pair, evaluation=evaluation, by=author, note="Importé")
    revision.pk = 1
    kept = []
    for obj in (pair, revision):
        for field in type(obj)._meta.concrete_fields:
            value = getattr(obj, field.attname)
            is_kept = services._kept_as_is(field)
            if is_kept is not None and (value is None or is_kept(value)):
                assert field.get_db_prep_save(value, connection) is value, field
                kept.append(field.name)
    assert {"id", "status", "question", "declaration", "pair", "created_at", "correctness_mean"} <= set(kept)
    naive = timezone.now().replace(tzinfo=None)
    assert not services._kept_as_is(Pair._meta.get_field("created_at"))(naive)
    assert not services._kept_as_is(Pair._meta.get_field("question"))(gettext_lazy("question"))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: its planner's statistics")
@pytest.mark.parametrize("dry_run", [False, True])
def test_an_import_leaves_the_planner_statistics_of_what_it_filled(tmp_path, dry_run):
    questions = [f"Question numéro {number} sur la lumière du ciel ?" for number in range(3)]
    path = write_rows(tmp_path / "pairs.jsonl", [row(f"s{n}", q, WORDS) for n, q in enumerate(questions)])

    def estimated_rows() -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, reltuples FROM pg_class WHERE relname IN (%s, %s, %s)",
                [model._meta.db_table for model in (Pair, Revision, PairBand)],
            )
            return dict(cursor.fetchall())

    before = estimated_rows()
    options = ["--dry-run"] if dry_run else []
    call_command(
        "import_pairs", str(path), "--source", SOURCE, "--license", "CC0-1.0", *options, stdout=io.StringIO()
    )
    if dry_run:
        assert estimated_rows() == before
        return
    assert estimated_rows() == {
        Pair._meta.db_table: Pair.objects.count(),
        Revision._meta.db_table: Revision.objects.count(),
        PairBand._meta.db_table: PairBand.objects.count(),
    }
    assert PairBand.objects.count() == 3 * 32


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: its planner's statistics")
def test_an_import_analyses_the_columns_of_the_indexes_it_filled(tmp_path):
    """Only the columns of the filled tables' indexes, constraints and keys are analysed: the lookups'
    columns get statistics, the long texts are left alone."""
    questions = [f"Question numéro {number} sur la lumière du ciel ?" for number in range(3)]
    path = write_rows(tmp_path / "pairs.jsonl", [row(f"s{n}", q, WORDS) for n, q in enumerate(questions)])
    call_command("import_pairs", str(path), "--source", SOURCE, "--license", "CC0-1.0", stdout=io.StringIO())

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, attname FROM pg_stats WHERE tablename IN (%s, %s, %s)",
            [model._meta.db_table for model in (Pair, Revision, PairBand)],
        )
        analysed = set(cursor.fetchall())
    assert {
        (Pair._meta.db_table, "content_hash"),
        (Pair._meta.db_table, "status"),
        (Pair._meta.db_table, "source_id"),
        (Revision._meta.db_table, "pair_id"),
        (PairBand._meta.db_table, "key"),
    } <= analysed
    assert (Pair._meta.db_table, "answer") not in analysed
