"""The words of the dataset card, one `CardWords` per language (SPEC.md §6, "Layout").

The card's layout is written once, in `export.card`, and walked once per language; this module holds only
the words. A heading or sentence given in one language and forgotten in the other is a TypeError at import,
not a section that silently drifts (tests/export/test_card.py compares the bullets, tables and `{names}` of
both). `{names}` in a sentence are filled by `str.format` with the release's figures, see
`export.card._figures`.

The French follows the catalogue's typography: the apostrophe ’, and a non-breaking space (written
`\\u00a0`, so that it shows) before : ; ! ? (tests/i18n/test_typography.py).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CardWords:
    code: str  # "fr" or "en": picks the meaning in FIELDS and PREFERENCE_FIELDS
    language: str  # the section's heading, whose anchor the card's first line links to
    description_heading: str
    description: str
    collection_heading: str
    collection: tuple[str, ...]  # one bullet each
    no_row_held_back: str
    rows_held_back: str
    fields_heading: str
    column_headings: tuple[str, str, str]  # column, type, meaning
    preferences_heading: str
    preferences: str
    no_preferences_yet: str
    statistics_heading: str
    split: str
    task_type: str
    domain: str
    level: str
    label: str
    pairs: str
    preference_split: str
    preference_source: str
    preference_pairs: str
    preference_sources: dict[str, str]  # the `source` codes of the preferences configuration
    coverage_headings: tuple[str, str, str]  # published pairs, target, reached
    licence_heading: str
    licence: str
    attribution_heading: str
    attribution: str
    citation_heading: str
    changelog_heading: str
    first_release: str
    since_previous: str
    removal_reason: str


FRENCH = CardWords(
    code="fr",
    language="Français",
    description_heading="Description",
    description=(
        "{name} est un jeu de données d’instructions en français\u00a0: des paires question/réponse écrites "
        "par des bénévoles francophones, sans texte généré par une machine, puis relues par d’autres "
        "bénévoles. Cette version ({version}, publiée le {date}) contient {total} paires. Site du "
        "projet\u00a0: {site_url}"
    ),
    collection_heading="Collecte et relecture",
    collection=(
        "Chaque paire est écrite par un contributeur inscrit, qui déclare qu’il s’agit de son propre texte, "
        "non généré par une machine, et accepte la licence.",
        "À l’écriture, des vérifications automatiques bloquent les données personnelles (adresses "
        "électroniques, téléphones, NIR, IBAN, numéros de carte), les doublons exacts et les textes qui ne "
        "sont pas en français\u00a0; les quasi-doublons sont signalés aux relecteurs.",
        "La relecture est en aveugle\u00a0: le relecteur ne voit ni le nom de l’auteur ni les autres votes. "
        "Personne ne relit ses propres paires.",
        "Une paire est validée dès qu’elle a au moins {min_approvals} approbations et que les approbations "
        "dépassent les rejets d’au moins {margin}. Après {dispute_after} relectures sans décision, ou sur "
        "signalement, elle part en modération.",
        "Les modérateurs tranchent les cas disputés et signalés et traitent les demandes de retrait\u00a0; "
        "chacune de leurs actions est journalisée. Seules les paires validées sont publiées.",
        "Une paire validée n’est jamais modifiée en place\u00a0: une correction est une nouvelle révision "
        "qui repasse en relecture, et la version publiée reste la dernière révision validée (colonne "
        "`revision`, avec les votes portant sur cette révision) jusqu’à ce que la correction soit validée.",
        "Au moment de construire chaque version, chaque ligne publiée (des deux configurations) repasse les "
        "vérifications automatiques de données personnelles\u00a0; une ligne qui échoue est retenue et "
        "listée dans `release.json` (`held_back`, motif `personal_data`). Ces vérifications automatiques "
        "réduisent le risque sans pouvoir garantir l’absence de toute donnée personnelle\u00a0: "
        "signalez-nous ce qui leur aurait échappé ({site_url}).",
    ),
    no_row_held_back="Dans cette version, aucune ligne n’a été retenue.",
    rows_held_back=(
        "Dans cette version\u00a0: {held_back} paire(s) et {preferences_held_back} paire(s) de préférences "
        "retenues."
    ),
    fields_heading="Champs",
    column_headings=("Colonne", "Type", "Signification"),
    preferences_heading="Paires de préférences (configuration `preferences`)",
    preferences=(
        "Tirées de l’historique de relecture, pour l’apprentissage par préférences (DPO)\u00a0: au format "
        "conversationnel de préférences lu par `DPOTrainer` de TRL. Le côté préféré est toujours une "
        "révision validée\u00a0; le côté écarté est la révision qu’elle a remplacée. Même partition que la "
        "configuration principale (selon `pair_id`)."
    ),
    no_preferences_yet="Cette version n’en contient pas encore\u00a0: la configuration n’est pas déclarée.",
    statistics_heading="Statistiques",
    split="Partition",
    task_type="Type de tâche",
    domain="Domaine",
    level="Niveau",
    label="Libellé",
    pairs="Paires",
    preference_split="Partition (préférences)",
    preference_source="Source",
    preference_pairs="Paires de préférences",
    preference_sources={"suggested_edit": "suggestion acceptée", "correction": "correction"},
    coverage_headings=("Paires publiées", "Objectif", "Atteint"),
    licence_heading="Licence",
    licence=(
        "Chaque paire est publiée sous la licence acceptée par son auteur, indiquée dans la colonne "
        "`license`\u00a0; par défaut {licence}."
    ),
    attribution_heading="Attribution",
    attribution=(
        "Les auteurs qui l’ont choisi sont cités par leur pseudonyme dans `CONTRIBUTORS.md` et dans la "
        "colonne `author`. Les adresses électroniques ne quittent jamais la base de données."
    ),
    citation_heading="Citation",
    changelog_heading="Journal des modifications",
    first_release="Première version\u00a0: {total} paires.",
    since_previous="Depuis {previous_version}\u00a0: {added} paires ajoutées, {removed} retirées.",
    removal_reason="Motif de retrait",
)

ENGLISH = CardWords(
    code="en",
    language="English",
    description_heading="Description",
    description=(
        "{name} is a French instruction dataset: question/answer pairs written by French-speaking "
        "volunteers, with no machine-generated text, then reviewed by other volunteers. This release "
        "({version}, published on {date}) holds {total} pairs. Project site: {site_url}"
    ),
    collection_heading="Collection and review",
    collection=(
        "Each pair is written by a registered contributor, who declares it is their own text, not generated "
        "by a machine, and accepts the licence.",
        "When a pair is written, automatic checks block personal data (e-mail addresses, phone numbers, "
        "French social security numbers, IBANs, card numbers), exact duplicates and text that is not "
        "French; near duplicates are flagged to reviewers.",
        "Review is blind: reviewers see neither the author's name nor the other votes. Nobody reviews their "
        "own pairs.",
        "A pair is validated once it has at least {min_approvals} approvals and approvals exceed rejections "
        "by at least {margin}. After {dispute_after} reviews without a decision, or when reported, it goes "
        "to moderation.",
        "Moderators decide disputed and reported pairs and handle takedown requests; every action they take "
        "is logged. Only validated pairs are published.",
        "A validated pair is never edited in place: a correction is a new revision that goes back to "
        "review, and the release keeps the last validated revision (column `revision`, with the votes on "
        "that revision) until the correction is validated.",
        "When each release is built, every published row (of both configurations) goes through the "
        "automatic personal-data checks again; a row that fails is held back and listed in `release.json` "
        "(`held_back`, reason `personal_data`). These automatic checks lower the risk but cannot guarantee "
        "that no personal data is left: please tell us what they missed ({site_url}).",
    ),
    no_row_held_back="In this release, no row was held back.",
    rows_held_back=(
        "In this release: {held_back} pair(s) and {preferences_held_back} preference pair(s) held back."
    ),
    fields_heading="Fields",
    column_headings=("Column", "Type", "Meaning"),
    preferences_heading="Preference pairs (`preferences` configuration)",
    preferences=(
        "Drawn from the review history, for preference tuning (DPO): in the conversational preference "
        "format that TRL's `DPOTrainer` reads. The chosen side is always a validated revision; the rejected "
        "side is the revision it replaced. Same split as the main configuration (by `pair_id`)."
    ),
    no_preferences_yet="This release holds none yet: the configuration is not declared.",
    statistics_heading="Statistics",
    split="Split",
    task_type="Task type",
    domain="Domain",
    level="Level",
    label="Label",
    pairs="Pairs",
    preference_split="Split (preferences)",
    preference_source="Source",
    preference_pairs="Preference pairs",
    preference_sources={"suggested_edit": "accepted suggestion", "correction": "correction"},
    coverage_headings=("Published pairs", "Target", "Reached"),
    licence_heading="Licence",
    licence=(
        "Each pair is published under the licence its author granted, given in the `license` column; by "
        "default {licence}."
    ),
    attribution_heading="Attribution",
    attribution=(
        "Authors who opted in are credited by pseudonym in `CONTRIBUTORS.md` and in the `author` column. "
        "E-mail addresses never leave the database."
    ),
    citation_heading="Citation",
    changelog_heading="Changelog",
    first_release="First release: {total} pairs.",
    since_previous="Since {previous_version}: {added} pairs added, {removed} removed.",
    removal_reason="Removal reason",
)

# The card's sections, in this order.
LANGUAGES = (FRENCH, ENGLISH)


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
        "texte auquel la question se réfère\u00a0; chaîne vide s’il n’y en a pas",
        "text the question refers to; empty string when there is none",
    ),
    ("answer", "string", "la réponse écrite par l’auteur", "the answer written by the author"),
    (
        "messages",
        "list<struct<role: string, content: string>>",
        "forme conversationnelle\u00a0: un tour `user` (contexte puis question) et un tour `assistant` "
        "(réponse)",
        "chat form: a `user` turn (context then question) and an `assistant` turn (answer)",
    ),
    ("task_type", "string", "type de tâche (voir les statistiques)", "task type (see the statistics)"),
    ("domain", "string", "domaine (voir les statistiques)", "domain (see the statistics)"),
    ("level", "string, nullable", "niveau scolaire, s’il y en a un", "school level, when there is one"),
    (
        "license",
        "string",
        "licence acceptée par l’auteur pour cette paire",
        "licence the author granted for this pair",
    ),
    (
        "author",
        "string, nullable",
        "pseudonyme public de l’auteur, seulement s’il a choisi d’être cité",
        "public pseudonym of the author, only if they opted in to attribution",
    ),
    ("created_at", "timestamp[us, UTC]", "date d’écriture de la paire", "when the pair was written"),
    (
        "validated_at",
        "timestamp[us, UTC]",
        "date de validation de la révision publiée",
        "when the published revision was validated",
    ),
    ("revision", "int32", "numéro de la révision publiée", "number of the published revision"),
    ("review_count", "int32", "nombre de relectures de cette révision", "number of reviews of this revision"),
    ("approvals", "int32", "nombre d’approbations parmi ces relectures", "number of approvals among them"),
    (
        "correctness_mean",
        "float32, nullable",
        "note moyenne d’exactitude (1 à 5) donnée par les relecteurs",
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
        "réponse finale courte (nombre, mot, lettre), normalisée\u00a0: minuscules, virgule décimale, sans "
        "séparateur de milliers\u00a0; null s’il n’y en a pas",
        "short final answer (number, word, letter), normalised: lower case, decimal comma, no thousands "
        "separator; null when there is none",
    ),
    (
        "final_answer_checked",
        "bool",
        "vrai si le site a calculé lui-même la valeur attendue (calcul, lettres d’un mot) et qu’elle "
        "correspond à `final_answer`",
        "true when the site computed the expected value itself (arithmetic, letters of a word) and it "
        "matches `final_answer`",
    ),
    (
        "source",
        "string, nullable",
        "pour une paire importée d’un jeu de données ouvert\u00a0: le nom de cette source\u00a0; null sinon",
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
        "identifiant de la ligne\u00a0: celui de la paire, puis les numéros des révisions préférée et "
        "écartée",
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
        "le tour `user`\u00a0: contexte puis question de la révision validée",
        "the `user` turn: context then question of the validated revision",
    ),
    (
        "chosen",
        "list<struct<role: string, content: string>>",
        "le tour `assistant` préféré\u00a0: la réponse validée par les relecteurs",
        "the preferred `assistant` turn: the answer validated by reviewers",
    ),
    (
        "rejected",
        "list<struct<role: string, content: string>>",
        "le tour `assistant` écarté\u00a0: la réponse de la révision précédente",
        "the rejected `assistant` turn: the answer of the earlier revision",
    ),
    (
        "source",
        "string",
        "`suggested_edit`\u00a0: la correction proposée par un relecteur, acceptée par l’auteur puis "
        "validée, face à la révision qu’elle remplace\u00a0; `correction`\u00a0: une révision rejetée ou "
        "renvoyée en relecture par un modérateur, puis corrigée et validée, face à cette révision",
        "`suggested_edit`: a reviewer's edit accepted by the author and then validated, against the "
        "revision it replaced; `correction`: a revision rejected, or sent back to review by a moderator, "
        "then corrected and validated, against that revision",
    ),
    (
        "license",
        "string",
        "licence acceptée par l’auteur pour cette paire",
        "licence the author granted for this pair",
    ),
    (
        "validated_at",
        "timestamp[us, UTC]",
        "date de validation de la révision préférée",
        "when the chosen revision was validated",
    ),
]
