"""Golden copies of the dataset card, taken before the card was rendered from one structure per language.

Temporary: the refactor must keep every byte; targeted tests replace this file afterwards.
Regenerate with GOLDEN_WRITE=1 (only on the code the copies are meant to capture).
"""

import dataclasses
import datetime
import os
from pathlib import Path

import pytest

from export.card import CardInfo, render_card, render_contributors

GOLDEN = Path(__file__).parent / "data" / "card"

RICH = CardInfo(
    version="v1.2.0",
    date=datetime.date(2025, 3, 1),
    license_code="CC-BY-4.0",
    split_counts={"train": 1900, "test": 100},
    task_type_counts={"open_qa": 1200, "code": 800, "reasoning": 800},
    domain_counts={"maths": 1500, "health": 500},
    level_counts={"lycee": 1500, "": 300, "none": 200},
    site_url="https://moisson.example.org",
    previous_version="v1.1.0",
    added=300,
    removed=4,
    removals_by_reason={"takedown": 3, "personal_data": 1},
    held_back=2,
    preference_split_counts={"train": 40, "test": 3},
    preference_source_counts={"correction": 5, "suggested_edit": 38, "other": 0},
    preferences_held_back=1,
    hub_repo="moisson/moisson-fr",
    license_name="Creative Commons Attribution 4.0 International",
    license_url="https://creativecommons.org/licenses/by/4.0/",
    labels={
        "open_qa": "Question ouverte",
        "code": "Code",
        "maths": "Mathématiques",
        "health": "Santé | bien-être",
        "lycee": "Lycée",
        "takedown": "Demande de retrait",
    },
    quorum_min_approvals=3,
    quorum_margin=1,
    dispute_after_reviews=7,
    coverage_targets={"maths": 1000, "health": 2000, "history": 50, "arts": 0},
)

VARIANTS = {
    "rich": RICH,
    "no_hub": dataclasses.replace(RICH, hub_repo=None),
    "held_back_pairs_only": dataclasses.replace(RICH, held_back=3, preferences_held_back=0),
    "first_release_bare": dataclasses.replace(
        RICH,
        hub_repo=None,
        previous_version=None,
        added=2000,
        removed=0,
        removals_by_reason={},
        held_back=0,
        preferences_held_back=0,
        preference_split_counts={"train": 0, "test": 0},
        preference_source_counts={},
        labels={},
        coverage_targets={},
        license_code="LO-2.0",
        license_name="Licence Ouverte 2.0",
        license_url="",
        split_counts={"train": 12, "test": 0},
    ),
    "other_licence_with_url": dataclasses.replace(
        RICH, license_code="LO-2.0", license_name="", license_url="https://x.test", removals_by_reason={}
    ),
}

CONTRIBUTORS = {
    "contributors": [("bob", 3), ("alice", 3), ("Zoé", 10), ("a|b <script>", 1)],
    "contributors_empty": [],
}


def check(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.md"
    if os.environ.get("GOLDEN_WRITE"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", VARIANTS)
def test_card_is_byte_identical_to_its_golden_copy(name: str) -> None:
    check(name, render_card(VARIANTS[name]))


@pytest.mark.parametrize("name", CONTRIBUTORS)
def test_contributors_file_is_byte_identical_to_its_golden_copy(name: str) -> None:
    check(name, render_contributors(CONTRIBUTORS[name]))
