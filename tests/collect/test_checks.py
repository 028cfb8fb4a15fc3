import pytest
from pytest_django import Settings

from collect import checks
from collect.checks import (
    Finding,
    LanguageVerdict,
    check_language,
    check_lengths,
    check_pair_text,
    check_pairs_text,
    find_personal_data,
    language_verdict,
)

GOOD_QUESTION = "Pourquoi la mer est-elle salée ?"
GOOD_ANSWER = (
    "La mer est salée parce que les rivières y apportent depuis des millions d'années des sels minéraux "
    "arrachés aux roches. L'eau de mer s'évapore, mais le sel reste et s'accumule."
)


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


def found(text: str) -> list[tuple[str, str]]:
    """(code, excerpt) of the personal data found in `text`."""
    return [
        (finding.code, text[finding.start : finding.end])
        for finding in find_personal_data(text, field="answer")
    ]


# Whole pair ----------------------------------------------------------------------------------------------


def test_good_french_pair_has_no_findings() -> None:
    assert check_pair_text(question=GOOD_QUESTION, context="", answer=GOOD_ANSWER) == []


def test_personal_data_is_reported_in_the_field_where_it_was_found() -> None:
    context = "Question posée par Marie (marie.durand@example.org) pendant un cours de sciences."

    findings = check_pair_text(question=GOOD_QUESTION, context=context, answer=GOOD_ANSWER)

    assert [(f.code, f.field, f.level) for f in findings] == [("email", "context", "error")]


# Lengths -------------------------------------------------------------------------------------------------


def test_question_of_minimum_length_passes() -> None:
    assert check_lengths(question="q" * 10, context="", answer=GOOD_ANSWER) == []


def test_question_one_character_under_minimum_is_too_short() -> None:
    findings = check_lengths(question="q" * 9, context="", answer=GOOD_ANSWER)

    assert [(f.code, f.field, f.level) for f in findings] == [("too_short", "question", "error")]


def test_surrounding_whitespace_does_not_count_in_the_length() -> None:
    findings = check_lengths(question="   " + "q" * 9 + "\n\n", context="", answer=GOOD_ANSWER)

    assert codes(findings) == ["too_short"]


def test_empty_question_is_required() -> None:
    findings = check_lengths(question="  \n ", context="", answer=GOOD_ANSWER)

    assert [(f.code, f.field) for f in findings] == [("required", "question")]


def test_empty_answer_is_required() -> None:
    findings = check_lengths(question=GOOD_QUESTION, context="", answer="")

    assert [(f.code, f.field) for f in findings] == [("required", "answer")]


def test_answer_of_minimum_length_passes() -> None:
    assert check_lengths(question=GOOD_QUESTION, context="", answer="a" * 20) == []


def test_answer_one_character_under_minimum_is_too_short() -> None:
    findings = check_lengths(question=GOOD_QUESTION, context="", answer="a" * 19)

    assert [(f.code, f.field) for f in findings] == [("too_short", "answer")]


def test_answer_of_maximum_length_passes() -> None:
    assert check_lengths(question=GOOD_QUESTION, context="", answer="a" * 8000) == []


def test_answer_one_character_over_maximum_is_too_long() -> None:
    findings = check_lengths(question=GOOD_QUESTION, context="", answer="a" * 8001)

    assert [(f.code, f.field, f.level) for f in findings] == [("too_long", "answer", "error")]


def test_question_one_character_over_maximum_is_too_long() -> None:
    findings = check_lengths(question="q" * 2001, context="", answer=GOOD_ANSWER)

    assert [(f.code, f.field) for f in findings] == [("too_long", "question")]


def test_context_may_be_empty() -> None:
    assert check_lengths(question=GOOD_QUESTION, context="", answer=GOOD_ANSWER) == []


def test_context_one_character_over_maximum_is_too_long() -> None:
    findings = check_lengths(question=GOOD_QUESTION, context="c" * 8001, answer=GOOD_ANSWER)

    assert [(f.code, f.field) for f in findings] == [("too_long", "context")]


def test_length_limits_come_from_settings(settings: Settings) -> None:
    settings.MOISSON_ANSWER_MIN_LENGTH = 200

    findings = check_lengths(question=GOOD_QUESTION, context="", answer=GOOD_ANSWER)

    assert [(f.code, f.field) for f in findings] == [("too_short", "answer")]


# Personal data -------------------------------------------------------------------------------------------


def test_email_address_is_flagged_with_its_span() -> None:
    text = "Écrivez-moi à jean.dupont@example.fr si besoin."

    assert found(text) == [("email", "jean.dupont@example.fr")]


def test_personal_data_blocks_the_submission() -> None:
    findings = find_personal_data("Appelez-moi au 06 12 34 56 78.", field="answer")

    assert [f.level for f in findings] == ["error"]


def test_message_shows_only_part_of_the_personal_data() -> None:
    findings = find_personal_data("Appelez-moi au 06 12 34 56 78.", field="answer")

    assert "06 12 34 56 78" not in findings[0].message


def test_mobile_number_starting_with_06_is_flagged() -> None:
    assert found("Mon portable : 06 12 34 56 78, appelle après 18 h.") == [("phone", "06 12 34 56 78")]


def test_mobile_number_starting_with_plus_33_is_flagged() -> None:
    assert found("Joignable au +33 6 12 34 56 78 en semaine.") == [("phone", "+33 6 12 34 56 78")]


def test_mobile_number_with_dots_is_flagged() -> None:
    assert found("Tél. 06.12.34.56.78") == [("phone", "06.12.34.56.78")]


def test_british_phone_number_is_flagged() -> None:
    assert found("À Londres, appelez le +44 20 7946 0958.") == [("phone", "+44 20 7946 0958")]


def test_american_phone_number_is_flagged() -> None:
    assert found("Son numéro à New York : +1 (212) 555-0123.") == [("phone", "+1 (212) 555-0123")]


@pytest.mark.parametrize(
    "text",
    [
        "La prise de la Bastille a eu lieu en 1789.",
        "Pi vaut environ 3,14 et e environ 2,718.",
        "Le menu coûte 12,50 € et le vin 1 200 € la caisse.",
        "La guerre a duré de 1914 à 1918, puis de 1939 à 1945.",
        "Rendez-vous le 01/02/2024 à 14 h 30.",
        "La France compte environ 68 000 000 d'habitants.",
        "Le code postal du Louvre est 75001.",
        "Composez le 15 pour le SAMU et le 112 en Europe.",
    ],
)
def test_years_prices_and_ordinary_numbers_are_not_flagged(text: str) -> None:
    assert found(text) == []


def test_toll_free_helpline_is_not_flagged() -> None:
    assert found("Vous pouvez appeler gratuitement le 0 800 05 95 95, jour et nuit.") == []


def test_valid_nir_is_flagged_with_its_span() -> None:
    assert found("Mon numéro de sécu : 1 85 05 78 006 084 91.") == [("nir", "1 85 05 78 006 084 91")]


def test_nir_written_without_spaces_is_flagged() -> None:
    assert found("NIR 295109912611193") == [("nir", "295109912611193")]


def test_nir_with_wrong_key_is_only_a_warning() -> None:
    findings = find_personal_data("Mon numéro de sécu : 1 85 05 78 006 084 36.", field="answer")

    assert [(finding.code, finding.level) for finding in findings] == [("nir", "warning")]


def test_corsican_nir_from_corse_du_sud_is_flagged() -> None:
    assert found("Né à Ajaccio : 1 85 05 2A 006 084 35") == [("nir", "1 85 05 2A 006 084 35")]


def test_corsican_nir_from_haute_corse_is_flagged() -> None:
    assert found("Né à Bastia : 2 53 07 2B 073 004 70") == [("nir", "2 53 07 2B 073 004 70")]


def test_french_iban_is_flagged_with_its_span() -> None:
    text = "Virement sur FR76 3000 6000 0112 3456 7890 189 avant lundi."

    assert found(text) == [("iban", "FR76 3000 6000 0112 3456 7890 189")]


def test_iban_written_without_spaces_is_flagged() -> None:
    assert found("IBAN : FR7630006000011234567890189") == [("iban", "FR7630006000011234567890189")]


def test_iban_with_wrong_key_is_not_flagged() -> None:
    assert found("Virement sur FR76 3000 6000 0112 3456 7890 188 avant lundi.") == []


def test_foreign_iban_is_flagged() -> None:
    assert found("Mon compte anglais : GB82 WEST 1234 5698 7654 32") == [
        ("iban", "GB82 WEST 1234 5698 7654 32")
    ]


def test_luhn_valid_card_number_is_flagged() -> None:
    assert found("Ma carte : 4970 1012 3456 7893") == [("card", "4970 1012 3456 7893")]


def test_luhn_invalid_card_number_is_not_flagged() -> None:
    assert found("Ma carte : 4970 1012 3456 7894") == []


def test_card_number_with_dashes_is_flagged() -> None:
    assert found("Carte 5555-5555-5555-4444") == [("card", "5555-5555-5555-4444")]


def test_card_number_followed_by_its_expiry_date_is_flagged_without_it() -> None:
    assert found("Carte 4970 1012 3456 7893 12 27") == [("card", "4970 1012 3456 7893")]


def test_american_express_number_is_flagged() -> None:
    assert found("Amex 3782 822463 10005") == [("card", "3782 822463 10005")]


@pytest.mark.parametrize(
    "text",
    [
        "2 puissance 64 vaut 18446744073709551616.",
        "Les décimales de pi : 3,1415926535897932384626433.",
        "Les premiers nombres premiers : 2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67 71.",
        "Un billion s'écrit 1 000 000 000 000.",
        "L'ISBN de ce livre est 978-2-07-036822-8.",
    ],
)
def test_long_numbers_in_a_maths_or_books_answer_are_not_flagged(text: str) -> None:
    assert found(text) == []


# Language ------------------------------------------------------------------------------------------------

# Short questions (10 to 60 characters), as contributors write them: names, English words, informal turns.
FRENCH_QUESTIONS = [
    "Qui a écrit Les Misérables ?",
    "Quelle est la capitale du Canada ?",
    "Comment faire une pâte brisée ?",
    "Pourquoi le ciel est-il bleu ?",
    "C'est quoi un trou noir ?",
    "Combien de temps cuire un œuf mollet ?",
    "Qu'est-ce que la photosynthèse ?",
    "Comment résilier mon abonnement internet ?",
    "Quand a eu lieu la bataille de Marignan ?",
    "Peux-tu m'expliquer le théorème de Pythagore ?",
    "Quel temps fera-t-il demain à Lyon ?",
    "Comment on dit merci en japonais ?",
    "Que signifie l'expression « poser un lapin » ?",
    "Quels sont les symptômes de la grippe ?",
    "Comment calculer un pourcentage ?",
    "Où se trouve le mont Saint-Michel ?",
    "Qu'est-ce qu'un cookie sur un site web ?",
    "Faut-il un accent sur le a majuscule ?",
    "Résume la Révolution française en trois phrases.",
    "Traduis « good morning » en français.",
    "Donne-moi une recette de ratatouille.",
    "Écris un haïku sur l'automne.",
    "Quelle est la différence entre un virus et une bactérie ?",
    "Comment planter des tomates sur un balcon ?",
    "Qui était Olympe de Gouges ?",
    "Est-ce que les chats voient en couleur ?",
    "Comment fonctionne un moteur électrique ?",
    "Combien y a-t-il de départements en France ?",
    "Quel est le pluriel de « festival » ?",
    "À quoi sert la TVA ?",
    "Le football, c'est né où ?",
    "Je dois déclarer mes impôts en ligne ?",
    "Propose un nom pour mon chat roux.",
    "Comment installer Python sur Windows ?",
    "Que veut dire « API » en informatique ?",
    "Explique-moi la règle du hors-jeu.",
    "Qui es-tu ?",
    "Ça marche comment ?",
    "La Joconde est au Louvre ?",
    "Mon ordinateur rame, que faire ?",
    "Le Brexit, c'était quand ?",
    "Cite trois romans de Zola.",
    "Comment dit-on « I love you » en français ?",
    "Combien font 12 fois 7 ?",
    "Que fait la commande docker compose up ?",
    "Qui chante « Bohemian Rhapsody » avec Freddie Mercury ?",
    "Comment faire un pull request sur GitHub ?",
    "Quelle est la recette de la pizza margherita ?",
    "Un tuto pour débuter en JavaScript et React ?",
    "Quel est le slogan de Nike, « Just do it » ?",
]
OTHER_QUESTIONS = [
    ("en", "What is the capital city of Australia?"),
    ("en", "How do I reset my password on this website?"),
    ("en", "Can you explain how photosynthesis works in plants?"),
    ("en", "Why do cats purr when they are happy?"),
    ("en", "Write a short poem about the autumn leaves falling."),
    ("en", "What were the main causes of the French Revolution?"),
    ("en", "How long should I boil an egg for a soft yolk?"),
    ("en", "Where is the station?"),
    ("es", "¿Cuál es la capital de Argentina y por qué?"),
    ("es", "¿Cómo puedo aprender a tocar la guitarra rápido?"),
    ("es", "Explícame la diferencia entre un virus y una bacteria."),
    ("es", "¿Qué tiempo hará mañana en Madrid?"),
    ("es", "¿Por qué el cielo es azul durante el día?"),
    ("es", "Dame una receta fácil de tortilla de patatas."),
    ("es", "¿Dónde está el baño?"),
    ("it", "Qual è la differenza tra un virus e un batterio?"),
    ("it", "Come si prepara una vera carbonara romana?"),
    ("it", "Perché il mare è salato e i fiumi no?"),
    ("it", "Chi ha scritto la Divina Commedia e quando?"),
    ("it", "Dove si trova la torre pendente di Pisa?"),
    ("it", "Mi puoi consigliare un buon libro da leggere?"),
    ("it", "Come stai oggi?"),
    ("de", "Wie funktioniert ein Elektromotor eigentlich?"),
    ("de", "Warum ist der Himmel am Tag eigentlich blau?"),
    ("de", "Wer hat die Relativitätstheorie entwickelt?"),
    ("de", "Kannst du mir ein Rezept für Apfelstrudel geben?"),
    ("de", "Wie viele Bundesländer hat Deutschland?"),
    ("de", "Was ist der Unterschied zwischen Wetter und Klima?"),
    ("de", "Wie spät ist es?"),
    ("pt", "Qual é a capital do Brasil e quando foi fundada?"),
    ("pt", "Como posso melhorar a minha pronúncia em inglês?"),
    ("pt", "Por que o céu é azul durante o dia?"),
    ("pt", "Quem descobriu o caminho marítimo para a Índia?"),
    ("pt", "Você pode me explicar como funciona a fotossíntese?"),
    ("pt", "Quantos habitantes tem a cidade de Lisboa hoje?"),
    ("pt", "Tudo bem com você?"),
]


def language_level(text: str) -> str | None:
    findings = check_language(question=text, context="", answer="")
    return findings[0].level if findings else None


def test_no_short_french_question_is_blocked_as_another_language() -> None:
    """Measured with lingua 2.1.1 and our ten languages: of the 50 French questions, 0 blocked, 6 warned
    (the ones full of names and English words, e.g. "Comment faire un pull request sur GitHub ?"), 44 silent.
    """
    blocked = [text for text in FRENCH_QUESTIONS if language_level(text) == "error"]

    assert blocked == []


def test_questions_of_40_characters_or_more_in_other_languages_are_flagged() -> None:
    """Measured: 25 of the 25 questions of 40+ characters are flagged (8 blocked, 17 warned).

    Of the 11 shorter ones, 6 are flagged as well; under 20 letters we do not judge at all. A whole pair
    (question and answer) is longer, and blocked rather than warned (see the tests below).
    """
    long_enough = [text for _language, text in OTHER_QUESTIONS if len(text) >= 40]
    flagged = [text for text in long_enough if language_level(text) is not None]

    assert len(flagged) >= 0.9 * len(long_enough)


def test_text_too_short_to_judge_gets_no_language_finding() -> None:
    assert check_language(question="Wie spät ist es?", context="", answer="") == []


def test_pair_in_spanish_is_blocked() -> None:
    findings = check_language(
        question="¿Cuál es la capital de España?",
        context="",
        answer="La capital de España es Madrid, la ciudad más grande y poblada del país.",
    )

    assert [(f.code, f.level) for f in findings] == [("not_french", "error")]


def test_english_answer_to_a_french_question_is_blocked_on_the_answer() -> None:
    findings = check_language(
        question="Quelle est la capitale de l'Australie ?",
        context="",
        answer="The capital of Australia is Canberra, not Sydney as many people think.",
    )

    assert [(f.code, f.field, f.level) for f in findings] == [("not_french", "answer", "error")]


def test_text_in_another_script_is_blocked() -> None:
    findings = check_language(
        question="Какая столица Франции?",
        context="",
        answer="Столица Франции — Париж, самый большой город страны.",
    )

    assert [(f.code, f.level) for f in findings] == [("not_french", "error")]


def test_code_in_a_french_answer_does_not_make_it_foreign() -> None:
    answer = (
        "Utilisez la méthode reverse :\n```python\nmy_list.reverse()\nprint(my_list)\n```\n"
        "ou bien le découpage `my_list[::-1]`, qui renvoie une nouvelle liste."
    )

    assert check_language(question="Comment inverser une liste en Python ?", context="", answer=answer) == []


def test_french_pair_quoting_a_text_to_translate_passes() -> None:
    findings = check_language(
        question="Traduis ce texte en français.",
        context="The quick brown fox jumps over the lazy dog while the farmer watches from the barn.",
        answer="Le rapide renard brun saute par-dessus le chien paresseux pendant que le fermier regarde "
        "depuis la grange.",
        task_type="translation",
    )

    assert findings == []


def test_a_foreign_text_to_translate_in_the_context_is_not_held_against_the_pair():
    findings = check_pair_text(
        question="Traduis ce court texte allemand en français, s'il te plaît.",
        context="Der Zug nach Berlin fährt heute wegen eines Streiks nicht. Wir bitten um Ihr Verständnis.",
        answer="Le train pour Berlin ne circule pas aujourd'hui.",
        task_type="translation",
    )
    assert [f.code for f in findings if f.code in ("not_french", "language_unsure")] == []


def test_a_foreign_context_outside_translations_only_warns():
    findings = check_pair_text(
        question="Résume ce texte en une phrase simple, s'il te plaît.",
        context="The train to Berlin is not running today because of a strike. We apologise for the delay.",
        answer="Le train pour Berlin est supprimé aujourd'hui à cause d'une grève.",
        task_type="summarization",
    )
    assert [(f.code, f.field, f.level) for f in findings] == [("language_unsure", "context", "warning")]


CONTEXTS = {
    "English": "The train to Berlin is not running today because of a strike. We apologise for the delay.",
    "German": "Der Zug nach Berlin fährt heute wegen eines Streiks nicht. Wir bitten um Ihr Verständnis.",
    "French": "Le train pour Berlin ne circule pas aujourd'hui à cause d'une grève. Veuillez nous excuser.",
    "short": "Berlin",
    "none": "",
}


def batch_of_pairs_with_contexts() -> list[dict]:
    return [
        {
            "question": "Résume ce texte en une phrase simple, s'il te plaît.",
            "context": context,
            "answer": "Le train pour Berlin est supprimé aujourd'hui à cause d'une grève.",
            "task_type": task_type,
        }
        for context in CONTEXTS.values()
        for task_type in ("summarization", "translation", "open_qa")
    ]


def test_a_batch_judges_its_contexts_as_each_pair_alone_would():
    pairs = batch_of_pairs_with_contexts()

    alone = [
        check_language(**{name: pair[name] for name in ("question", "context", "answer", "task_type")})
        for pair in pairs
    ]
    together = check_pairs_text(pairs)

    assert [
        [f for f in findings if f.code in ("language_unsure", "not_french")] for findings in together
    ] == alone
    assert sum(1 for findings in alone for f in findings if f.field == "context") == 4


def test_a_batch_judges_its_contexts_with_its_questions_and_answers_in_one_call(monkeypatch):
    """An import batch of pairs with a context (reading comprehension, summaries) had each context judged on
    its own, one lingua call after another, after the parallel call for the questions and answers."""
    calls = []
    judge = checks.language_verdicts

    def counted(texts):
        calls.append(len(texts))
        return judge(texts)

    monkeypatch.setattr(checks, "language_verdicts", counted)

    check_pairs_text(batch_of_pairs_with_contexts())

    # 15 questions and answers, and the 8 contexts outside translations (empty ones are not judged).
    assert calls == [15 + 8]


def test_only_letters_count_towards_the_length_needed_to_judge_the_language() -> None:
    """Letters are what `str.isalpha` says, accented ones included; digits, "²", punctuation and spaces do
    not count."""
    fourteen = "Élève à l'école, ça" + " 1234567890 ²³ !?… « » "
    assert language_verdict(fourteen + "noyau") == LanguageVerdict.TOO_SHORT
    assert language_verdict(fourteen + "noyaux") != LanguageVerdict.TOO_SHORT
