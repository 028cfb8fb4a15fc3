"""The dataset card (README.md) and CONTRIBUTORS.md of a release (SPEC.md §6, "Layout", and §8).

Pure text: numbers in, Markdown out. The same CardInfo always gives the same text, so a rebuilt release
has the same README.md. The card is written in French then in English; the YAML front matter is what
the Hugging Face Hub and `datasets.load_dataset` read.
"""

import datetime
from dataclasses import dataclass, field

import yaml

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

# (column, type, French meaning, English meaning), in the order of export.writer.ROW_SCHEMA.
FIELDS = [
    (
        "id",
        "string",
        "identifiant public et stable de la paire (UUID)",
        "stable public id of the pair (UUID)",
    ),
    ("question", "string", "la consigne ou la question", "the instruction or question"),
    (
        "context",
        "string",
        "texte auquel la question se réfère ; chaîne vide s'il n'y en a pas",
        "text the question refers to; empty string when there is none",
    ),
    ("answer", "string", "la réponse écrite par l'auteur", "the answer written by the author"),
    (
        "messages",
        "list<struct<role: string, content: string>>",
        "forme conversationnelle : un tour `user` (contexte puis question) et un tour `assistant` (réponse)",
        "chat form: a `user` turn (context then question) and an `assistant` turn (answer)",
    ),
    ("task_type", "string", "type de tâche (voir les statistiques)", "task type (see the statistics)"),
    ("domain", "string", "domaine (voir les statistiques)", "domain (see the statistics)"),
    ("level", "string, nullable", "niveau scolaire, s'il y en a un", "school level, when there is one"),
    (
        "license",
        "string",
        "licence acceptée par l'auteur pour cette paire",
        "licence the author granted for this pair",
    ),
    (
        "author",
        "string, nullable",
        "pseudonyme public de l'auteur, seulement s'il a choisi d'être cité",
        "public pseudonym of the author, only if they opted in to attribution",
    ),
    ("created_at", "timestamp[us, UTC]", "date d'écriture de la paire", "when the pair was written"),
    (
        "validated_at",
        "timestamp[us, UTC]",
        "date de validation de la révision publiée",
        "when the published revision was validated",
    ),
    ("revision", "int32", "numéro de la révision publiée", "number of the published revision"),
    ("review_count", "int32", "nombre de relectures de cette révision", "number of reviews of this revision"),
    ("approvals", "int32", "nombre d'approbations parmi ces relectures", "number of approvals among them"),
    (
        "correctness_mean",
        "float32, nullable",
        "note moyenne d'exactitude (1 à 5) donnée par les relecteurs",
        "mean correctness rating (1 to 5) given by reviewers",
    ),
    (
        "fluency_mean",
        "float32, nullable",
        "note moyenne de qualité du français (1 à 5)",
        "mean rating of the quality of the French (1 to 5)",
    ),
    (
        "final_answer",
        "string, nullable",
        "réponse finale courte (nombre, mot, lettre), normalisée : minuscules, virgule décimale, sans "
        "séparateur de milliers ; null s'il n'y en a pas",
        "short final answer (number, word, letter), normalised: lower case, decimal comma, no thousands "
        "separator; null when there is none",
    ),
    (
        "final_answer_checked",
        "bool",
        "vrai si le site a calculé lui-même la valeur attendue (calcul, lettres d'un mot) et qu'elle "
        "correspond à `final_answer`",
        "true when the site computed the expected value itself (arithmetic, letters of a word) and it "
        "matches `final_answer`",
    ),
    (
        "source",
        "string, nullable",
        "pour une paire importée d'un jeu de données ouvert : le nom de cette source ; null sinon",
        "for a pair imported from an open dataset: the name of that source; null otherwise",
    ),
    (
        "source_id",
        "string, nullable",
        "identifiant de la paire dans sa source",
        "identifier of the pair in its source",
    ),
]


# (column, type, French meaning, English meaning) of the `preferences` configuration, in the order of
# export.writer.PREFERENCE_SCHEMA.
PREFERENCE_FIELDS = [
    (
        "id",
        "string",
        "identifiant de la ligne : celui de la paire, puis les numéros des révisions préférée et écartée",
        "id of the row: the pair's id, then the numbers of the chosen and the rejected revisions",
    ),
    (
        "pair_id",
        "string",
        "identifiant de la paire (`id` de la configuration principale)",
        "id of the pair (`id` in the main configuration)",
    ),
    (
        "prompt",
        "list<struct<role: string, content: string>>",
        "le tour `user` : contexte puis question de la révision validée",
        "the `user` turn: context then question of the validated revision",
    ),
    (
        "chosen",
        "list<struct<role: string, content: string>>",
        "le tour `assistant` préféré : la réponse validée par les relecteurs",
        "the preferred `assistant` turn: the answer validated by reviewers",
    ),
    (
        "rejected",
        "list<struct<role: string, content: string>>",
        "le tour `assistant` écarté : la réponse de la révision précédente",
        "the rejected `assistant` turn: the answer of the earlier revision",
    ),
    (
        "source",
        "string",
        "`suggested_edit` : la correction proposée par un relecteur, acceptée par l'auteur puis validée, "
        "face à la révision qu'elle remplace ; `correction` : une révision rejetée ou renvoyée en relecture "
        "par un modérateur, puis corrigée et validée, face à cette révision",
        "`suggested_edit`: a reviewer's edit accepted by the author and then validated, against the "
        "revision it replaced; `correction`: a revision rejected, or sent back to review by a moderator, "
        "then corrected and validated, against that revision",
    ),
    (
        "license",
        "string",
        "licence acceptée par l'auteur pour cette paire",
        "licence the author granted for this pair",
    ),
    (
        "validated_at",
        "timestamp[us, UTC]",
        "date de validation de la révision préférée",
        "when the chosen revision was validated",
    ),
]

PREFERENCE_SOURCE_LABELS = {
    "fr": {"suggested_edit": "suggestion acceptée", "correction": "correction"},
    "en": {"suggested_edit": "accepted suggestion", "correction": "correction"},
}


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
    # Human names for the codes in the statistics (task types, domains, levels, removal reasons).
    labels: dict[str, str] = field(default_factory=dict)
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
    return "\n".join(
        [
            _front_matter(meta),
            f"# {meta.pretty_name} {meta.version}",
            "",
            "[Français](#français) · [English](#english)",
            "",
            *_french(meta),
            *_english(meta),
        ]
    )


def render_contributors(rows: list[tuple[str, int]]) -> str:
    """CONTRIBUTORS.md: the people who opted in to attribution, most pairs first."""
    ordered = sorted(rows, key=lambda row: (-row[1], row[0].casefold(), row[0]))
    lines = [
        "# Contributeurs · Contributors",
        "",
        "Les personnes qui ont choisi d'être citées, par pseudonyme, avec le nombre de leurs paires publiées "
        "dans cette version. Les autres auteurs ne sont pas nommés.",
        "",
        "The people who chose to be credited, by pseudonym, with the number of their pairs published in this "
        "release. Other authors are not named.",
        "",
    ]
    if not ordered:
        lines += ["Personne n'a encore demandé à être cité. · Nobody has asked to be credited yet.", ""]
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


def _french(meta: CardInfo) -> list[str]:
    total = sum(meta.split_counts.values())
    lines = [
        "## Français",
        "",
        "### Description",
        "",
        f"{meta.pretty_name} est un jeu de données d'instructions en français : des paires question/réponse "
        "écrites par des bénévoles francophones, sans texte généré par une machine, puis relues par "
        f"d'autres bénévoles. Cette version ({meta.version}, publiée le {meta.date.isoformat()}) contient "
        f"{total} paires. Site du projet : {meta.site_url}",
        "",
        *_loading_snippet(meta),
        "### Collecte et relecture",
        "",
        "- Chaque paire est écrite par un contributeur inscrit, qui déclare qu'il s'agit de son propre "
        "texte, non généré par une machine, et accepte la licence.",
        "- À l'écriture, des vérifications automatiques bloquent les données personnelles (adresses "
        "électroniques, téléphones, NIR, IBAN, numéros de carte), les doublons exacts et les textes qui ne "
        "sont pas en français ; les quasi-doublons sont signalés aux relecteurs.",
        "- La relecture est en aveugle : le relecteur ne voit ni le nom de l'auteur ni les autres votes. "
        "Personne ne relit ses propres paires.",
        f"- Une paire est validée dès qu'elle a au moins {meta.quorum_min_approvals} approbations et que les "
        f"approbations dépassent les rejets d'au moins {meta.quorum_margin}. Après "
        f"{meta.dispute_after_reviews} relectures sans décision, ou sur signalement, elle part en "
        "modération.",
        "- Les modérateurs tranchent les cas disputés et signalés et traitent les demandes de retrait ; "
        "chacune de leurs actions est journalisée. Seules les paires validées sont publiées.",
        "- Une paire validée n'est jamais modifiée en place : une correction est une nouvelle révision qui "
        "repasse en relecture, et la version publiée reste la dernière révision validée (colonne "
        "`revision`, avec les votes portant sur cette révision) jusqu'à ce que la correction soit validée.",
        "- Au moment de construire chaque version, chaque ligne publiée (des deux configurations) repasse "
        "les vérifications automatiques de données personnelles ; une ligne qui échoue est retenue et "
        "listée dans `release.json` (`held_back`, motif `personal_data`). Ces vérifications automatiques "
        "réduisent le risque sans pouvoir garantir l'absence de toute donnée personnelle : signalez-nous "
        f"ce qui leur aurait échappé ({meta.site_url}).",
        *_held_back_fr(meta),
        "",
        "### Champs",
        "",
        "| Colonne | Type | Signification |",
        "| --- | --- | --- |",
        *[f"| `{name}` | `{kind}` | {french} |" for name, kind, french, _english in FIELDS],
        "",
        "### Paires de préférences (configuration `preferences`)",
        "",
        "Tirées de l'historique de relecture, pour l'apprentissage par préférences (DPO) : au format "
        "conversationnel de préférences lu par `DPOTrainer` de TRL. Le côté préféré est toujours une "
        "révision validée ; le côté écarté est la révision qu'elle a remplacée. Même partition que la "
        "configuration principale (selon `pair_id`).",
        "",
        *_preferences_snippet(meta, "fr"),
        "| Colonne | Type | Signification |",
        "| --- | --- | --- |",
        *[f"| `{name}` | `{kind}` | {french} |" for name, kind, french, _english in PREFERENCE_FIELDS],
        "",
        "### Statistiques",
        "",
        *_table("Partition", "Paires", meta.split_counts, meta, keep_order=True),
        *_table("Type de tâche", "Paires", meta.task_type_counts, meta, label_heading="Libellé"),
        *_table("Domaine", "Paires", meta.domain_counts, meta, label_heading="Libellé"),
        *_table("Niveau", "Paires", meta.level_counts, meta, label_heading="Libellé"),
        *_preference_tables("fr", meta),
        *_coverage_table(meta, ("Domaine", "Libellé", "Paires publiées", "Objectif", "Atteint")),
        "### Licence",
        "",
        f"Chaque paire est publiée sous la licence acceptée par son auteur, indiquée dans la colonne "
        f"`license` ; par défaut {_license_text(meta)}.",
        "",
        "### Attribution",
        "",
        "Les auteurs qui l'ont choisi sont cités par leur pseudonyme dans `CONTRIBUTORS.md` et dans la "
        "colonne `author`. Les adresses électroniques ne quittent jamais la base de données.",
        "",
        "### Citation",
        "",
        *_bibtex(meta),
        "### Journal des modifications",
        "",
    ]
    if meta.previous_version is None:
        lines += [f"Première version : {total} paires.", ""]
    else:
        lines += [
            f"Depuis {meta.previous_version} : {meta.added} paires ajoutées, {meta.removed} retirées.",
            "",
            *_table("Motif de retrait", "Paires", meta.removals_by_reason, meta, label_heading="Libellé"),
        ]
    return lines


def _english(meta: CardInfo) -> list[str]:
    total = sum(meta.split_counts.values())
    lines = [
        "## English",
        "",
        "### Description",
        "",
        f"{meta.pretty_name} is a French instruction dataset: question/answer pairs written by "
        "French-speaking volunteers, with no machine-generated text, then reviewed by other volunteers. "
        "This release "
        f"({meta.version}, published on {meta.date.isoformat()}) holds {total} pairs. Project site: "
        f"{meta.site_url}",
        "",
        *_loading_snippet(meta),
        "### Collection and review",
        "",
        "- Each pair is written by a registered contributor, who declares it is their own text, not "
        "generated by a machine, and accepts the licence.",
        "- When a pair is written, automatic checks block personal data (e-mail addresses, phone numbers, "
        "French social security numbers, IBANs, card numbers), exact duplicates and text that is not French; "
        "near duplicates are flagged to reviewers.",
        "- Review is blind: reviewers see neither the author's name nor the other votes. Nobody reviews "
        "their own pairs.",
        f"- A pair is validated once it has at least {meta.quorum_min_approvals} approvals and approvals "
        f"exceed rejections by at least {meta.quorum_margin}. After {meta.dispute_after_reviews} reviews "
        "without a decision, or when reported, it goes to moderation.",
        "- Moderators decide disputed and reported pairs and handle takedown requests; every action they "
        "take is logged. Only validated pairs are published.",
        "- A validated pair is never edited in place: a correction is a new revision that goes back to "
        "review, and the release keeps the last validated revision (column `revision`, with the votes on "
        "that revision) until the correction is validated.",
        "- When each release is built, every published row (of both configurations) goes through the "
        "automatic personal-data checks again; a row that fails is held back and listed in `release.json` "
        "(`held_back`, reason `personal_data`). These automatic checks lower the risk but cannot guarantee "
        f"that no personal data is left: please tell us what they missed ({meta.site_url}).",
        *_held_back_en(meta),
        "",
        "### Fields",
        "",
        "| Column | Type | Meaning |",
        "| --- | --- | --- |",
        *[f"| `{name}` | `{kind}` | {english} |" for name, kind, _french, english in FIELDS],
        "",
        "### Preference pairs (`preferences` configuration)",
        "",
        "Drawn from the review history, for preference tuning (DPO): in the conversational preference "
        "format that TRL's `DPOTrainer` reads. The chosen side is always a validated revision; the rejected "
        "side is the revision it replaced. Same split as the main configuration (by `pair_id`).",
        "",
        *_preferences_snippet(meta, "en"),
        "| Column | Type | Meaning |",
        "| --- | --- | --- |",
        *[f"| `{name}` | `{kind}` | {english} |" for name, kind, _french, english in PREFERENCE_FIELDS],
        "",
        "### Statistics",
        "",
        *_table("Split", "Pairs", meta.split_counts, meta, keep_order=True),
        *_table("Task type", "Pairs", meta.task_type_counts, meta, label_heading="Label"),
        *_table("Domain", "Pairs", meta.domain_counts, meta, label_heading="Label"),
        *_table("Level", "Pairs", meta.level_counts, meta, label_heading="Label"),
        *_preference_tables("en", meta),
        *_coverage_table(meta, ("Domain", "Label", "Published pairs", "Target", "Reached")),
        "### Licence",
        "",
        f"Each pair is published under the licence its author granted, given in the `license` column; by "
        f"default {_license_text(meta)}.",
        "",
        "### Attribution",
        "",
        "Authors who opted in are credited by pseudonym in `CONTRIBUTORS.md` and in the `author` column. "
        "E-mail addresses never leave the database.",
        "",
        "### Citation",
        "",
        *_bibtex(meta),
        "### Changelog",
        "",
    ]
    if meta.previous_version is None:
        lines += [f"First release: {total} pairs.", ""]
    else:
        lines += [
            f"Since {meta.previous_version}: {meta.added} pairs added, {meta.removed} removed.",
            "",
            *_table("Removal reason", "Pairs", meta.removals_by_reason, meta, label_heading="Label"),
        ]
    return lines


def _held_back_fr(meta: CardInfo) -> list[str]:
    if not (meta.held_back or meta.preferences_held_back):
        return ["  Dans cette version, aucune ligne n'a été retenue."]
    return [
        f"  Dans cette version : {meta.held_back} paire(s) et {meta.preferences_held_back} paire(s) de "
        "préférences retenues."
    ]


def _held_back_en(meta: CardInfo) -> list[str]:
    if not (meta.held_back or meta.preferences_held_back):
        return ["  In this release, no row was held back."]
    return [
        f"  In this release: {meta.held_back} pair(s) and {meta.preferences_held_back} preference pair(s) "
        "held back."
    ]


def _preferences_snippet(meta: CardInfo, language: str) -> list[str]:
    if not any(meta.preference_split_counts.values()):
        none_yet = {
            "fr": "Cette version n'en contient pas encore : la configuration n'est pas déclarée.",
            "en": "This release holds none yet: the configuration is not declared.",
        }
        return [none_yet[language], ""]
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


def _preference_tables(language: str, meta: CardInfo) -> list[str]:
    if not any(meta.preference_split_counts.values()):
        return []
    labels = PREFERENCE_SOURCE_LABELS[language]
    sources = dict(sorted(meta.preference_source_counts.items(), key=lambda item: (-item[1], item[0])))
    if language == "fr":
        split_heading, source_heading, label_heading, count_heading = (
            "Partition (préférences)",
            "Source",
            "Libellé",
            "Paires de préférences",
        )
    else:
        split_heading, source_heading, label_heading, count_heading = (
            "Split (preferences)",
            "Source",
            "Label",
            "Preference pairs",
        )
    lines = [f"| {split_heading} | {count_heading} |", "| --- | ---: |"]
    lines += [f"| `{split}` | {count} |" for split, count in meta.preference_split_counts.items()]
    lines += ["", f"| {source_heading} | {label_heading} | {count_heading} |", "| --- | --- | ---: |"]
    lines += [f"| `{code}` | {labels.get(code, code)} | {count} |" for code, count in sources.items()]
    return [*lines, ""]


def _table(
    heading: str,
    count_heading: str,
    counts: dict[str, int],
    meta: CardInfo,
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
    with_labels = any(code in meta.labels for code, _count in items)
    if with_labels:
        lines = [f"| {heading} | {label_heading} | {count_heading} |", "| --- | --- | ---: |"]
        lines += [
            f"| {_code(code)} | {_cell(meta.labels.get(code, ''))} | {count} |" for code, count in items
        ]
    else:
        lines = [f"| {heading} | {count_heading} |", "| --- | ---: |"]
        lines += [f"| {_code(code)} | {count} |" for code, count in items]
    return [*lines, ""]


def _coverage_table(meta: CardInfo, headings: tuple[str, str, str, str, str]) -> list[str]:
    """Published pairs per domain against the moderators' targets, furthest from the target first."""
    if not meta.coverage_targets:
        return []
    rows = []
    for domain, target in meta.coverage_targets.items():
        published = meta.domain_counts.get(domain, 0)
        reached = min(published / target, 1.0) if target else 1.0
        rows.append((reached, domain, published, target))
    rows.sort()
    lines = [f"| {' | '.join(headings)} |", "| --- | --- | ---: | ---: | ---: |"]
    for reached, domain, published, target in rows:
        label = _cell(meta.labels.get(domain, ""))
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
