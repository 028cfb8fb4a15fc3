"""Build time, rows/s and peak RSS of a whole release (export.releases.build_release) for N validated pairs.

    .venv/bin/python bench/export.py 10000 100000 1000000      (without numbers: 10000 100000)

Needs PostgreSQL. The script creates a database of its own (BENCH_DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/moisson_bench), migrates it, and for each N: empties it, seeds N
validated pairs by COPY (with 500 authors, half of them credited), builds release v1.0.0 ("build") into
a temporary RELEASES_ROOT, then takes down 0.1 % of the pairs and builds v1.1.0 ("next"), which also
compares every id with v1.0.0's files to list the removed ones. The database is dropped at the end
unless --keep is given.

Each measurement runs in its own process, because peak RSS (getrusage's ru_maxrss) only ever grows
within a process. "baseline" is the peak after Django and the export app are loaded, before any row.
The build is everything `build_release` does: the snapshot, the Parquet shards, the card, release.json,
the check with `datasets.load_dataset` and the move into place; "check" is that last verification alone.
"reference" reads the same pairs into memory and writes them with one pyarrow `write_table` call, the
floor a streaming writer is compared with; it holds every row at once, so it is skipped above 1,000,000.
"""

import argparse
import datetime
import importlib.util
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/moisson_bench"
# The reference holds every row in memory at once: about 2 GiB at 1M rows.
REFERENCE_MAX_ROWS = 1_000_000
AUTHORS = 500

# The vocabulary of the seeded pairs: varied enough that Parquet does not compress them unrealistically.
VOCABULARY = (
    "le la les un une des du de et ou mais donc car pourquoi comment quand où qui que quoi est sont a ont "
    "fait faire peut doit veut calcul triangle aire théorème équation fonction dérivée histoire révolution "
    "roi guerre siècle philosophie liberté conscience langue grammaire accord participe passé verbe "
    "sujet cellule énergie atome molécule lumière planète climat eau forêt santé sommeil alimentation "
    "recette cuisine budget impôt contrat loi tribunal ordinateur programme variable boucle donnée réseau "
    "musique peinture roman poème théâtre cinéma exemple réponse question contexte simple important"
)


def peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def setup_django(url: str, releases_root: Path | None = None) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")
    os.environ["HF_DATASET_REPO"] = ""
    if releases_root is not None:
        os.environ["RELEASES_ROOT"] = str(releases_root)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


# Seeding.


def sentences(rng: random.Random, count: int) -> list[str]:
    vocabulary = VOCABULARY.split()
    pool = []
    for _ in range(count):
        words = rng.choices(vocabulary, k=rng.randint(8, 22))
        pool.append(" ".join(words).capitalize() + ".")
    return pool


def _later_columns() -> object:
    # bench/seed.py knows the NOT NULL columns that migrations added since this seeder was written.
    spec = importlib.util.spec_from_file_location("bench_seed", BASE_DIR / "bench" / "seed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._with_later_columns


def seed(count: int) -> None:
    """Empty the pairs and fill them with `count` validated pairs, fast: COPY, one row at a time."""
    from django.db import connection

    with_later_columns = _later_columns()

    rng = random.Random(count)
    pool = sentences(rng, 5000)
    task_types = ["open_qa", "closed_qa", "explanation", "reasoning", "code", "advice", "summarization"]
    domains = ["maths", "sciences", "french", "history_geography", "computing", "practical_life", "other"]
    levels = ["", "college", "lycee", "superieur", "adulte"]
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE collect_pair, collect_pairband, export_release, accounts_user CASCADE")
        user_columns, user_extra = with_later_columns(
            cursor,
            "accounts_user",
            "id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, "
            "date_joined, pseudonym, attribution_opt_in, terms_license, suspension_reason, review_domains, "
            "review_levels",
        )
        with cursor.copy(f"COPY accounts_user ({user_columns}) FROM STDIN") as copy:
            for index in range(1, AUTHORS + 1):
                copy.write_row(
                    (index, "!", False, f"auteur{index}", "", "", f"auteur{index}@example.org", False, True)
                    + (start, f"Plume{index}", index % 2 == 0, "CC-BY-4.0", "", "[]", "[]")
                    + user_extra
                )
        columns = (
            "id, author_id, status, question, context, answer, task_type, domain, level, license, "
            "declaration, revision_number, content_hash, minhash, review_count, approvals, rejections, "
            "correctness_mean, fluency_mean, removal_reason, removal_note, created_at, updated_at, "
            "submitted_at, validated_at, decided_at"
        )
        columns, pair_extra = with_later_columns(cursor, "collect_pair", columns)
        with cursor.copy(f"COPY collect_pair ({columns}) FROM STDIN") as copy:
            for index in range(count):
                pair_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                created = start + datetime.timedelta(seconds=index * 17)
                validated = created + datetime.timedelta(days=3)
                question = pool[rng.randrange(5000)].rstrip(".") + " ?"
                context = " ".join(rng.choices(pool, k=3)) if index % 3 == 0 else ""
                answer = " ".join(rng.choices(pool, k=rng.randint(2, 6)))
                copy.write_row(
                    (pair_id, 1 + index % AUTHORS, "validated", question, context, answer)
                    + (task_types[index % 7], domains[index % 7], levels[index % 5], "CC-BY-4.0", True, 1)
                    + (pair_id.hex, b"", 3, 3, 0, 4.0 + (index % 10) / 10, 4.5, "", "")
                    + (created, validated, created, validated, validated)
                    + pair_extra
                )
        # Each pair publishes its first revision, as the review app leaves a pair it validated.
        revision_columns, revision_extra = with_later_columns(
            cursor,
            "collect_revision",
            "pair_id, number, question, context, answer, task_type, domain, level, created_at, note, "
            "findings, near_duplicates",
        )
        cursor.execute(
            f"INSERT INTO collect_revision ({revision_columns}) SELECT id, 1, question, context, answer, "
            "task_type, domain, level, created_at, '', '[]', '[]'"
            + ", %s" * len(revision_extra)
            + " FROM collect_pair",
            revision_extra,
        )
        cursor.execute(
            "UPDATE collect_pair SET current_revision_id = revision.id, "
            "published_revision_id = revision.id, published_at = validated_at "
            "FROM collect_revision revision WHERE revision.pair_id = collect_pair.id"
        )
        cursor.execute("ANALYZE collect_pair")
        cursor.execute("ANALYZE collect_revision")
        cursor.execute("ANALYZE accounts_user")


def take_down(count: int) -> None:
    """Remove `count` pairs spread over the id range, as takedowns: the next release lists them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE collect_pair SET status = 'removed', removal_reason = 'takedown' WHERE id IN "
            "(SELECT id FROM collect_pair WHERE status = 'validated' ORDER BY md5(id::text) LIMIT %s)",
            [count],
        )


# Measurements.


def measure_build(count: int, *, version: str) -> dict:
    import export.build
    import export.releases
    from export.models import Release

    if version != "v1.0.0":
        take_down(count // 1000)
    baseline = peak_rss_mib()
    check_seconds = 0.0
    verify = export.build._verify

    def timed_verify(*args: object, **kwargs: object) -> None:
        nonlocal check_seconds
        started = time.perf_counter()
        verify(*args, **kwargs)
        check_seconds = time.perf_counter() - started

    export.build._verify = timed_verify
    release = Release.objects.create(version=version)
    started = time.perf_counter()
    release = export.releases.build_release(release.pk)
    elapsed = time.perf_counter() - started
    if release.state != "published":
        raise SystemExit(f"the build failed: {release.error}")
    return {
        "seconds": elapsed,
        "check_seconds": check_seconds,
        "bytes": release.size,
        "files": len(release.files),
        "rows": release.total,
        "baseline_mib": baseline,
    }


def measure_reference(count: int, out_dir: Path) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.db import transaction

    import export.rows
    from export.changes import ChangeTracker
    from export.writer import PARQUET_OPTIONS, ROW_SCHEMA, messages_for

    baseline = peak_rss_mib()
    started = time.perf_counter()
    with transaction.atomic():
        rows = list(export.rows._rows(ChangeTracker(None), export.rows._Statistics(), []))
    for row in rows:
        row["messages"] = messages_for(question=row["question"], context=row["context"], answer=row["answer"])
    table = pa.Table.from_pylist(rows, schema=ROW_SCHEMA)
    pq.write_table(table, out_dir / "all.parquet", row_group_size=5000, **PARQUET_OPTIONS)
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "bytes": (out_dir / "all.parquet").stat().st_size,
        "files": 1,
        "rows": len(rows),
        "baseline_mib": baseline,
    }


def run_child(mode: str, count: int, releases_root: Path) -> None:
    setup_django(database_url(), releases_root)
    if mode == "seed":
        started = time.perf_counter()
        seed(count)
        print(json.dumps({"seconds": time.perf_counter() - started}))
        return
    if mode == "reference":
        with tempfile.TemporaryDirectory(prefix="moisson-bench-") as directory:
            figures = measure_reference(count, Path(directory))
    else:
        figures = measure_build(count, version="v1.0.0" if mode == "build" else "v1.1.0")
    figures |= {"mode": mode, "peak_mib": peak_rss_mib()}
    print(json.dumps(figures))


def child(mode: str, count: int, releases_root: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, str(count), "--child", mode, "--releases-root", str(releases_root)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def create_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--noinput"],
        check=True,
        capture_output=True,
        env=os.environ | {"DATABASE_URL": url},
    )


def drop_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "rows", type=int, nargs="*", default=[10_000, 100_000], help="numbers of validated pairs"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database at the end")
    parser.add_argument("--child", choices=["seed", "build", "next", "reference"], help=argparse.SUPPRESS)
    parser.add_argument("--releases-root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.rows[0], args.releases_root)
        return

    url = database_url()
    create_database(url)
    print(
        f"{'mode':<10} {'rows':>9} {'seconds':>8} {'rows/s':>8} {'check s':>8} {'MiB out':>8} {'files':>5} ",
        end="",
    )
    print(f"{'baseline':>9} {'peak RSS':>9}", flush=True)
    try:
        for count in args.rows:
            releases_root = Path(tempfile.mkdtemp(prefix="moisson-bench-releases-"))
            seeded = child("seed", count, releases_root)
            print(
                f"{'seed':<10} {count:>9} {seeded['seconds']:>8.1f} {count / seeded['seconds']:>8.0f}",
                flush=True,
            )
            modes = ["build", "next"] + (["reference"] if count <= REFERENCE_MAX_ROWS else [])
            for mode in modes:
                figures = child(mode, count, releases_root)
                check = f"{figures['check_seconds']:>8.1f}" if "check_seconds" in figures else f"{'':>8}"
                print(
                    f"{mode:<10} {figures['rows']:>9} {figures['seconds']:>8.1f} "
                    f"{figures['rows'] / figures['seconds']:>8.0f} {check} {figures['bytes'] / 2**20:>8.1f} "
                    f"{figures['files']:>5} {figures['baseline_mib']:>8.0f}M {figures['peak_mib']:>8.0f}M",
                    flush=True,
                )
            shutil.rmtree(releases_root)
    finally:
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
