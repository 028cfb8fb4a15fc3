"""Seed a PostgreSQL database with N pairs in realistic states, their revisions, reviews and people, by COPY.

    .venv/bin/python bench/seed.py 10000                      (BENCH_DATABASE_URL, default moisson_load)
    .venv/bin/python bench/seed.py 1000000 --create           (drop, create and migrate the database first)
    .venv/bin/python bench/seed.py 10000 --peer-sizes         (items the size of ../shared/bench's peer's)

Of every 20 pairs: 11 validated, 5 pending, 1 rejected, 1 disputed, 1 draft, 1 withdrawn. Every submitted
pair has its first revision; validated pairs carry 3 approvals, rejected ones 3 rejections, disputed ones
5 split votes, pending ones 0 to 2 approvals. Authors: one per 20 pairs (at least 500). Besides them,
`bench1` ... `bench400` (password `demo-moisson`, e-mail verified, terms accepted) are the simulated
volunteers of bench/load.py: each has an API token `<n padded to 40 hex digits>` and a session, written to
`var/bench-sessions.json` (VAR_DIR) for the page reads.

Every submitted pair has its real content hash, MinHash signature and near-duplicate bands (32 rows per
pair, as the site writes them), so a new pair is compared with the seeded ones as it would be in production.
Every table is analysed at the end: PostgreSQL's autovacuum, which would gather the planner's statistics
in production, may be off on a benchmark machine (it is on this project's), and without statistics the
near-duplicate lookup of a new pair is planned as a scan of the whole table of pairs.
"""

import argparse
import datetime
import hashlib
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vocabulary import PEER_ANSWER_CHARS, PEER_QUESTION_CHARS  # noqa: E402

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/moisson_load"
BENCH_USERS = 400
PASSWORD = "demo-moisson"
# Of every 20 pairs, in this order.
STATES = ["validated"] * 11 + ["pending"] * 5 + ["rejected", "disputed", "draft", "withdrawn"]
TASK_TYPES = ["open_qa", "closed_qa", "explanation", "reasoning", "code", "advice", "summarization"]
DOMAINS = ["maths", "sciences", "french", "history_geography", "computing", "practical_life", "other"]
LEVELS = ["", "college", "lycee", "superieur", "adulte"]
START = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)


def _export_bench() -> object:
    # bench/export.py has the vocabulary and the sentence maker; it is a script, not a package.
    spec = importlib.util.spec_from_file_location("bench_export", BASE_DIR / "bench" / "export.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def create_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--noinput"],
        check=True,
        capture_output=True,
        env=os.environ | {"DATABASE_URL": url},
    )


# The empty value of a column type, for columns this seeder does not know.
_EMPTY_VALUES = {"character varying": "", "text": "", "boolean": False, "jsonb": "{}", "integer": 0}


def _with_later_columns(cursor: object, table: str, columns: str) -> tuple[str, tuple]:
    """`columns` plus the NOT NULL columns without a database default that migrations added since this
    seeder was written (a final answer, an import source, a pseudonym key...), each with its empty value,
    so that COPY keeps working as the models grow."""
    listed = {name.strip() for name in columns.split(",")}
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO' "
        "ORDER BY ordinal_position",
        [table],
    )
    later = [(name, kind) for name, kind in cursor.fetchall() if name not in listed]
    names = ", ".join([columns, *(name for name, _kind in later)])
    return names, tuple(_EMPTY_VALUES[kind] for _name, kind in later)


def token_for(index: int) -> str:
    return f"{index:040x}"


def seed(count: int, *, peer_sizes: bool = False) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    pool = _export_bench().sentences(random.Random(count), 5000)
    authors = max(500, count // 20)
    people = authors + BENCH_USERS
    password = make_password(PASSWORD)
    now = datetime.datetime.now(datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE collect_pair, collect_revision, collect_pairband, review_review, review_skip, "
            "review_report, review_auditentry, export_release, accounts_user, account_emailaddress, "
            "authtoken_token, django_session CASCADE"
        )
        user_columns, user_extra = _with_later_columns(
            cursor,
            "accounts_user",
            "id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, "
            "date_joined, pseudonym, attribution_opt_in, terms_accepted_at, terms_license, "
            "suspension_reason, review_domains, review_levels",
        )
        with cursor.copy(f"COPY accounts_user ({user_columns}) FROM STDIN") as copy:
            for index in range(1, people + 1):
                name = f"auteur{index}" if index <= authors else f"bench{index - authors}"
                copy.write_row(
                    (index, password if index > authors else "!", False, name, "", "", f"{name}@example.org")
                    + (
                        False,
                        True,
                        START,
                        f"Plume{index}",
                        index % 2 == 0,
                        START,
                        "CC-BY-4.0",
                        "",
                        "[]",
                        "[]",
                    )
                    + user_extra
                )
        with cursor.copy(
            'COPY account_emailaddress (user_id, email, verified, "primary") FROM STDIN'
        ) as copy:
            for index in range(1, people + 1):
                name = f"auteur{index}" if index <= authors else f"bench{index - authors}"
                copy.write_row((index, f"{name}@example.org", True, True))
        with cursor.copy("COPY authtoken_token (key, user_id, created) FROM STDIN") as copy:
            for number in range(1, BENCH_USERS + 1):
                copy.write_row((token_for(number), authors + number, now))

        pair_columns = (
            "id, author_id, status, question, context, answer, task_type, domain, level, license, "
            "declaration, current_revision_id, revision_number, content_hash, minhash, review_count, "
            "approvals, rejections, correctness_mean, fluency_mean, removal_reason, removal_note, "
            "created_at, updated_at, submitted_at, validated_at, decided_at"
        )
        revision_columns = (
            "id, pair_id, number, question, context, answer, task_type, domain, level, created_by_id, "
            "created_at, note, findings, near_duplicates"
        )
        review_columns = (
            "pair_id, revision_id, reviewer_id, verdict, reasons, correctness, fluency, comment, "
            "suggested_question, suggested_answer, suggestion_state, counts, created_at"
        )
        # Revisions after pairs although pairs point at them: Django's foreign keys are deferrable,
        # checked at commit. Each table is one pass over the same deterministic rows.
        totals = {}
        # The pairs' bands are written beside the pairs, which carry their signatures, then copied to
        # their table: one hashing of each text (a list of them would not fit in memory at 1M pairs).
        band_rows = 0
        with tempfile.TemporaryFile("w+", encoding="utf-8") as bands:
            for table, columns, part in (
                ("collect_pair", pair_columns, 0),
                ("collect_revision", revision_columns, 1),
                ("review_review", review_columns, 2),
            ):
                written = 0
                columns, extra = _with_later_columns(cursor, table, columns)
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for rows in _rows(
                        count, authors=authors, pool=pool, signed=part == 0, peer_sizes=peer_sizes
                    ):
                        for row in rows[part]:
                            copy.write_row(tuple(row) + extra)
                            written += 1
                        bands.writelines(f"{pair_id}\t{key}\n" for pair_id, key in rows[3])
                        band_rows += len(rows[3])
                totals[table] = written
            _copy_file(cursor, "collect_pairband", bands)
            totals["collect_pairband"] = band_rows
        # A validated pair publishes the revision that was validated (collect.Pair.published_revision).
        cursor.execute(
            "UPDATE collect_pair SET published_revision_id = current_revision_id, "
            "published_at = validated_at WHERE status = 'validated'"
        )
        for table in ("accounts_user", "collect_revision", "review_review", "account_emailaddress"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    return {
        "pairs": count,
        "revisions": totals["collect_revision"],
        "reviews": totals["review_review"],
        "bands": totals["collect_pairband"],
        "people": people,
    }


def _copy_file(cursor: object, table: str, rows: object) -> None:
    """COPY the lines of the open text file `rows` (tab-separated, COPY's text format) to `table`."""
    rows.seek(0)
    with cursor.copy(f"COPY {table} (pair_id, key) FROM STDIN") as copy:
        while block := rows.read(1 << 20):
            copy.write(block)


def analyse() -> None:
    """The planner's statistics of every table (see the module's docstring), after the seed's commit."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _rows(
    count: int, *, authors: int, pool: list[str], signed: bool = False, peer_sizes: bool = False
) -> Iterator[tuple[list, list, list, list]]:
    """For each pair: its row, its revision rows, its review rows and its band rows, the same at every call.

    `signed`: with the content hash, MinHash signature and bands that the site's checks would give the
    submitted pairs (collect.services.check_pairs); otherwise the pair row carries a placeholder hash and no
    signature, and no band rows, for the passes that do not write them (hashing costs most of the seed).
    """
    rng = random.Random(count)
    chunk: list = []
    for index in range(count):
        chunk.append(_pair_rows(index, rng=rng, authors=authors, pool=pool, peer_sizes=peer_sizes))
        if len(chunk) == 1000 or index == count - 1:
            yield from _signed(chunk) if signed else chunk
            chunk = []


def _signed(chunk: list) -> Iterator[tuple[list, list, list, list]]:
    from collect.similarity import band_keys, fingerprints
    from moisson.text import normalize_text

    submitted = [rows for rows in chunk if rows[1]]
    texts = [tuple(normalize_text(text) for text in rows[0][0][3:6]) for rows in submitted]
    keys = iter(fingerprints(texts))
    for pair_rows, revisions, reviews, _bands in chunk:
        if not revisions:
            yield pair_rows, revisions, reviews, []
            continue
        pair, (digest, sig) = pair_rows[0], next(keys)
        pair = pair[:13] + (digest, sig) + pair[15:]
        yield [pair], revisions, reviews, [(pair[0], key) for key in band_keys(sig)]


def _sentences(rng: random.Random, pool: list[str], chars: int) -> str:
    """Sentences of `pool` until their text has at least `chars` characters."""
    sentences = [pool[rng.randrange(len(pool))]]
    while sum(map(len, sentences)) + len(sentences) - 1 < chars:
        sentences.append(pool[rng.randrange(len(pool))])
    return " ".join(sentences)


def _pair_rows(
    index: int, *, rng: random.Random, authors: int, pool: list[str], peer_sizes: bool = False
) -> tuple[list, list, list, list]:
    state = STATES[index % 20]
    pair_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    author = 1 + index % authors
    created = START + datetime.timedelta(seconds=index * 17)
    if peer_sizes:
        question = _sentences(rng, pool, PEER_QUESTION_CHARS).rstrip(".") + " ?"
        context = ""
        answer = _sentences(rng, pool, PEER_ANSWER_CHARS)
    else:
        question = pool[rng.randrange(5000)].rstrip(".") + " ?"
        context = " ".join(rng.choices(pool, k=3)) if index % 3 == 0 else ""
        answer = " ".join(rng.choices(pool, k=rng.randint(2, 6)))
    kind = (TASK_TYPES[index % 7], DOMAINS[index % 7], LEVELS[index % 5])
    votes = {"validated": "aaa", "rejected": "rrr", "disputed": "aaarr", "pending": "a" * (index % 3)}
    verdicts = votes.get(state, "")
    submitted = None if state == "draft" else created + datetime.timedelta(minutes=5)
    revision_id = None if state == "draft" else index + 1
    decided = created + datetime.timedelta(days=3)
    pair = (
        (pair_id, author, state, question, context, answer, *kind, "CC-BY-4.0", True, revision_id)
        + (0 if state == "draft" else 1, hashlib.sha256(pair_id.bytes).hexdigest(), b"")
        + (len(verdicts), verdicts.count("a"), verdicts.count("r"))
        + ((4.2, 4.5) if verdicts else (None, None))
        + ("", "", created, created, submitted)
        + (
            decided if state == "validated" else None,
            decided if state in ("validated", "rejected") else None,
        )
    )
    revisions, reviews = [], []
    if revision_id is not None:
        revisions.append(
            (revision_id, pair_id, 1, question, context, answer, *kind, author, submitted, "", "[]", "[]")
        )
        for number, verdict in enumerate(verdicts):
            reviewer = 1 + (index + 1 + number * 7) % authors
            reviews.append(
                (pair_id, revision_id, reviewer, "approve" if verdict == "a" else "reject")
                + ('["incomplete"]' if verdict == "r" else "[]", 4, 5, "", "", "", "", True)
                + (submitted + datetime.timedelta(hours=number + 1),)
            )
    return [pair], revisions, reviews, []


def write_sessions(var_dir: Path, *, usernames: list[str] | None = None) -> Path:
    """A signed-in session for each simulated volunteer (logging in 400 times would measure PBKDF2).

    `usernames`: existing accounts instead of the `benchN` ones (the demo accounts of `make run`).
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    sessions = {}
    from rest_framework.authtoken.models import Token

    people = (
        User.objects.filter(username__in=usernames)
        if usernames
        else User.objects.filter(username__startswith="bench")
    )
    for user in people.only("pk", "password", "username"):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "accounts.authentication.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        token = (
            Token.objects.get_or_create(user=user)[0].key if usernames else token_for(int(user.username[5:]))
        )
        sessions[user.username] = {"session": store.session_key, "token": token}
    from collect.models import Pair

    # Validated pairs for the page and API reads, spread over the table.
    pairs = [str(pk) for pk in Pair.objects.validated().order_by("?").values_list("id", flat=True)[:2000]]
    path = var_dir / "bench-sessions.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"accounts": sessions, "pairs": pairs}))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="number of pairs (0 with --sessions-for)")
    parser.add_argument(
        "--sessions-for",
        help="only write sessions for these existing accounts (comma-separated), any database",
    )
    parser.add_argument("--create", action="store_true", help="drop, create and migrate the database first")
    parser.add_argument(
        "--peer-sizes", action="store_true", help="questions of 300 characters and answers of 800, no context"
    )
    args = parser.parse_args()
    url = database_url()
    if args.sessions_for:
        setup_django(url)
        from django.conf import settings

        print(write_sessions(Path(settings.VAR_DIR), usernames=args.sessions_for.split(",")))
        return
    if args.create:
        create_database(url)
    setup_django(url)
    from django.conf import settings
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        figures = seed(args.count, peer_sizes=args.peer_sizes)
    analyse()
    figures["seconds"] = round(time.perf_counter() - started, 1)
    write_sessions(Path(settings.VAR_DIR))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
