"""The dataset card (README.md) and CONTRIBUTORS.md of a release (SPEC.md §6, "Layout", and §8).

Pure text: numbers in, Markdown out. The same CardInfo always gives the same text, so a rebuilt release
has the same README.md. The card is written in French then in English; the YAML front matter is what
the Hugging Face Hub and `datasets.load_dataset` read. The layout of a language's section is written once,
`_section`; the words of each language are in `export.card_words`.
"""

import datetime
from dataclasses import dataclass, field

import yaml

from .card_words import FIELDS, LANGUAGES, PREFERENCE_FIELDS, CardWords

# Licence codes are stored on rows in SPDX spelling ("CC-BY-4.0"); the Hub has its own identifiers.
_HUB_LICENSES = {
    "cc-by-4.0": "cc-by-4.0",
    "cc-by-sa-4.0": "cc-by-sa-4.0",
    "cc-by-3.0": "cc-by-3.0",
    "cc-by-sa-3.0": "cc-by-sa-3.0",
    "cc-by-nc-4.0": "cc-by-nc-4.0",
    "cc-by-nc-sa-4.0": "cc-by-nc-sa-4.0",
    "cc-by-nd-4.0": "cc-by-nd-4.0",
    "cc-by-nc-nd-4.0": "cc-by-nc-nd-4.0",
    "cc0-1.0": "cc0-1.0",
    "etalab-2.0": "etalab-2.0",
    "odc-by-1.0": "odc-by",
    "odbl-1.0": "odbl",
    "pddl-1.0": "pddl",
}

# Lower bounds of the Hub's size buckets, largest first.
_SIZE_CATEGORIES = [
    (10**12, "n>1T"),
    (10**11, "100B<n<1T"),
    (10**10, "10B<n<100B"),
    (10**9, "1B<n<10B"),
    (10**8, "100M<n<1B"),
    (10**7, "10M<n<100M"),
    (10**6, "1M<n<10M"),
    (10**5, "100K<n<1M"),
    (10**4, "10K<n<100K"),
    (10**3, "1K<n<10K"),
    (0, "n<1K"),
]

SPLITS = ("train", "test")


@dataclass(frozen=True)
class CardInfo:
    version: str
    date: datetime.date
    license_code: str  # as stored on rows, e.g. "CC-BY-4.0"
    split_counts: dict[str, int]  # {"train": n, "test": m}; a split with 0 rows is left out of `configs`
    task_type_counts: dict[str, int]
    domain_counts: dict[str, int]
    level_counts: dict[str, int]  # "" or "none" for pairs without a level
    site_url: str
    previous_version: str | None = None
    added: int = 0
    removed: int = 0
    removals_by_reason: dict[str, int] = field(default_factory=dict)
    # Rows that failed the personal-data checks at build time, left out of the files.
    held_back: int = 0
    preference_split_counts: dict[str, int] = field(default_factory=dict)
    preference_source_counts: dict[str, int] = field(default_factory=dict)
    preferences_held_back: int = 0
    hub_repo: str | None = None
    pretty_name: str = "Moisson"
    license_name: str = ""  # e.g. "Creative Commons Attribution 4.0 International"
    license_url: str = ""
    # Human names for the codes in the statistics (task types, domains, levels, removal reasons), per
    # language code of the sections: {"fr": {"maths": "Mathématiques"}, "en": {"maths": "Mathematics"}}.
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    quorum_min_approvals: int = 2
    quorum_margin: int = 2
    dispute_after_reviews: int = 5
    # Sum of the moderators' coverage targets per domain (collect.coverage); empty: no coverage table.
    coverage_targets: dict[str, int] = field(default_factory=dict)


def hub_license(license_code: str) -> str:
    """The Hub's identifier for a licence code, or "other" when the Hub has none."""
    return _HUB_LICENSES.get(license_code.strip().lower(), "other")


def size_category(rows: int) -> str:
    return next(label for lower_bound, label in _SIZE_CATEGORIES if rows >= lower_bound)


def card_configs(
    split_counts: dict[str, int], preference_split_counts: dict[str, int] | None = None
) -> list[dict]:
    """The `configs` entry of the card: one glob per split that has rows, for each configuration.

    A split without rows has no file (see export.writer), and `load_dataset` refuses a glob that matches
    nothing, so it is left out; so is the `preferences` configuration while it has no row at all.
    """
    configs = [{"config_name": "default", "data_files": _data_files("", split_counts)}]
    preference_files = _data_files("preferences-", preference_split_counts or {})
    if preference_files:
        configs.append({"config_name": "preferences", "data_files": preference_files})
    return configs


def _data_files(prefix: str, split_counts: dict[str, int]) -> list[dict]:
    return [
        {"split": split, "path": f"data/{prefix}{split}-*.parquet"}
        for split in SPLITS
        if split_counts.get(split, 0) > 0
    ]


def render_card(meta: CardInfo) -> str:
    # Each section's heading is its own anchor on the Hub and on the release page (export.views).
    contents = " · ".join(f"[{words.language}](#{words.language.lower()})" for words in LANGUAGES)
    sections = [line for words in LANGUAGES for line in _section(meta, words)]
    return "\n".join(
        [_front_matter(meta), f"# {meta.pretty_name} {meta.version}", "", contents, "", *sections]
    )


def render_contributors(rows: list[tuple[str, int]]) -> str:
    """CONTRIBUTORS.md: the people who opted in to attribution, most pairs first."""
    ordered = sorted(rows, key=lambda row: (-row[1], row[0].casefold(), row[0]))
    lines = [
        "# Contributeurs · Contributors",
        "",
        "Les personnes qui ont choisi d’être citées, par pseudonyme, avec le nombre de leurs paires publiées "
        "dans cette version. Les autres auteurs ne sont pas nommés.",
        "",
        "The people who chose to be credited, by pseudonym, with the number of their pairs published in this "
        "release. Other authors are not named.",
        "",
    ]
    if not ordered:
        lines += ["Personne n’a encore demandé à être cité. · Nobody has asked to be credited yet.", ""]
        return "\n".join(lines)
    lines += ["| Pseudonyme · Pseudonym | Paires · Pairs |", "| --- | ---: |"]
    lines += [f"| {_cell(name)} | {count} |" for name, count in ordered]
    return "\n".join(lines) + "\n"


def _front_matter(meta: CardInfo) -> str:
    total = sum(meta.split_counts.values())
    data: dict = {"license": hub_license(meta.license_code)}
    if data["license"] == "other":
        data["license_name"] = meta.license_name or meta.license_code
        if meta.license_url:
            data["license_link"] = meta.license_url
    data |= {
        "language": ["fr"],
        "pretty_name": meta.pretty_name,
        "task_categories": ["question-answering", "text-generation"],
        "size_categories": [size_category(total)],
        "annotations_creators": ["crowdsourced"],
        "language_creators": ["crowdsourced"],
        "multilinguality": ["monolingual"],
        "source_datasets": ["original"],
        "tags": ["instruction-tuning", "french", "human-written"],
        "configs": card_configs(meta.split_counts, meta.preference_split_counts),
    }
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True) + "---\n"


def _section(meta: CardInfo, words: CardWords) -> list[str]:
    """One language's section of the card: the same layout for every language, only the words differ."""
    figures = _figures(meta)
    held_back = meta.held_back or meta.preferences_held_back
    labels = meta.labels.get(words.code, {})
    return [
        f"## {words.language}",
        "",
        f"### {words.description_heading}",
        "",
        words.description.format(**figures),
        "",
        *_loading_snippet(meta),
        f"### {words.collection_heading}",
        "",
        *[f"- {point.format(**figures)}" for point in words.collection],
        # Indented, so that Markdown reads it as the end of the last bullet.
        "  " + (words.rows_held_back if held_back else words.no_row_held_back).format(**figures),
        "",
        f"### {words.fields_heading}",
        "",
        *_columns_table(FIELDS, words),
        "",
        f"### {words.preferences_heading}",
        "",
        words.preferences,
        "",
        *_preferences_snippet(meta, words),
        *_columns_table(PREFERENCE_FIELDS, words),
        "",
        f"### {words.statistics_heading}",
        "",
        *_table(words.split, words.pairs, meta.split_counts, labels, keep_order=True),
        *_table(words.task_type, words.pairs, meta.task_type_counts, labels, label_heading=words.label),
        *_table(words.domain, words.pairs, meta.domain_counts, labels, label_heading=words.label),
        *_table(words.level, words.pairs, meta.level_counts, labels, label_heading=words.label),
        *_preference_tables(meta, words),
        *_coverage_table(meta, words),
        f"### {words.licence_heading}",
        "",
        words.licence.format(**figures),
        "",
        f"### {words.attribution_heading}",
        "",
        words.attribution,
        "",
        f"### {words.citation_heading}",
        "",
        *_bibtex(meta),
        f"### {words.changelog_heading}",
        "",
        *_changelog(meta, words, figures),
    ]


def _figures(meta: CardInfo) -> dict[str, object]:
    """The values the `{names}` in the sentences of export.card_words stand for."""
    return {
        "name": meta.pretty_name,
        "version": meta.version,
        "date": meta.date.isoformat(),
        "total": sum(meta.split_counts.values()),
        "site_url": meta.site_url,
        "min_approvals": meta.quorum_min_approvals,
        "margin": meta.quorum_margin,
        "dispute_after": meta.dispute_after_reviews,
        "held_back": meta.held_back,
        "preferences_held_back": meta.preferences_held_back,
        "licence": _license_text(meta),
        "previous_version": meta.previous_version,
        "added": meta.added,
        "removed": meta.removed,
    }


def _changelog(meta: CardInfo, words: CardWords, figures: dict[str, object]) -> list[str]:
    if meta.previous_version is None:
        return [words.first_release.format(**figures), ""]
    return [
        words.since_previous.format(**figures),
        "",
        *_table(
            words.removal_reason,
            words.pairs,
            meta.removals_by_reason,
            meta.labels.get(words.code, {}),
            label_heading=words.label,
        ),
    ]


def _columns_table(columns: list[tuple[str, str, str, str]], words: CardWords) -> list[str]:
    """The columns of a configuration, with their meaning in the words' language."""
    lines = [f"| {' | '.join(words.column_headings)} |", "| --- | --- | --- |"]
    for name, kind, french, english in columns:
        meaning = {"fr": french, "en": english}[words.code]
        lines.append(f"| `{name}` | `{kind}` | {meaning} |")
    return lines


def _preferences_snippet(meta: CardInfo, words: CardWords) -> list[str]:
    if not any(meta.preference_split_counts.values()):
        return [words.no_preferences_yet, ""]
    if meta.hub_repo:
        source = f'"{meta.hub_repo}", "preferences", revision="{meta.version}"'
    else:
        source = '"path/to/this/release", "preferences"'
    return [
        "```python",
        "from datasets import load_dataset",
        "",
        f"preferences = load_dataset({source})",
        "```",
        "",
    ]


def _preference_tables(meta: CardInfo, words: CardWords) -> list[str]:
    if not any(meta.preference_split_counts.values()):
        return []
    sources = dict(sorted(meta.preference_source_counts.items(), key=lambda item: (-item[1], item[0])))
    lines = [f"| {words.preference_split} | {words.preference_pairs} |", "| --- | ---: |"]
    lines += [f"| `{split}` | {count} |" for split, count in meta.preference_split_counts.items()]
    lines += [
        "",
        f"| {words.preference_source} | {words.label} | {words.preference_pairs} |",
        "| --- | --- | ---: |",
    ]
    lines += [
        f"| `{code}` | {words.preference_sources.get(code, code)} | {count} |"
        for code, count in sources.items()
    ]
    return [*lines, ""]


def _table(
    heading: str,
    count_heading: str,
    counts: dict[str, int],
    labels: dict[str, str],
    *,
    label_heading: str = "",
    keep_order: bool = False,
) -> list[str]:
    if not counts:
        return []
    # Most frequent first, then by code, so equal counts never swap places between two renders.
    items = (
        list(counts.items()) if keep_order else sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    with_labels = any(code in labels for code, _count in items)
    if with_labels:
        lines = [f"| {heading} | {label_heading} | {count_heading} |", "| --- | --- | ---: |"]
        lines += [f"| {_code(code)} | {_cell(labels.get(code, ''))} | {count} |" for code, count in items]
    else:
        lines = [f"| {heading} | {count_heading} |", "| --- | ---: |"]
        lines += [f"| {_code(code)} | {count} |" for code, count in items]
    return [*lines, ""]


def _coverage_table(meta: CardInfo, words: CardWords) -> list[str]:
    """Published pairs per domain against the moderators' targets, furthest from the target first."""
    if not meta.coverage_targets:
        return []
    rows = []
    for domain, target in meta.coverage_targets.items():
        published = meta.domain_counts.get(domain, 0)
        reached = min(published / target, 1.0) if target else 1.0
        rows.append((reached, domain, published, target))
    rows.sort()
    headings = (words.domain, words.label, *words.coverage_headings)
    lines = [f"| {' | '.join(headings)} |", "| --- | --- | ---: | ---: | ---: |"]
    for reached, domain, published, target in rows:
        label = _cell(meta.labels.get(words.code, {}).get(domain, ""))
        lines.append(
            f"| {_code(domain)} | {label} | {published} | {target} | {round(reached * 100)}\u00a0% |"
        )
    return [*lines, ""]


def _code(code: str) -> str:
    return f"`{code}`" if code and code != "none" else "—"


def _cell(text: str) -> str:
    """Text from users (pseudonyms) must not break the table nor turn into Markdown or HTML."""
    text = " ".join(text.split())
    for char in "\\`*_[]<>|#!":
        text = text.replace(char, "\\" + char)
    return text


def _license_text(meta: CardInfo) -> str:
    name = meta.license_name or meta.license_code
    return f"{name} ({meta.license_url})" if meta.license_url else name


def _loading_snippet(meta: CardInfo) -> list[str]:
    # Runnable as written: from the Hub when a repository is configured, else from the release's own
    # folder (this README.md beside data/), which `load_dataset` reads through the `configs` above.
    if meta.hub_repo:
        load = f'dataset = load_dataset("{meta.hub_repo}", revision="{meta.version}")'
    else:
        folder = "le dossier de cette version · this release's folder"
        load = f'dataset = load_dataset("{meta.version}")  # {folder}'
    return ["```python", "# pip install datasets", "from datasets import load_dataset", "", load, "```", ""]


_BIBTEX_SUBTITLE = "French question/answer pairs written and reviewed by volunteers"


def _bibtex(meta: CardInfo) -> list[str]:
    key = "moisson_" + "".join(char if char.isalnum() else "_" for char in meta.version)
    url = f"https://huggingface.co/datasets/{meta.hub_repo}" if meta.hub_repo else meta.site_url
    return [
        "```bibtex",
        f"@misc{{{key},",
        f"  title = {{{{{meta.pretty_name}}}: {_BIBTEX_SUBTITLE}}},",
        "  author = {{Moisson contributors}},",
        f"  year = {{{meta.date.year}}},",
        f"  version = {{{meta.version}}},",
        f"  url = {{{url}}},",
        f"  note = {{Release {meta.version}, {meta.date.isoformat()}}}",
        "}",
        "```",
        "",
    ]
