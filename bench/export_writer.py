"""Throughput and peak memory of export.writer.write_data_files, against pyarrow writing an in-memory table.

    .venv/bin/python bench/export_writer.py 100000

Each measurement runs in its own process, because peak RSS (getrusage's ru_maxrss) only ever grows
within a process. "baseline" is the peak after imports, before any row exists. Keep N at 100,000 or
below on a laptop: the reference holds every row in memory on purpose.
"""

import argparse
import datetime
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from export.writer import PARQUET_OPTIONS, ROW_SCHEMA, messages_for, write_data_files

MAX_ROWS = 100_000
WORDS = ("le", "la", "une", "question", "réponse", "contexte", "français", "histoire", "calcul", "texte")


def synthetic_rows(count: int) -> Iterator[dict]:
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    for index in range(count):
        words = [WORDS[(index * 7 + offset) % len(WORDS)] for offset in range(60)]
        yield {
            "id": str(uuid.UUID(int=index * 2654435761 % 2**128)),
            "question": " ".join(words[:15]) + " ?",
            "context": " ".join(words) if index % 3 == 0 else "",
            "answer": " ".join(words * 3) + ".",
            "task_type": "open_qa",
            "domain": "maths",
            "level": "lycee" if index % 2 else None,
            "license": "CC-BY-4.0",
            "author": f"auteur{index % 500}" if index % 4 else None,
            "created_at": start + datetime.timedelta(seconds=index),
            "validated_at": start + datetime.timedelta(seconds=index, days=3),
            "revision": 1,
            "review_count": 3,
            "approvals": 3,
            "correctness_mean": 4.0 + (index % 10) / 10,
            "fluency_mean": 4.5,
        }


def peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_writer(count: int, out_dir: Path) -> dict:
    started = time.perf_counter()
    result = write_data_files(synthetic_rows(count), out_dir=out_dir, shard_rows=50_000, test_share=0.05)
    elapsed = time.perf_counter() - started
    size = sum(file.size for file in result.files)
    return {"seconds": elapsed, "bytes": size, "files": len(result.files)}


def measure_in_memory(count: int, out_dir: Path) -> dict:
    started = time.perf_counter()
    rows = list(synthetic_rows(count))
    for row in rows:
        row["messages"] = messages_for(question=row["question"], context=row["context"], answer=row["answer"])
    table = pa.Table.from_pylist(rows, schema=ROW_SCHEMA)
    pq.write_table(table, out_dir / "all.parquet", row_group_size=5000, **PARQUET_OPTIONS)
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "bytes": (out_dir / "all.parquet").stat().st_size, "files": 1}


def run_child(mode: str, count: int) -> None:
    baseline = peak_rss_mib()
    with tempfile.TemporaryDirectory() as directory:
        measure = measure_writer if mode == "writer" else measure_in_memory
        figures = measure(count, Path(directory))
    figures |= {"mode": mode, "rows": count, "baseline_mib": baseline, "peak_mib": peak_rss_mib()}
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, help=f"number of synthetic rows (at most {MAX_ROWS})")
    parser.add_argument("--child", choices=["writer", "in-memory"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rows > MAX_ROWS:
        parser.error(f"at most {MAX_ROWS} rows")
    if args.child:
        run_child(args.child, args.rows)
        return

    print(
        f"{'mode':<10} {'rows':>8} {'rows/s':>9} {'MiB out':>8} {'files':>5} {'baseline':>9} {'peak RSS':>9}"
    )
    for mode in ("writer", "in-memory"):
        output = subprocess.run(
            [sys.executable, __file__, str(args.rows), "--child", mode],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures = json.loads(output)
        print(
            f"{mode:<10} {figures['rows']:>8} {figures['rows'] / figures['seconds']:>9.0f} "
            f"{figures['bytes'] / 2**20:>8.1f} {figures['files']:>5} "
            f"{figures['baseline_mib']:>8.0f}M {figures['peak_mib']:>8.0f}M"
        )


if __name__ == "__main__":
    main()
