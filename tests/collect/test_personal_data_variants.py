"""Personal data written to escape detection, and ordinary French full of numbers (issue 13).

The variants live in tests/collect/data/personal_data_variants.tsv with what the checks answer today; the
table they make is copied in docs/RELIABILITY.md ("Personal-data detection"), and a test keeps both true.
Run with `-s` to see the table.
"""

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from collect.checks import ERROR, find_personal_data

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
RELIABILITY = ROOT / "docs" / "RELIABILITY.md"


@dataclass(frozen=True)
class Variant:
    kind: str
    variant: str
    expected: str
    text: str


def load_variants() -> list[Variant]:
    variants = []
    for line in (DATA / "personal_data_variants.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, variant, expected, text = line.split("\t")
            variants.append(Variant(kind, variant, expected, text.replace("\\n", "\n")))
    return variants


def ordinary_sentences() -> list[str]:
    lines = (DATA / "ordinary_french_numbers.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def demo_texts() -> list[str]:
    pairs = json.loads((ROOT / "collect" / "demo" / "pairs.json").read_text(encoding="utf-8"))
    return [pair[field] for pair in pairs for field in ("question", "context", "answer") if pair[field]]


def outcome(text: str) -> str:
    levels = {finding.level for finding in find_personal_data(text, field="answer")}
    if ERROR in levels:
        return "error"
    return "warning" if levels else "missed"


VARIANTS = load_variants()


def detection_table() -> str:
    """The Markdown table of docs/RELIABILITY.md: per kind, how many variants are refused, flagged, missed."""
    counts: dict[str, Counter] = {}
    for variant in VARIANTS:
        counts.setdefault(variant.kind, Counter())[outcome(variant.text)] += 1
    rows = [
        "| kind | variants | refused (error) | flagged (warning) | missed |",
        "| --- | --- | --- | --- | --- |",
    ]
    total: Counter = Counter()
    for kind, count in counts.items():
        total.update(count)
        rows.append(
            f"| {kind} | {sum(count.values())} | {count['error']} | {count['warning']} | {count['missed']} |"
        )
    rows.append(
        f"| **all** | {sum(total.values())} | {total['error']} | {total['warning']} | {total['missed']} |"
    )
    return "\n".join(rows)


def variant_table() -> str:
    """Every variant with what the checks answer."""
    rows = ["| kind | variant | caught as |", "| --- | --- | --- |"]
    rows += [f"| {v.kind} | {v.variant} | {outcome(v.text)} |" for v in VARIANTS]
    return "\n".join(rows)


def false_positive_line() -> str:
    sentences = ordinary_sentences()
    texts = demo_texts()
    flagged = Counter(outcome(text) for text in sentences)
    demo = Counter(outcome(text) for text in texts)
    return (
        f"False positives: {len(sentences)} ordinary French sentences with numbers: "
        f"{flagged['error']} refused, {flagged['warning']} flagged; "
        f"{len(texts)} texts of the demo pairs: {demo['error']} refused, "
        f"{demo['warning']} flagged."
    )


def test_there_are_at_least_48_variants() -> None:
    assert len(VARIANTS) >= 48


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: f"{v.kind}: {v.variant}")
def test_each_variant_is_caught_as_the_table_says(variant: Variant) -> None:
    assert outcome(variant.text) == variant.expected


def test_no_ordinary_french_sentence_with_numbers_is_refused() -> None:
    refused = [sentence for sentence in ordinary_sentences() if outcome(sentence) == "error"]

    assert refused == []


def test_at_most_two_ordinary_sentences_are_flagged() -> None:
    flagged = [sentence for sentence in ordinary_sentences() if outcome(sentence) == "warning"]

    assert len(flagged) <= 2, flagged


def test_no_demo_pair_is_flagged() -> None:
    assert [text for text in demo_texts() if outcome(text) != "missed"] == []


def test_the_reliability_document_shows_the_measured_table() -> None:
    table, variants, false_positives = detection_table(), variant_table(), false_positive_line()
    print(f"\n{table}\n\n{false_positives}\n\n{variants}")

    document = RELIABILITY.read_text(encoding="utf-8")
    assert table in document
    assert variants in document
    assert false_positives in document


def test_a_rows_stored_text_is_checked_in_one_call() -> None:
    from collect.checks import personal_data_in

    findings = personal_data_in(
        question="Qui contacter ?", context="", answer="Écrivez à jean.dupont (at) gmail (dot) com."
    )

    assert [(f.field, f.code, f.level) for f in findings] == [("answer", "email", "error")]
