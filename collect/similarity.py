"""Exact and near duplicates of a pair (SPEC.md §3), as plain functions of text.

An exact duplicate has the same `content_hash` (same normalised text) and is blocked. A near duplicate has
a MinHash `signature` whose estimated Jaccard `similarity` to another passes a threshold and is only a
warning; `band_keys` (locality-sensitive hashing) lets the database find the few candidates worth comparing
without reading every pair. The queries themselves live in `collect/services.py`.
"""

import functools
import hashlib
import unicodedata
from collections.abc import Iterator

import numpy as np
from django.conf import settings

from moisson.text import CharacterMap, fold_confusables, normalize_text

# Normalisation turns every whitespace character, this one included, into a space: it cannot occur in a
# normalised field, so "ab" + "c" and "a" + "bc" never hash the same.
FIELD_SEPARATOR = "\x1f"
SHINGLE_WORDS = 3
# Below this many words, changing one word changes most word shingles: short texts compare better on
# characters.
MIN_WORDS_FOR_WORD_SHINGLES = 6
SHINGLE_CHARACTERS = 4
# Any fixed seed will do, as long as it never changes: stored signatures are only comparable with new ones
# computed with the same permutations.
MINHASH_SEED = 1
# Valid pairs are at most 18,000 characters long; longer text (a draft, an abuse) is compared on its
# beginning, so that hashing its shingles costs no more than for the longest valid pair.
MAX_SIGNATURE_CHARS = 20_000
# MinHash values are below 2**32; stored as little-endian uint32, a 128-permutation signature is 512 bytes.
_SIGNATURE_DTYPE = np.dtype("<u4")
# A SHA-1 digest is 20 bytes: five little-endian uint32 words.
_SHA1_WORDS = 5
# The MurmurHash3 32-bit finalizer (shifts and multipliers), which spreads each shingle's hash before the
# permutations.
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)


def normalise(text: str) -> str:
    """The text as a reader compares it: case, spacing and punctuation do not matter; accents do.

    Accents are kept because in French they change the word ("côte", "cote", "coté"), and an exact
    duplicate blocks a submission: it should only block what really is the same text. A copy that only
    differs by accents is still caught by `signature`, which ignores them, as a near duplicate (a warning).
    Symbols (+, =, €, <) are kept: in an answer about maths or code, "a + b" and "a < b" differ.
    Invisible characters are dropped and lookalike letters of other scripts folded to the Latin ones they
    imitate (a copy with a zero-width space in every word, or Cyrillic "а", "е", "о", is the same text);
    French letters are left as they are, so the key of a French text did not change when folding came.
    """
    text = unicodedata.normalize("NFKC", fold_confusables(normalize_text(text))).casefold()
    return " ".join(text.translate(_PUNCTUATION_TO_SPACE).split())


# Every punctuation character (Unicode category P*) becomes a space; the others stay.
_PUNCTUATION_TO_SPACE = CharacterMap(
    lambda character: 32 if unicodedata.category(character).startswith("P") else ord(character)
)
# Combining marks (category Mn: the accents of a decomposed text) are dropped; the others stay.
_NO_COMBINING_MARKS = CharacterMap(
    lambda character: None if unicodedata.category(character) == "Mn" else ord(character)
)


def content_hash(*, question: str, context: str, answer: str) -> str:
    return _hash_of([_normalised_field(field) for field in (question, context, answer)])


def _normalised_field(field: str) -> str:
    # Beyond MAX_SIGNATURE_CHARS a text is refused for its length anyway: no need to normalise it all.
    return normalise(field[:MAX_SIGNATURE_CHARS])


def _hash_of(normalised: list[str]) -> str:
    return hashlib.sha256(FIELD_SEPARATOR.join(normalised).encode()).hexdigest()


def fingerprints(pairs: list[tuple[str, str, str]]) -> list[tuple[str, bytes]]:
    """(`content_hash`, `signature`) of each pair's (question, context, answer), the signature being that of
    `similarity_text`: the same values, each field normalised once for both.

    `normalise` changes a text character by character, but for whitespace, which it collapses to single
    spaces; and a line break, which never combines with its neighbours (Unicode normalisation leaves the
    text on each side of it as it would alone), turns into a space. So the fields joined by line breaks are
    normalised into their normalised texts joined by a space, the empty ones left out
    (`tests/collect/test_similarity.py` checks it on hostile text). Only text longer than
    MAX_SIGNATURE_CHARS, whose signature is of its beginning, is normalised again."""
    hashes, compared = [], []
    for fields in pairs:
        normalised = [_normalised_field(field) for field in fields]
        hashes.append(_hash_of(normalised))
        text = similarity_text(*fields)
        if len(text) <= MAX_SIGNATURE_CHARS:
            joined = " ".join(part for part in normalised if part)
        else:
            joined = normalise(text[:MAX_SIGNATURE_CHARS])
        compared.append(_without_accents(joined))
    return list(zip(hashes, _signatures_of(compared), strict=True))


def similarity_text(question: str, context: str, answer: str) -> str:
    """The text of a pair whose `signature` finds its near duplicates: its fields, one after the other."""
    return "\n".join(part for part in (question, context, answer) if part)


def signature(text: str) -> bytes:
    """MinHash of the text's shingles, ignoring accents: a copy typed on a keyboard without them (a phone, a
    QWERTY layout) reads the same and should be seen as a near duplicate."""
    return signatures([text])[0]


def signatures(texts: list[str]) -> list[bytes]:
    """`signature` of each text, hashed together: numpy's fixed cost is paid once for all of them.

    The values are those of datasketch 2's `MinHash(num_perm, seed=MINHASH_SEED)` (its default "affine32"
    scheme: SHA-1 of each shingle cut to 32 bits, MurmurHash3's finalizer, then `a * h + b` modulo 2**32
    for each permutation, the minimum over the shingles), written out here so that stored signatures never
    depend on which version of a library is installed, and without its import (scipy, about 1 s).
    """
    return _signatures_of([_without_accents(normalise(text[:MAX_SIGNATURE_CHARS])) for text in texts])


def _signatures_of(compared: list[str]) -> list[bytes]:
    """`signatures` of texts normalised and without their accents already."""
    if not compared:
        return []
    digests: list[bytes] = []
    ends = []
    for text in compared:
        digests += map(_sha1, _shingles(text))
        ends.append(len(digests))
    a, b = _permutations(settings.MOISSON_MINHASH_PERMUTATIONS)
    # Each shingle's hash is the first 4 bytes of its SHA-1, little-endian: read from all the digests at
    # once rather than one int.from_bytes per shingle (a fifth of the time of the signatures).
    first_words = np.frombuffer(b"".join(digests), dtype=_SIGNATURE_DTYPE)[::_SHA1_WORDS]
    values = _fmix32(first_words.astype(np.uint32))
    sigs = []
    for first, last in _groups(ends):
        start = ends[first - 1] if first else 0
        # One row per shingle, one column per permutation; uint32 products wrap around, which is the modulo.
        permuted = values[start : ends[last - 1], np.newaxis] * a
        permuted += b
        starts = [0, *(end - start for end in ends[first : last - 1])]
        # Every text has at least one shingle (an empty text has the empty one), so no slice is empty.
        minima = np.minimum.reduceat(permuted, starts, axis=0)
        sigs += [row.astype(_SIGNATURE_DTYPE).tobytes() for row in minima]
    return sigs


# Shingles whose permuted values are computed together: their matrix (128 values of 4 bytes each) then
# stays in the processor's cache, where an import batch's 87,000 shingles made one of 44 MB, written and
# read again from memory (0.11 s of a batch's 0.25 s of signatures, against 0.01 s in groups).
_GROUP_SHINGLES = 2048


def _groups(ends: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last + 1) indexes of consecutive texts (their shingles ending at `ends`) with at most
    `_GROUP_SHINGLES` shingles in all, or a single text that has more."""
    first, start = 0, 0
    for index, end in enumerate(ends):
        if index > first and end - start > _GROUP_SHINGLES:
            yield first, index
            first, start = index, ends[index - 1]
    yield first, len(ends)


def _sha1(shingle: str) -> bytes:
    # A hash for spreading shingles, as datasketch uses it, not for security.
    return hashlib.sha1(shingle.encode(), usedforsecurity=False).digest()


def _fmix32(values: np.ndarray) -> np.ndarray:
    shift1, multiplier1, shift2, multiplier2, shift3 = _FMIX32
    values = values ^ (values >> np.uint32(shift1))
    values = values * np.uint32(multiplier1)
    values = values ^ (values >> np.uint32(shift2))
    values = values * np.uint32(multiplier2)
    return values ^ (values >> np.uint32(shift3))


@functools.cache
def _permutations(count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` affine permutations (odd `a`, any `b`), drawn as datasketch 2 draws them from MINHASH_SEED."""
    generator = np.random.RandomState(MINHASH_SEED)
    a = generator.randint(0, 1 << 31, count, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, count, dtype=np.uint32)
    return a, b


def band_keys(sig: bytes) -> list[int]:
    """One key per band of the signature; two texts sharing any key are candidate near duplicates.

    With 32 bands of 4 values, texts 70 % similar share a key with probability 99.98 %, texts 30 % similar
    only 23 %: the threshold comparison on the candidates does the rest.
    """
    bands = settings.MOISSON_MINHASH_BANDS
    values = len(sig) // _SIGNATURE_DTYPE.itemsize
    if values % bands:
        raise ValueError(f"a signature of {values} values cannot be cut into {bands} equal bands")
    # A band's bytes are its values as stored, little-endian uint32; the band's index is hashed in (two
    # bytes, big-endian), so equal values in different bands do not make a match.
    size = len(sig) // bands
    digests = b"".join(
        hashlib.blake2b(prefix + sig[start : start + size], digest_size=8).digest()
        for prefix, start in zip(_band_prefixes(bands), range(0, len(sig), size), strict=True)
    )
    # Each digest read as a signed big-endian integer, to fit a BigIntegerField.
    return np.frombuffer(digests, dtype=">i8").tolist()


@functools.cache
def _band_prefixes(bands: int) -> list[bytes]:
    return [index.to_bytes(2, "big") for index in range(bands)]


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the shingles of two texts, from 0 (nothing shared) to 1."""
    return similarities(a, [b])[0]


def similarities(sig: bytes, others: list[bytes]) -> list[float]:
    """`similarity` of `sig` with each of `others`, compared all at once."""
    if any(len(other) != len(sig) for other in others):
        raise ValueError("signatures computed with different numbers of permutations cannot be compared")
    if not others:
        return []
    first = np.frombuffer(sig, dtype=_SIGNATURE_DTYPE)
    matrix = np.frombuffer(b"".join(others), dtype=_SIGNATURE_DTYPE).reshape(len(others), len(first))
    return (np.count_nonzero(matrix == first, axis=1) / len(first)).tolist()


def _without_accents(text: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).translate(_NO_COMBINING_MARKS))


def _shingles(normalised: str) -> set[str]:
    words = normalised.split()
    if len(words) >= MIN_WORDS_FOR_WORD_SHINGLES:
        return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}
    return {
        normalised[i : i + SHINGLE_CHARACTERS]
        for i in range(max(len(normalised) - SHINGLE_CHARACTERS + 1, 1))
    }
