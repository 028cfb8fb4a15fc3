import dataclasses
import datetime
import fnmatch
import re
import string
import uuid
from pathlib import Path

import pytest
import yaml
from huggingface_hub import DatasetCard

from export.card import (
    FIELDS,
    PREFERENCE_FIELDS,
    CardInfo,
    hub_license,
    render_card,
    render_contributors,
    size_category,
)
from export.card_words import ENGLISH, FRENCH, CardWords
from export.writer import PREFERENCE_SCHEMA, ROW_SCHEMA, write_data_files


def make_card_info(**fields: object) -> CardInfo:
    info = CardInfo(
        version="v1.2.0",
        date=datetime.date(2025, 3, 1),
        license_code="CC-BY-4.0",
        split_counts={"train": 1900, "test": 100},
        task_type_counts={"open_qa": 1200, "code": 800},
        domain_counts={"maths": 1500, "health": 500},
        level_counts={"lycee": 1500, "": 500},
        site_url="https://moisson.example.org",
        previous_version="v1.1.0",
        added=300,
        removed=4,
        removals_by_reason={"takedown": 3, "personal_data": 1},
        hub_repo="moisson/moisson-fr",
    )
    return dataclasses.replace(info, **fields)


def make_rich_card_info(**fields: object) -> CardInfo:
    """Every optional part of the card: held-back rows, preferences, labels, coverage targets."""
    rich = {
        "held_back": 2,
        "preferences_held_back": 1,
        "preference_split_counts": {"train": 40, "test": 3},
        "preference_source_counts": {"correction": 5, "suggested_edit": 38},
        "labels": {
            "fr": {"open_qa": "Question ouverte", "maths": "Mathématiques", "takedown": "Demande de retrait"},
            "en": {"open_qa": "Open question", "maths": "Mathematics", "takedown": "Takedown request"},
        },
        "coverage_targets": {"maths": 1000, "health": 2000, "history": 50},
    }
    return make_card_info(**(rich | fields))


# Three shapes of card: with everything, without a hub nor a previous release, and bare.
CARD_SHAPES = [
    make_rich_card_info(),
    make_rich_card_info(hub_repo=None, previous_version=None, coverage_targets={}),
    make_card_info(held_back=0, preference_split_counts={}, labels={}),
]
CARD_SHAPE_NAMES = ["rich", "no hub, first release", "bare"]


def sections(card: str) -> dict[str, str]:
    """The card's language sections by heading: {"Français": "...", "English": "..."}."""
    parts = re.split(r"^## (.+)$", card, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def shape(section: str) -> list[str]:
    """A section with its words taken out: headings, bullets, tables (their columns) and code stay."""
    shapes = []
    in_code = False
    for line in section.strip("\n").split("\n"):
        if line.startswith("```"):
            in_code = not in_code
            shapes.append(line)
        elif in_code or line.startswith("| ---"):
            shapes.append(line)
        elif line.startswith("#"):
            shapes.append(line.split(" ", 1)[0])
        elif line.startswith("|"):
            shapes.append(f"table row of {line.count(' | ') + 1} cells")
        elif line.startswith(("- ", "  ")):
            shapes.append(line[:2] + "…")
        else:
            shapes.append("text" if line else "")
    return shapes


def front_matter(card: str) -> dict:
    _before, yaml_text, _body = card.split("---\n", 2)
    return yaml.safe_load(yaml_text)


def make_row(index: int) -> dict:
    moment = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    return {
        "id": str(uuid.UUID(int=index)),
        "question": "Pourquoi le ciel est-il bleu ?",
        "context": "",
        "answer": "À cause de la diffusion de Rayleigh par les molécules de l'air.",
        "task_type": "explanation",
        "domain": "sciences",
        "level": None,
        "license": "CC-BY-4.0",
        "author": None,
        "created_at": moment,
        "validated_at": moment,
        "revision": 1,
        "review_count": 2,
        "approvals": 2,
        "correctness_mean": None,
        "fluency_mean": None,
    }


def test_front_matter_is_yaml_with_the_keys_the_hub_reads() -> None:
    metadata = front_matter(render_card(make_card_info()))

    assert metadata["license"] == "cc-by-4.0"
    assert metadata["language"] == ["fr"]
    assert metadata["task_categories"] == ["question-answering", "text-generation"]
    assert metadata["size_categories"] == ["1K<n<10K"]
    assert metadata["pretty_name"] == "Moisson"


def test_configs_point_at_both_splits() -> None:
    metadata = front_matter(render_card(make_card_info()))

    assert metadata["configs"] == [
        {
            "config_name": "default",
            "data_files": [
                {"split": "train", "path": "data/train-*.parquet"},
                {"split": "test", "path": "data/test-*.parquet"},
            ],
        }
    ]


def test_configs_match_exactly_the_files_the_writer_writes(tmp_path: Path) -> None:
    result = write_data_files(
        (make_row(index) for index in range(40)), out_dir=tmp_path, shard_rows=5, test_share=0.2
    )
    metadata = front_matter(render_card(make_card_info(split_counts=result.counts)))

    matched = {
        file.path
        for data_files in metadata["configs"][0]["data_files"]
        for file in result.files
        if fnmatch.fnmatch(file.path, data_files["path"])
    }

    assert matched == {file.path for file in result.files}


def test_split_without_rows_is_left_out_of_configs() -> None:
    metadata = front_matter(render_card(make_card_info(split_counts={"train": 12, "test": 0})))

    assert metadata["configs"][0]["data_files"] == [{"split": "train", "path": "data/train-*.parquet"}]


def test_card_metadata_is_accepted_by_huggingface_hub() -> None:
    card = DatasetCard(render_card(make_card_info()))

    assert card.data.license == "cc-by-4.0"
    assert card.data.configs[0]["config_name"] == "default"


def test_licence_without_a_hub_identifier_is_other_with_its_name() -> None:
    info = make_card_info(
        license_code="LO-2.0", license_name="Licence Ouverte 2.0", license_url="https://x.test"
    )

    metadata = front_matter(render_card(info))

    assert metadata["license"] == "other"
    assert metadata["license_name"] == "Licence Ouverte 2.0"
    assert metadata["license_link"] == "https://x.test"


def test_spdx_licence_codes_map_to_hub_identifiers() -> None:
    assert hub_license("CC-BY-4.0") == "cc-by-4.0"
    assert hub_license("CC0-1.0") == "cc0-1.0"
    assert hub_license("ODbL-1.0") == "odbl"


def test_size_categories_follow_the_hub_buckets() -> None:
    assert size_category(0) == "n<1K"
    assert size_category(999) == "n<1K"
    assert size_category(1000) == "1K<n<10K"
    assert size_category(99_999) == "10K<n<100K"
    assert size_category(1_000_000) == "1M<n<10M"


def test_same_info_renders_the_same_card() -> None:
    assert render_card(make_card_info()) == render_card(make_card_info())


def test_card_has_every_section_in_french_and_english() -> None:
    card = render_card(make_card_info())

    for heading in [
        "## Français",
        "### Description",
        "### Collecte et relecture",
        "### Champs",
        "### Statistiques",
        "### Licence",
        "### Attribution",
        "### Citation",
        "### Journal des modifications",
        "## English",
        "### Collection and review",
        "### Fields",
        "### Statistics",
        "### Changelog",
    ]:
        assert f"\n{heading}\n" in card


def test_fields_table_describes_every_column_of_the_row_schema() -> None:
    card = render_card(make_card_info())

    assert [name for name, *_rest in FIELDS] == ROW_SCHEMA.names
    assert all(f"| `{name}` |" in card for name in ROW_SCHEMA.names)


def test_statistics_list_most_frequent_values_first() -> None:
    card = render_card(make_card_info(domain_counts={"health": 5, "maths": 9, "arts": 5}))

    assert card.index("| `maths` | 9 |") < card.index("| `arts` | 5 |") < card.index("| `health` | 5 |")


def test_labels_are_shown_next_to_codes_in_each_sections_language() -> None:
    card = render_card(
        make_card_info(labels={"fr": {"open_qa": "Question ouverte"}, "en": {"open_qa": "Open"}})
    )

    assert "| `open_qa` | Question ouverte | 1200 |" in sections(card)["Français"]
    assert "| `open_qa` | Open | 1200 |" in sections(card)["English"]


def test_changelog_gives_added_removed_and_removal_reasons() -> None:
    card = render_card(make_card_info())

    assert "Depuis v1.1.0\u00a0: 300 paires ajoutées, 4 retirées." in card
    assert "Since v1.1.0: 300 pairs added, 4 removed." in card
    assert "| `takedown` | 3 |" in card


def test_first_release_changelog_says_so() -> None:
    card = render_card(make_card_info(previous_version=None, added=2000, removed=0, removals_by_reason={}))

    assert "Première version\u00a0: 2000 paires." in card
    assert "First release: 2000 pairs." in card


def test_citation_carries_version_and_year() -> None:
    card = render_card(make_card_info())

    assert "@misc{moisson_v1_2_0," in card
    assert "  year = {2025}," in card
    assert "  version = {v1.2.0}," in card


def test_contributors_are_sorted_by_pair_count_then_name() -> None:
    text = render_contributors([("bob", 3), ("alice", 3), ("Zoé", 10)])

    assert text.index("| Zoé | 10 |") < text.index("| alice | 3 |") < text.index("| bob | 3 |")


def test_contributor_pseudonym_cannot_break_the_table() -> None:
    text = render_contributors([("a|b <script>", 1)])

    assert "| a\\|b \\<script\\> | 1 |" in text


def test_contributors_file_says_when_nobody_asked_to_be_credited() -> None:
    assert "Nobody has asked to be credited yet." in render_contributors([])


def test_preferences_configuration_is_declared_with_its_splits_when_it_has_rows() -> None:
    metadata = front_matter(render_card(make_card_info(preference_split_counts={"train": 40, "test": 0})))

    assert metadata["configs"][1] == {
        "config_name": "preferences",
        "data_files": [{"split": "train", "path": "data/preferences-train-*.parquet"}],
    }


def test_preferences_configuration_is_left_out_while_it_has_no_row() -> None:
    card = render_card(make_card_info(preference_split_counts={"train": 0, "test": 0}))

    assert [config["config_name"] for config in front_matter(card)["configs"]] == ["default"]
    assert "Cette version n’en contient pas encore" in card
    assert "This release holds none yet" in card


def test_preference_fields_table_describes_every_column_in_french_and_english() -> None:
    card = render_card(make_card_info(preference_split_counts={"train": 3, "test": 1}))

    assert [name for name, *_rest in PREFERENCE_FIELDS] == PREFERENCE_SCHEMA.names
    for _name, _kind, french, english in PREFERENCE_FIELDS:
        assert french in card
        assert english in card


def test_preference_counts_by_source_are_in_the_statistics() -> None:
    card = render_card(
        make_card_info(
            preference_split_counts={"train": 3, "test": 1},
            preference_source_counts={"correction": 1, "suggested_edit": 3},
        )
    )

    assert "| `suggested_edit` | suggestion acceptée | 3 |" in card
    assert "| `suggested_edit` | accepted suggestion | 3 |" in card
    assert 'load_dataset("moisson/moisson-fr", "preferences", revision="v1.2.0")' in card


@pytest.mark.parametrize("info", CARD_SHAPES, ids=CARD_SHAPE_NAMES)
def test_french_and_english_sections_have_the_same_layout(info: CardInfo) -> None:
    by_language = sections(render_card(info))

    assert list(by_language) == ["Français", "English"]
    assert shape(by_language["Français"]) == shape(by_language["English"])


def test_first_line_links_to_each_language_section() -> None:
    card = render_card(make_card_info())

    assert "\n[Français](#français) · [English](#english)\n" in card
    assert "\n## Français\n" in card
    assert "\n## English\n" in card


def placeholders(words: CardWords) -> dict[str, list[set[str]]]:
    """The `{names}` each sentence of a language fills in, field by field, bullet by bullet."""
    found = {}
    for field in dataclasses.fields(words):
        value = getattr(words, field.name)
        sentences = value if isinstance(value, tuple) else (value,)
        found[field.name] = [
            {name for _text, name, _spec, _conversion in string.Formatter().parse(sentence) if name}
            for sentence in sentences
            if isinstance(sentence, str)
        ]
    return found


def test_both_languages_say_the_same_figures() -> None:
    assert placeholders(FRENCH) == placeholders(ENGLISH)


def test_held_back_rows_are_counted_at_the_end_of_the_collection_bullets() -> None:
    card = render_card(make_rich_card_info())

    assert (
        "(https://moisson.example.org).\n  Dans cette version\u00a0: 2 paire(s) et 1 paire(s) de préférences "
        in card
    )
    assert "\n  In this release: 2 pair(s) and 1 preference pair(s) held back.\n" in card


def test_card_says_when_no_row_was_held_back() -> None:
    card = render_card(make_card_info(held_back=0, preferences_held_back=0))

    assert "\n  Dans cette version, aucune ligne n’a été retenue.\n" in card
    assert "\n  In this release, no row was held back.\n" in card


def test_quorum_settings_are_in_both_languages() -> None:
    card = render_card(make_card_info(quorum_min_approvals=3, quorum_margin=1, dispute_after_reviews=7))

    assert (
        "au moins 3 approbations et que les approbations dépassent les rejets d’au moins 1. Après 7 " in card
    )
    assert "at least 3 approvals and approvals exceed rejections by at least 1. After 7 reviews" in card


def test_coverage_table_lists_the_domain_furthest_from_its_target_first() -> None:
    card = render_card(make_rich_card_info())

    assert "| Domaine | Libellé | Paires publiées | Objectif | Atteint |" in card
    assert "| Domain | Label | Published pairs | Target | Reached |" in card
    history = card.index("| `history` |  | 0 | 50 | 0\u00a0% |")
    health = card.index("| `health` |  | 500 | 2000 | 25\u00a0% |")
    maths = card.index("| `maths` | Mathématiques | 1500 | 1000 | 100\u00a0% |")
    assert history < health < maths


def test_card_without_coverage_targets_has_no_coverage_table() -> None:
    assert "Objectif" not in render_card(make_card_info(coverage_targets={}))


def test_loading_snippets_name_the_hub_repository_and_the_version() -> None:
    card = render_card(make_rich_card_info())

    assert card.count('dataset = load_dataset("moisson/moisson-fr", revision="v1.2.0")') == 2
    assert card.count('load_dataset("moisson/moisson-fr", "preferences", revision="v1.2.0")') == 2
    assert card.count("  url = {https://huggingface.co/datasets/moisson/moisson-fr},") == 2


def test_without_the_hub_snippets_load_the_release_folder_and_the_citation_names_the_site() -> None:
    card = render_card(make_rich_card_info(hub_repo=None))

    assert card.count('dataset = load_dataset("v1.2.0")  # le dossier de cette version · this release') == 2
    assert card.count('load_dataset("path/to/this/release", "preferences")') == 2
    assert card.count("  url = {https://moisson.example.org},") == 2
    assert "huggingface.co" not in card


def test_preference_tables_are_in_both_languages() -> None:
    card = render_card(make_rich_card_info())

    assert "| Partition (préférences) | Paires de préférences |" in card
    assert "| Split (preferences) | Preference pairs |" in card
    assert card.count("| `train` | 40 |") == 2


def test_licence_paragraph_names_the_default_licence_and_its_link() -> None:
    card = render_card(
        make_card_info(
            license_name="Creative Commons Attribution 4.0 International", license_url="https://cc.test"
        )
    )

    assert "; par défaut Creative Commons Attribution 4.0 International (https://cc.test)." in card
    assert "; by default Creative Commons Attribution 4.0 International (https://cc.test)." in card
