"""Time `manage.py import_pairs` of N generated French pairs into a copy of the seeded database.

    .venv/bin/python bench/import_pairs.py                 (10,000 pairs, this tree's code)
    .venv/bin/python bench/import_pairs.py 2000 --code /work/main --runs 2
    .venv/bin/python bench/import_pairs.py 10000 --peer-sizes     (items the size of the peer's)

Writes N pairs as JSON lines (seeded, so every run reads the same file: questions of 8 to 16 words and
answers of 20 to 50 words from the vocabulary of bench/locustfile.py, each with an `id`; with
`--peer-sizes`, questions of at least 300 characters and answers of at least 800, the sizes of the items the
peer's script imports, for the side-by-side figure), copies the
seeded database `moisson_load` (bench/seed.py) to a database of its own with `createdb -T`, runs the
command there in a fresh process with the code of `--code` (default: this tree), drops the copy, and
prints one line per run: rows, wall seconds, CPU seconds of the command (user + system, from
`getrusage` of the child), rows per second, what the command said, and the load average. The copy is made
from `BENCH_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/moisson_load`).
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vocabulary import PEER_ANSWER_CHARS, PEER_QUESTION_CHARS, WORDS, sentence  # noqa: E402

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/moisson_load"
DOMAINS = ["maths", "sciences", "french", "history_geography", "computing", "practical_life", "other"]
TASK_TYPES = ["open_qa", "explanation", "advice"]


def write_pairs(path: Path, count: int, *, seed: int = 14, peer_sizes: bool = False) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for number in range(count):
            if peer_sizes:
                question, answer = _text(rng, PEER_QUESTION_CHARS), _text(rng, PEER_ANSWER_CHARS)
            else:
                question, answer = sentence(rng, rng.randint(8, 16)), sentence(rng, rng.randint(20, 50))
            row = {
                "id": f"gen-{number:06d}",
                "question": question + " ?",
                "answer": answer + ".",
                "task_type": rng.choice(TASK_TYPES),
                "domain": rng.choice(DOMAINS),
            }
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _text(rng: random.Random, chars: int) -> str:
    words = []
    while len(words) + sum(map(len, words)) < chars:
        words.append(rng.choice(WORDS))
    return " ".join(words).capitalize()


def _psql_url(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def server_arguments(url: str) -> list[str]:
    """createdb's and dropdb's options for the server of a database URL."""
    parts = urlsplit(url)
    return [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]


def copy_database(url: str, name: str) -> None:
    template = urlsplit(url).path.lstrip("/")
    drop_database(url, name)
    for attempt in range(10):
        # createdb -T fails while someone else is connected to the template: wait for them.
        done = subprocess.run(
            ["createdb", *server_arguments(url), "-T", template, name], capture_output=True, text=True
        )
        if done.returncode == 0:
            return
        time.sleep(1 + attempt)
    raise SystemExit(f"createdb -T {template} {name} failed: {done.stderr.strip()}")


def drop_database(url: str, name: str) -> None:
    subprocess.run(
        ["dropdb", *server_arguments(url), "--if-exists", "--force", name], check=True, capture_output=True
    )


def time_import(path: Path, *, code: Path, url: str, name: str) -> tuple[float, float, str]:
    env = os.environ | {"DATABASE_URL": _psql_url(url, name), "PYTHONPATH": str(code)}
    command = [
        sys.executable,
        str(code / "manage.py"),
        "import_pairs",
        str(path),
        "--source",
        "bench-import",
        "--license",
        "CC-BY-4.0",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(done.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return wall, cpu, summary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("rows", type=int, nargs="?", default=10_000)
    parser.add_argument("--code", type=Path, default=BASE_DIR, help="Tree whose manage.py is timed.")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="Also keep the generated file here.")
    parser.add_argument(
        "--peer-sizes",
        action="store_true",
        help="Questions of 300 characters and answers of 800, as the peer's.",
    )
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = f"moisson_import_{os.getpid()}"
    code = args.code.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "pairs.jsonl"
        write_pairs(path, args.rows, peer_sizes=args.peer_sizes)
        print("code            rows   wall s    cpu s   rows/s  load  output")
        for _ in range(args.runs):
            copy_database(url, name)
            try:
                wall, cpu, summary = time_import(path, code=code, url=url, name=name)
            finally:
                drop_database(url, name)
            load = os.getloadavg()[0]
            label = code.name[:12]
            print(
                f"{label:12} {args.rows:7d} {wall:8.1f} {cpu:8.1f} {args.rows / wall:8.0f} {load:5.1f}"
                f"  {summary}"
            )


if __name__ == "__main__":
    main()
