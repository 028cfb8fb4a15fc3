"""Microseconds per text of the personal-data checks, now and as of an earlier commit, in one process.

    .venv/bin/python bench/personal_data.py                  (before: a048403, the last commit without the
    .venv/bin/python bench/personal_data.py --before REV      prefilters; --rounds N, 5 by default)

Every release build runs the checks again on each row (export.rows), so their cost per row is the build's
concern. "Before" is `find_personal_data` of REV (collect/checks.py and collect/text.py, read from git into
a temporary package); "now" is `moisson.personal_data.find_personal_data`. Both run on the same texts,
alternately, in rounds; each figure is the fastest round (the machine is shared: the load average is
printed). Text kinds: the demo seed (collect/demo/pairs.json), the rows bench/export.py and bench/seed.py
store (their three fields together), that prose alone, with a few digits, with "@" or brackets that are
not an address, the number-heavy French sentences and the obfuscated variants of tests/collect/data.
"""

import argparse
import importlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA = BASE_DIR / "tests" / "collect" / "data"


def load_before(revision: str, directory: Path) -> Callable:
    package = directory / "before_checks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in ("checks", "text"):
        source = subprocess.run(
            ["git", "-C", str(BASE_DIR), "show", f"{revision}:collect/{name}.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (package / f"{name}.py").write_text(source)
    sys.path.insert(0, str(directory))
    return importlib.import_module("before_checks.checks").find_personal_data


def text_kinds() -> dict[str, list[tuple[str, ...]]]:
    """Each kind is a list of rows; a row is one text or a pair's three fields."""
    spec = importlib.util.spec_from_file_location("bench_export", BASE_DIR / "bench" / "export.py")
    bench_export = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_export)
    rng = random.Random(14)
    pool = bench_export.sentences(rng, 500)
    # The fields of bench/export.py's seed: a question, a context on one row in three, 2 to 6 sentences.
    rows = [
        (
            pool[rng.randrange(500)].rstrip(".") + " ?",
            " ".join(rng.choices(pool, k=3)) if index % 3 == 0 else "",
            " ".join(rng.choices(pool, k=rng.randint(2, 6))),
        )
        for index in range(300)
    ]
    prose = [row[2] for row in rows]
    demo = json.loads((BASE_DIR / "collect" / "demo" / "pairs.json").read_text(encoding="utf-8"))
    ordinary = (DATA / "ordinary_french_numbers.txt").read_text(encoding="utf-8").splitlines()
    variants = (DATA / "personal_data_variants.tsv").read_text(encoding="utf-8").splitlines()
    return {
        "bench/export.py rows": rows,
        "demo seed rows": [(pair["question"], pair["context"], pair["answer"]) for pair in demo],
        "prose": [(text,) for text in prose],
        "prose, a few digits": [
            (f"{text} En {rng.randint(1000, 2030)}, {rng.randint(2, 9)} %.",) for text in prose
        ],
        "prose, '@' and (brackets)": [(f"{text} (Voir @moisson, chez Paul.)",) for text in prose],
        "ordinary numbers": [(line,) for line in ordinary if line.strip() and not line.startswith("#")],
        "obfuscated variants": [
            (line.split("\t")[3].replace("\\n", "\n"),)
            for line in variants
            if line.strip() and line[0] != "#"
        ],
    }


def answers(find: Callable, text: str) -> list[tuple]:
    return [(f.code, f.level, f.message, f.start, f.end) for f in find(text, field="answer")]


def seconds_per_row(find: Callable, rows: list[tuple[str, ...]]) -> float:
    fields = ("question", "context", "answer")
    started = time.perf_counter()
    for row in rows:
        for field, text in zip(fields, row, strict=False):
            if text:
                find(text, field=field)
    return (time.perf_counter() - started) / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="a048403", help="the commit to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from moisson.personal_data import find_personal_data

    with tempfile.TemporaryDirectory(prefix="moisson-bench-") as directory:
        before = load_before(args.before, Path(directory))
        print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs, before = {args.before}")
        print(f"{'kind':<28} {'rows':>5} {'chars':>6} {'before µs':>10} {'now µs':>8} {'speed-up':>9}")
        for kind, rows in text_kinds().items():
            for row in rows:  # the same answers, or the comparison means nothing
                for text in row:
                    if answers(before, text) != answers(find_personal_data, text):
                        raise SystemExit(f"the two disagree on {text!r}")
            timings = {"before": [], "now": []}
            for _ in range(args.rounds):
                timings["before"].append(seconds_per_row(before, rows))
                timings["now"].append(seconds_per_row(find_personal_data, rows))
            then, now = min(timings["before"]) * 1e6, min(timings["now"]) * 1e6
            chars = sum(len(text) for row in rows for text in row) / len(rows)
            print(f"{kind:<28} {len(rows):>5} {chars:>6.0f} {then:>10.1f} {now:>8.1f} {then / now:>8.1f}×")
        print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
