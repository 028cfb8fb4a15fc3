"""The French vocabulary of the pairs the benchmarks write (bench/locustfile.py, bench/cpu.py,
bench/import_pairs.py): sentences drawn from it, so every script sends text of the same kind."""

import random

# The items ../shared/bench/peer_labelstudio.py imports (`text(300)`, `text(800)`, no context): with
# `--peer-sizes`, bench/seed.py and bench/import_pairs.py write questions and answers of at least these many
# characters, for the side-by-side figures.
PEER_QUESTION_CHARS, PEER_ANSWER_CHARS = 300, 800

WORDS = (  # noqa: SIM905
    "le la les un une des du de et ou mais donc car pourquoi comment quand qui que est sont a ont fait peut "
    "doit calcul triangle aire théorème équation fonction histoire révolution roi siècle philosophie liberté "
    "langue grammaire accord verbe cellule énergie atome lumière planète climat eau forêt santé sommeil "
    "recette cuisine budget impôt contrat loi ordinateur programme boucle musique roman poème exemple"
).split()


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS, k=words)).capitalize()
