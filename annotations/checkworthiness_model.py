"""A trained check-worthiness model: which sentences deserve a fact-check, learned from examples.

The hand-written features of :mod:`annotations.checkworthiness` see figures, dates and
attributions but miss claims without them ("We have maintained the sanctions"). This model
adds what words and spellings tell: it feeds word 1-2-grams, character 2-5-grams (inside
words) and the explainable features into one logistic regression. Everything stays linear,
so every score splits exactly into the parts that pushed it up, which is how each suggestion
explains itself ("contains a figure; wording often found in checkable claims: “unemployment”").

Pure: numpy and scikit-learn, no Django, no network. The desk side (versions, storage,
admin, desk data) lives in :mod:`search.training`.

* :func:`read_labelled` reads JSON, JSONL or CSV rows with ``text`` and ``label`` (the
  ClaimBuster and CLEF CheckThat! files among them) and refuses bad files with a clear
  :class:`TrainingDataError`.
* :func:`train` fits a :class:`TrainedModel`, alone or on top of an earlier one; the
  decision threshold is chosen on cross-validated predictions of the training rows only.
* :func:`evaluate` gives precision, recall, F1, AP and MAP (per group, e.g. per debate).
* :meth:`TrainedModel.to_bytes` / :meth:`TrainedModel.from_bytes`: one small ``.npz``
  file (numbers only plus a JSON header; loading never runs code, ``allow_pickle=False``).

Why hashing instead of a vocabulary: the file then holds only weights, never the training
sentences (ClaimBuster's text may not be copied into the project), and a sentence is
vectorised with a few numpy operations for a whole batch at once (thousands per second).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from scipy import sparse

from annotations.checkworthiness import FEATURES, present_features

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_MODEL_BYTES",
    "MIN_PER_CLASS",
    "Evaluation",
    "Explanation",
    "LabelledSentence",
    "ModelFileError",
    "TrainedModel",
    "TrainingDataError",
    "TrainingSettings",
    "average_precision",
    "check_training_data",
    "describe",
    "evaluate",
    "read_labelled",
    "split_held_out",
    "train",
]

FORMAT = "factdesk-checkworthiness"
FORMAT_VERSION = 1
#: Refuse to open model files larger than this: the shipped English model is under 1 MB.
MAX_MODEL_BYTES = 20 * 1024 * 1024
#: Fewer sentences than this per class cannot train, let alone be evaluated.
MIN_PER_CLASS = 2

FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)


class TrainingDataError(ValueError):
    """A labelled file or a set of sentences that cannot train a model (the message says why)."""


class ModelFileError(ValueError):
    """A model file that is not a valid Factdesk check-worthiness model."""


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    """One training or evaluation example."""

    text: str
    label: int  # 1 = check-worthy, 0 = not
    weight: float = 1.0  # weak examples (sentences nobody marked) count less
    group: str = ""  # a debate or an article: MAP ranks each group on its own


@dataclass(frozen=True, slots=True)
class TrainingSettings:
    """How a model is trained; stored in the model file so a retrain can repeat it.

    The defaults were chosen on a validation split of ClaimBuster's training file (never on a
    test set); docs/checkworthiness.md has the numbers.
    """

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    hash_bits: int = 20
    regularisation: float = 4.0  # scikit-learn's C: larger trusts the training data more
    balanced: bool = True  # weigh both classes equally, whatever their counts
    feature_scale: float = 1.0  # value of a present explainable feature
    threshold_folds: int = 4

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> TrainingSettings:
        known = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        for name in ("word_ngrams", "char_ngrams"):
            if name in known:
                known[name] = tuple(int(n) for n in known[name])
        return cls(**known)


# --------------------------------------------------------------------------------------
# Vectorising: hashed n-grams, computed for a whole batch with numpy
# --------------------------------------------------------------------------------------

_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"\w+|[$€£¥%]")
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_MIXER = np.uint64(0xBF58476D1CE4E5B9)
_SEPARATOR = 0  # code point between texts in a batch; never part of an n-gram
_SEPARATOR_TOKEN = chr(_SEPARATOR)
_ROW_BREAK = f" {_SEPARATOR_TOKEN} "
_TOKEN_OR_SEPARATOR = re.compile(_TOKEN.pattern + "|" + _SEPARATOR_TOKEN)
_BREAK_HASH = 2**32


def _normalise(text: str) -> str:
    """Lower case, every digit a "0": "4.2%" and "7.9%" share their n-grams.

    NUL becomes a space: it separates the sentences of a batch.
    """
    return _DIGIT.sub("0", text.lower()).replace(_SEPARATOR_TOKEN, " ")


def _bucket(hashes: np.ndarray, bits: int) -> np.ndarray:
    """Spread 64-bit hashes over ``2**bits`` buckets (multiplicative hashing)."""
    return ((hashes * _MIXER) >> np.uint64(64 - bits)).astype(np.int64)


def _word_ngrams(normalised: Sequence[str], low: int, high: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) of every word n-gram occurrence; tokens are words, "%" and currency signs."""
    # One pass over the whole batch; the separator is a token of its own that marks rows.
    tokens = _TOKEN_OR_SEPARATOR.findall(_ROW_BREAK.join(normalised))
    token_hashes = {token: zlib.crc32(token.encode("utf-8", "surrogatepass")) for token in set(tokens)}
    token_hashes[_SEPARATOR_TOKEN] = _BREAK_HASH  # outside crc32's range: no token can look like it
    hashes = np.array([token_hashes[token] for token in tokens], dtype=np.uint64)
    breaks = hashes == _BREAK_HASH
    rows = np.cumsum(breaks)[~breaks].astype(np.int64)
    base = hashes[~breaks]
    row_parts, bucket_parts = [], []
    for n in range(low, high + 1):
        length = len(base) - n + 1
        if length <= 0:
            continue
        combined = np.full(length, np.uint64(n), dtype=np.uint64)
        for offset in range(n):
            combined = combined * _MULTIPLIER + base[offset : offset + length]
        same_row = rows[: length] == rows[n - 1 : n - 1 + length]
        row_parts.append(rows[:length][same_row])
        bucket_parts.append(_bucket(combined[same_row], bits))
    if not row_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(row_parts), np.concatenate(bucket_parts)


def _char_ngrams(
    normalised: Sequence[str], low: int, high: int, bits: int, *, with_positions: bool = False
) -> tuple[np.ndarray, ...]:
    """(row, bucket[, start position]) of every character n-gram inside a space-padded word.

    Each text becomes " word word " and the batch is joined with a separator; an n-gram
    may start or end with the padding space but never spans two words or two texts (what
    scikit-learn calls ``char_wb``). Hashes are built incrementally, n-1 to n, in numpy.
    """
    padded = [" " + " ".join(text.split()) + " " for text in normalised]
    joined = chr(_SEPARATOR).join(padded)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(text) + 1 for text in padded), dtype=np.int64, count=len(padded))
    rows_of_codes = np.repeat(np.arange(len(padded), dtype=np.int64), lengths)[: len(codes)]
    spaces = np.concatenate(([0], np.cumsum(codes == 32)))
    separators = np.concatenate(([0], np.cumsum(codes == _SEPARATOR)))
    row_parts, bucket_parts, position_parts = [], [], []
    hashes = codes * _MULTIPLIER + np.uint64(1)
    for n in range(1, high + 1):
        length = len(codes) - n + 1
        if length <= 0:
            break
        if n > 1:
            hashes = hashes[:length] * _MULTIPLIER + codes[n - 1 : n - 1 + length]
        if n < low:
            continue
        # No separator inside the window, no space strictly inside it (prefix sums, sliced).
        no_separator = separators[n : n + length] == separators[:length]
        valid = no_separator & (spaces[n - 1 : n - 1 + length] == spaces[1 : 1 + length])
        row_parts.append(rows_of_codes[:length][valid])
        bucket_parts.append(_bucket(hashes[valid] + np.uint64(n), bits))
        if with_positions:
            position_parts.append(np.flatnonzero(valid))
    empty = np.zeros(0, dtype=np.int64)
    result = [
        np.concatenate(row_parts) if row_parts else empty,
        np.concatenate(bucket_parts) if bucket_parts else empty,
    ]
    if with_positions:
        result.append(np.concatenate(position_parts) if position_parts else empty)
    return tuple(result)


def _feature_matrix(texts: Sequence[str]) -> np.ndarray:
    """1.0 where a sentence shows an explainable feature (columns: :data:`FEATURE_NAMES`)."""
    matrix = np.zeros((len(texts), len(FEATURE_NAMES)), dtype=np.float64)
    column = {name: index for index, name in enumerate(FEATURE_NAMES)}
    for row, text in enumerate(texts):
        for name in present_features(text):
            matrix[row, column[name]] = 1.0
    return matrix


def _occurrence_values(rows: np.ndarray, idf_of_occurrence: np.ndarray, n_rows: int) -> np.ndarray:
    """Each occurrence's value: its idf over the row's norm (sqrt of the summed squared idf).

    Summed per (row, bucket) this is a tf-idf vector of unit length when no n-gram repeats;
    computing the norm per occurrence avoids a sort, which keeps scoring fast.
    """
    norms = np.sqrt(np.bincount(rows, weights=idf_of_occurrence * idf_of_occurrence, minlength=n_rows))
    norms[norms == 0] = 1.0
    return idf_of_occurrence / norms[rows]


@dataclass(frozen=True, slots=True)
class _Block:
    """One hashed n-gram block of a model: idf and weight per bucket.

    ``table`` is precomputed so that scoring costs one look-up and two sums per n-gram (for
    characters: per distinct word of the batch, see :meth:`TrainedModel._char_logits`).
    """

    idf: np.ndarray
    weights: np.ndarray
    #: Per bucket: idf x weight and idf squared, side by side (one memory access per n-gram).
    table: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # float32 like the file: a model takes about 32 MB in memory (2 blocks x 4 x 4 MB).
        table = np.stack([self.idf * self.weights, np.square(self.idf)], axis=1).astype(np.float32)
        object.__setattr__(self, "table", table)

    def logits(self, rows: np.ndarray, buckets: np.ndarray, n_rows: int) -> np.ndarray:
        """Each row's share of the score: (sum of idf x weight) / sqrt(sum of idf squared)."""
        looked_up = self.table[buckets]
        norms = np.sqrt(np.bincount(rows, weights=looked_up[:, 1], minlength=n_rows))
        norms[norms == 0] = 1.0
        return np.bincount(rows, weights=looked_up[:, 0], minlength=n_rows) / norms


# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a sentence scored as it did, in the parts an editor can read."""

    probability: float
    features: tuple[tuple[str, float], ...]  # (reason shown, contribution), table order
    phrases: tuple[tuple[str, float], ...]  # (words of the sentence, contribution), strongest first

    @property
    def reasons(self) -> tuple[str, ...]:
        reasons = [reason for reason, _ in self.features]
        if self.phrases:
            quoted = ", ".join(f"“{phrase}”" for phrase, _ in self.phrases)
            reasons.append(f"wording often found in checkable claims: {quoted}")
        return tuple(reasons)


#: Words too common to explain anything, whatever weight the model gave them.
_PLAIN = (
    "a an and are as at be been but by for from had has have he her his i in is it its of on or our she "
    "that the their there they this to was we were which who will with you your"
)
_PLAIN_WORDS = frozenset(_PLAIN.split())
_EDGE_PUNCTUATION = "\"'“”‘’«»„()[]{}.,;:!?—–-…"


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """A linear check-worthiness model; also a :class:`annotations.checkworthiness.Scorer`.

    Scores are probabilities (0-1) that a sentence is check-worthy; sentences at or above
    :attr:`threshold` are suggested.
    """

    settings: TrainingSettings
    word: _Block
    char: _Block
    feature_weights: np.ndarray  # one per FEATURE_NAMES entry
    intercept: float
    threshold: float
    language: str = "en"
    label: str = ""
    header: Mapping[str, Any] = field(default_factory=dict)

    # --- Scorer protocol -----------------------------------------------------------

    @property
    def basis(self) -> str:
        return f"probability, {self.label}" if self.label else "probability"

    def values(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of each sentence being check-worthy (one batch, vectorised)."""
        return 1.0 / (1.0 + np.exp(-self.logits(texts)))

    def reasons(self, text: str) -> tuple[str, ...]:
        return self.explain(text).reasons

    # --- Scoring -------------------------------------------------------------------

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """The linear score (log-odds) of each sentence."""
        texts = list(texts)
        total = np.full(len(texts), self.intercept, dtype=np.float64)
        if not texts:
            return total
        normalised = [_normalise(text) for text in texts]
        settings = self.settings
        total += self.word.logits(*_word_ngrams(normalised, *settings.word_ngrams, settings.hash_bits), len(texts))
        total += self._char_logits(normalised)
        total += _feature_matrix(texts) @ (self.feature_weights.astype(np.float64) * settings.feature_scale)
        return total

    def _char_logits(self, normalised: Sequence[str]) -> np.ndarray:
        """The character block's share of each score, computed word by word.

        Character n-grams never span two words and the norm sums over occurrences, so a
        sentence's share is (sum over its words of the word's idf x weight) / sqrt(sum over its
        words of the word's idf squared). Each distinct word of the batch is looked up once,
        which is most of what makes scoring fast. Same result as
        ``self.char.logits(*_char_ngrams(normalised, ...))``.
        """
        settings = self.settings
        vocabulary: dict[str, int] = {}
        words = [text.split() for text in normalised]
        ids = np.array([vocabulary.setdefault(word, len(vocabulary)) for row in words for word in row], dtype=np.int64)
        rows = np.repeat(np.arange(len(normalised), dtype=np.int64), [len(row) for row in words])
        word_rows, buckets = _char_ngrams(list(vocabulary), *settings.char_ngrams, settings.hash_bits)
        looked_up = self.char.table[buckets]
        per_word = np.stack(
            [
                np.bincount(word_rows, weights=looked_up[:, 0], minlength=len(vocabulary)),
                np.bincount(word_rows, weights=looked_up[:, 1], minlength=len(vocabulary)),
            ],
            axis=1,
        )[ids]
        norms = np.sqrt(np.bincount(rows, weights=per_word[:, 1], minlength=len(normalised)))
        norms[norms == 0] = 1.0
        return np.bincount(rows, weights=per_word[:, 0], minlength=len(normalised)) / norms

    # --- Explaining ----------------------------------------------------------------

    def explain(self, text: str, phrases: int = 3) -> Explanation:
        """Split the sentence's score into its features and its words.

        Features: the explainable features the sentence shows that are signs of a claim in
        the feature table and whose learned weight is positive too, in table order. Words:
        each whitespace-separated word collects the weight of its character n-grams, its word
        1-gram and an equal share of each word n-gram it is part of; the strongest (adjacent
        words merged into one phrase) are named, as written.
        """
        probability = float(self.values([text])[0])
        scale = self.settings.feature_scale
        weights = dict(zip(FEATURE_NAMES, self.feature_weights.tolist(), strict=True))
        features = tuple(
            (FEATURES[name].reason, round(weights[name] * scale, 4))
            for name in present_features(text)
            if weights[name] * scale > 0 and FEATURES[name].weight > 0  # never "pushed up by being a question"
        )
        return Explanation(probability, features, self._phrases(text, phrases))

    def _word_contributions(self, words: Sequence[str]) -> np.ndarray:
        settings = self.settings
        normalised = [_normalise(word) for word in words]
        contributions = np.zeros(len(words), dtype=np.float64)
        # Word n-grams: tokens remember the whitespace word they came from.
        owners: list[int] = []
        for index, word in enumerate(normalised):
            owners.extend([index] * len(_TOKEN.findall(word)))
        joined = " ".join(normalised)
        rows, buckets = _word_ngrams([joined], *settings.word_ngrams, settings.hash_bits)
        values = _occurrence_values(rows, self.word.idf[buckets].astype(np.float64), 1) * self.word.weights[buckets]
        low, high = settings.word_ngrams
        cursor = 0
        for n in range(low, high + 1):
            for start in range(max(len(owners) - n + 1, 0)):
                share = values[cursor] / n
                for owner in owners[start : start + n]:
                    contributions[owner] += share
                cursor += 1
        # Character n-grams: each belongs to the word its first letter (or the letter after
        # the padding space) is in.
        rows, buckets, positions = _char_ngrams([joined], *settings.char_ngrams, settings.hash_bits,
                                                with_positions=True)
        values = _occurrence_values(rows, self.char.idf[buckets].astype(np.float64), 1) * self.char.weights[buckets]
        padded = " " + " ".join(joined.split()) + " "
        owner_of_position = np.cumsum([character == " " for character in padded]) - 1
        owner_of_position = np.minimum(owner_of_position, len(words) - 1)
        for position, value in zip(positions.tolist(), values.tolist(), strict=True):
            contributions[owner_of_position[position + (padded[position] == " ")]] += value
        return contributions

    def _phrases(self, text: str, limit: int) -> tuple[tuple[str, float], ...]:
        words = text.split()
        if not words or limit <= 0:
            return ()
        contributions = self._word_contributions(words)
        floor = 0.1  # log-odds: a word must matter a little to be named
        chosen = [
            index
            for index, (word, value) in enumerate(zip(words, contributions.tolist(), strict=True))
            if value > floor
            and any(character.isalnum() or character in "$€£¥%" for character in word)
            and _normalise(word.strip(_EDGE_PUNCTUATION)) not in _PLAIN_WORDS
        ]
        phrases: list[tuple[str, float]] = []
        run: list[int] = []
        for index in [*chosen, -2]:
            if run and index != run[-1] + 1:
                phrase = " ".join(words[i] for i in run).strip(_EDGE_PUNCTUATION)
                phrases.append((phrase, round(float(sum(contributions[i] for i in run)), 4)))
                run = []
            run.append(index)
        phrases.sort(key=lambda item: -item[1])
        return tuple(phrase for phrase in phrases[:limit] if phrase[0])

    # --- Files ---------------------------------------------------------------------

    def with_label(self, label: str, **header: Any) -> TrainedModel:
        """The same model under another name (e.g. "en v3"), with extra header entries."""
        return TrainedModel(
            self.settings, self.word, self.char, self.feature_weights, self.intercept, self.threshold,
            self.language, label, {**self.header, **header},
        )

    def to_bytes(self) -> bytes:
        """The model as a compressed ``.npz``: a JSON header and the non-zero weights only."""
        header = {
            **self.header,
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "language": self.language,
            "label": self.label,
            "settings": asdict(self.settings),
            "intercept": self.intercept,
            "threshold": self.threshold,
            "feature_names": list(FEATURE_NAMES),
            "unseen_idf": {"word": float(self.word.idf.max()), "char": float(self.char.idf.max())},
        }
        arrays: dict[str, np.ndarray] = {
            "header": np.array(json.dumps(header, sort_keys=True)),
            "feature_weight": self.feature_weights.astype(np.float32),
        }
        for name, block in (("word", self.word), ("char", self.char)):
            index = np.flatnonzero((block.weights != 0) | (block.idf != block.idf.max())).astype(np.uint32)
            arrays[f"{name}_index"] = index
            arrays[f"{name}_weight"] = block.weights[index].astype(np.float32)
            arrays[f"{name}_idf"] = block.idf[index].astype(np.float32)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TrainedModel:
        """Read a model written by :meth:`to_bytes`; refuses anything else with a clear error."""
        if len(data) > MAX_MODEL_BYTES:
            raise ModelFileError(f"The model file is {len(data):,} bytes; the limit is {MAX_MODEL_BYTES:,}.")
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
            raise ModelFileError(f"Not a check-worthiness model file (not a readable .npz archive): {error}") from error
        return cls._from_arrays(arrays)

    @classmethod
    def _from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> TrainedModel:
        blocks = {f"{block}_{part}" for block in ("word", "char") for part in ("index", "weight", "idf")}
        needed = {"header", "feature_weight"} | blocks
        missing = needed - set(arrays)
        if missing:
            raise ModelFileError(f"Not a check-worthiness model file: missing {', '.join(sorted(missing))}.")
        try:
            header = json.loads(str(arrays["header"]))
        except ValueError as error:
            raise ModelFileError("The model file's header is not valid JSON.") from error
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ModelFileError("Not a Factdesk check-worthiness model file.")
        if header.get("format_version") != FORMAT_VERSION:
            raise ModelFileError(
                f"Model file format version {header.get('format_version')!r} is not supported "
                f"(expected {FORMAT_VERSION})."
            )
        if header.get("feature_names") != list(FEATURE_NAMES):
            raise ModelFileError(
                "The model was trained on other explainable features than this version of Factdesk has."
            )
        try:
            settings = TrainingSettings.from_mapping(header["settings"])
            intercept = float(header["intercept"])
            threshold = float(header["threshold"])
            unseen = header["unseen_idf"]
            blocks = {
                name: _dense_block(arrays, name, settings.hash_bits, float(unseen[name])) for name in ("word", "char")
            }
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"The model file is damaged: {error}") from error
        feature_weights = np.asarray(arrays["feature_weight"], dtype=np.float32)
        if feature_weights.shape != (len(FEATURE_NAMES),) or not np.isfinite(feature_weights).all():
            raise ModelFileError("The model file is damaged: bad feature weights.")
        if not (math.isfinite(intercept) and 0.0 <= threshold <= 1.0):
            raise ModelFileError("The model file is damaged: bad intercept or threshold.")
        return cls(
            settings, blocks["word"], blocks["char"], feature_weights, intercept, threshold,
            str(header.get("language", "")), str(header.get("label", "")), header,
        )


def _dense_block(arrays: Mapping[str, np.ndarray], name: str, bits: int, unseen_idf: float) -> _Block:
    if not 8 <= bits <= 24:
        raise ValueError(f"hash_bits {bits} out of range")
    index = np.asarray(arrays[f"{name}_index"])
    weight = np.asarray(arrays[f"{name}_weight"], dtype=np.float32)
    idf = np.asarray(arrays[f"{name}_idf"], dtype=np.float32)
    if index.ndim != 1 or index.shape != weight.shape or index.shape != idf.shape or index.dtype.kind not in "ui":
        raise ValueError(f"{name} arrays do not match")
    if index.size and (index.min() < 0 or index.max() >= 2**bits):
        raise ValueError(f"{name} index out of range")
    if not (np.isfinite(weight).all() and np.isfinite(idf).all() and math.isfinite(unseen_idf)):
        raise ValueError(f"{name} weights are not finite")
    dense_idf = np.full(2**bits, unseen_idf, dtype=np.float32)
    dense_weight = np.zeros(2**bits, dtype=np.float32)
    dense_idf[index] = idf
    dense_weight[index] = weight
    return _Block(dense_idf, dense_weight)


# --------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------


def _design_matrix(
    texts: list[str], settings: TrainingSettings, word_idf: np.ndarray, char_idf: np.ndarray
) -> sparse.csr_matrix:
    normalised = [_normalise(text) for text in texts]
    width = 2**settings.hash_bits
    parts = []
    for idf, (rows, buckets) in (
        (word_idf, _word_ngrams(normalised, *settings.word_ngrams, settings.hash_bits)),
        (char_idf, _char_ngrams(normalised, *settings.char_ngrams, settings.hash_bits)),
    ):
        values = _occurrence_values(rows, idf[buckets].astype(np.float64), len(texts))
        parts.append(sparse.csr_matrix((values, (rows, buckets)), shape=(len(texts), width)))
    parts.append(sparse.csr_matrix(_feature_matrix(texts) * settings.feature_scale))
    return sparse.hstack(parts, format="csr")


def _idf(texts: list[str], settings: TrainingSettings) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed inverse document frequency per bucket, ln((1+n)/(1+df)) + 1, as scikit-learn."""
    normalised = [_normalise(text) for text in texts]
    result = []
    for rows, buckets in (
        _word_ngrams(normalised, *settings.word_ngrams, settings.hash_bits),
        _char_ngrams(normalised, *settings.char_ngrams, settings.hash_bits),
    ):
        pairs = np.unique(rows * 2**settings.hash_bits + buckets)
        frequency = np.bincount(pairs % 2**settings.hash_bits, minlength=2**settings.hash_bits)
        result.append((np.log((1 + len(texts)) / (1 + frequency)) + 1).astype(np.float32))
    return result[0], result[1]


def check_training_data(sentences: Sequence[LabelledSentence]) -> None:
    """Refuse sentences that cannot train a model, saying what is wrong."""
    if not sentences:
        raise TrainingDataError("There are no labelled sentences to train on.")
    positives = sum(1 for sentence in sentences if sentence.label == 1)
    negatives = len(sentences) - positives
    if not positives or not negatives:
        only = "check-worthy (label 1)" if positives else "not check-worthy (label 0)"
        raise TrainingDataError(
            f"All {len(sentences)} sentences are {only}: training needs examples of both classes."
        )
    if positives < MIN_PER_CLASS or negatives < MIN_PER_CLASS:
        raise TrainingDataError(
            f"Training needs at least {MIN_PER_CLASS} sentences of each class; "
            f"found {positives} check-worthy and {negatives} others."
        )


def _fit(
    matrix: sparse.csr_matrix, labels: np.ndarray, weights: np.ndarray, settings: TrainingSettings
) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression  # scikit-learn is only needed to train

    classifier = LogisticRegression(
        C=settings.regularisation,
        class_weight="balanced" if settings.balanced else None,
        solver="liblinear",
        max_iter=5000,
    )
    # Fit on the columns some row uses: a bucket no training sentence has keeps weight 0 under
    # L2 regularisation anyway, and the solver's cost grows with the number of columns.
    used = np.unique(matrix.indices)
    classifier.fit(matrix[:, used], labels, sample_weight=weights)
    coefficients = np.zeros(matrix.shape[1], dtype=np.float64)
    coefficients[used] = classifier.coef_[0]
    return coefficients, float(classifier.intercept_[0])


def _best_threshold(probabilities: np.ndarray, labels: np.ndarray, balanced: bool = True) -> float:
    """The probability cut that maximises F1 on these (out-of-fold) predictions.

    ``balanced``: F1 as if both classes were equally common (each check-worthy sentence
    counts negatives/positives times). That F1 depends only on the true and false positive
    rates, not on how many check-worthy sentences the training data happens to hold, which
    differs from one desk, outlet and data set to the next.
    """
    order = np.argsort(-probabilities, kind="stable")
    positive_weight = (len(labels) - labels.sum()) / labels.sum() if balanced else 1.0
    hits = np.cumsum(labels[order]) * positive_weight
    false_alarms = np.cumsum(1 - labels[order])
    f1 = 2 * hits / (2 * hits + false_alarms + (labels.sum() * positive_weight - hits))
    # Only cut where the next probability differs, so the threshold means what it says.
    distinct = np.append(probabilities[order][1:] != probabilities[order][:-1], True)
    best = int(np.argmax(np.where(distinct, f1, -1.0)))
    return float(probabilities[order][best])


#: How much the base model's score is scaled as an input when training on top of it.
_PRIOR_SCALE = 10.0


def _fold_ids(labels: np.ndarray, folds: int, seed: int = 0) -> np.ndarray:
    """Stratified fold number per row (deterministic)."""
    generator = np.random.default_rng(seed)
    ids = np.zeros(len(labels), dtype=np.int64)
    for value in (0, 1):
        members = np.flatnonzero(labels == value)
        generator.shuffle(members)
        ids[members] = np.arange(len(members)) % folds
    return ids


def train(
    sentences: Sequence[LabelledSentence],
    settings: TrainingSettings | None = None,
    *,
    base: TrainedModel | None = None,
    language: str = "en",
    label: str = "",
    description: str = "",
) -> TrainedModel:
    """Fit a model on ``sentences``.

    With ``base``, the new model is trained *on top of* it: the base model's score enters as
    one more input, so the new sentences adjust the old weights instead of replacing them,
    and the result folds back into one linear model of the same shape (and the base's idf).
    The decision threshold is the F1-best cut on cross-validated predictions of these
    sentences (too few for folds: the base's threshold, or 0.5).
    """
    check_training_data(sentences)
    settings = base.settings if base is not None else (settings or TrainingSettings())
    texts = [sentence.text for sentence in sentences]
    labels = np.array([sentence.label for sentence in sentences], dtype=np.int64)
    weights = np.array([sentence.weight for sentence in sentences], dtype=np.float64)
    word_idf, char_idf = (base.word.idf, base.char.idf) if base is not None else _idf(texts, settings)
    matrix = _design_matrix(texts, settings, word_idf, char_idf)
    if base is not None:
        # Scaled up so that keeping the base model's weights costs the regularisation almost nothing.
        prior = base.logits(texts).reshape(-1, 1) * _PRIOR_SCALE
        matrix = sparse.hstack([matrix, sparse.csr_matrix(prior)], format="csr")

    coefficients, intercept = _fit(matrix, labels, weights, settings)
    threshold = _cross_validated_threshold(matrix, labels, weights, settings)
    if threshold is None:
        threshold = base.threshold if base is not None else 0.5

    width = 2**settings.hash_bits
    word_weights = coefficients[:width]
    char_weights = coefficients[width : 2 * width]
    feature_weights = coefficients[2 * width : 2 * width + len(FEATURE_NAMES)] * 1.0
    if base is not None:
        trust = coefficients[-1] * _PRIOR_SCALE
        word_weights = word_weights + trust * base.word.weights
        char_weights = char_weights + trust * base.char.weights
        feature_weights = feature_weights + trust * base.feature_weights
        intercept += trust * base.intercept
    positives = int(labels.sum())
    header = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "training": {
            "description": description,
            "sentences": len(sentences),
            "check_worthy": positives,
            "weak_examples": int((weights < 1).sum()),
            "on_top_of": base.label if base is not None else "",
        },
    }
    return TrainedModel(
        settings,
        _Block(word_idf, word_weights.astype(np.float32)),
        _Block(char_idf, char_weights.astype(np.float32)),
        feature_weights.astype(np.float32),
        intercept,
        threshold,
        language,
        label,
        header,
    )


def _cross_validated_threshold(
    matrix: sparse.csr_matrix, labels: np.ndarray, weights: np.ndarray, settings: TrainingSettings
) -> float | None:
    folds = min(settings.threshold_folds, int(labels.sum()), int(len(labels) - labels.sum()))
    if folds < 2:
        return None
    ids = _fold_ids(labels, folds)
    out_of_fold = np.zeros(len(labels), dtype=np.float64)
    for fold in range(folds):
        training = ids != fold
        if len(set(labels[training].tolist())) < 2:
            return None
        coefficients, intercept = _fit(matrix[training], labels[training], weights[training], settings)
        out_of_fold[~training] = matrix[~training] @ coefficients + intercept
    return _best_threshold(1.0 / (1.0 + np.exp(-out_of_fold)), labels, settings.balanced)


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evaluation:
    """How well scores match labels: at the threshold (P, R, F1) and as a ranking (AP, MAP)."""

    n: int
    positives: int
    precision: float
    recall: float
    f1: float
    average_precision: float  # all sentences ranked together
    mean_average_precision: float  # mean of per-group AP (= AP when there are no groups)
    groups: int

    def as_dict(self) -> dict[str, float | int]:
        return {name: round(value, 4) if isinstance(value, float) else value for name, value in asdict(self).items()}


def average_precision(values: Sequence[float], labels: Sequence[int]) -> float:
    """AP of the ranking by value (ties keep input order, as :mod:`annotations.checkworthiness`)."""
    scores = np.asarray(values, dtype=np.float64)
    truth = np.asarray(labels, dtype=np.int64)
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(truth[order])
    relevant = truth[order] == 1
    if not relevant.any():
        return 0.0
    return float(np.mean(hits[relevant] / (np.flatnonzero(relevant) + 1)))


def evaluate(values: Sequence[float], sentences: Sequence[LabelledSentence], threshold: float) -> Evaluation:
    """Precision, recall, F1 at ``threshold``; AP over all; MAP over groups with a positive."""
    scores = np.asarray(values, dtype=np.float64)
    labels = np.array([sentence.label for sentence in sentences], dtype=np.int64)
    predicted = scores >= threshold
    true_positive = int((predicted & (labels == 1)).sum())
    precision = true_positive / int(predicted.sum()) if predicted.any() else 0.0
    recall = true_positive / int(labels.sum()) if labels.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    groups: dict[str, list[int]] = {}
    for index, sentence in enumerate(sentences):
        groups.setdefault(sentence.group, []).append(index)
    per_group = [
        average_precision(scores[members], labels[members]) for members in groups.values() if labels[members].any()
    ]
    overall = average_precision(scores, labels)
    return Evaluation(
        n=len(sentences),
        positives=int(labels.sum()),
        precision=precision,
        recall=recall,
        f1=f1,
        average_precision=overall,
        mean_average_precision=float(np.mean(per_group)) if per_group else overall,
        groups=len(groups),
    )


def split_held_out(
    sentences: Sequence[LabelledSentence], fraction: float = 0.2, seed: int = 0
) -> tuple[list[LabelledSentence], list[LabelledSentence]]:
    """(training part, held-out part): the same share of each class held out, deterministically."""
    if not 0 < fraction < 1:
        raise ValueError("The held-out fraction must be between 0 and 1.")
    labels = np.array([sentence.label for sentence in sentences], dtype=np.int64)
    generator = np.random.default_rng(seed)
    held = np.zeros(len(sentences), dtype=bool)
    for value in (0, 1):
        members = np.flatnonzero(labels == value)
        generator.shuffle(members)
        count = max(1, round(len(members) * fraction)) if len(members) >= 2 else 0
        held[members[:count]] = True
    training = [sentence for sentence, out in zip(sentences, held, strict=True) if not out]
    held_out = [sentence for sentence, out in zip(sentences, held, strict=True) if out]
    return training, held_out


# --------------------------------------------------------------------------------------
# Labelled files
# --------------------------------------------------------------------------------------

_LABELS = {"1": 1, "0": 0, "true": 1, "false": 0, "yes": 1, "no": 0}
_GROUP_COLUMNS = ("group", "file_name", "debate", "article")


def _label(value: Any, where: str) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, float) and value in (0.0, 1.0):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in _LABELS:
        return _LABELS[value.strip().lower()]
    raise TrainingDataError(f"{where}: the label must be 1 (check-worthy) or 0 (not), not {value!r}.")


def _rows(data: str, name: str) -> list[Any]:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    try:
        if suffix == "csv":
            reader = csv.DictReader(io.StringIO(data, newline=""))
            return list(reader)
        if suffix == "jsonl":
            return [json.loads(line) for line in data.splitlines() if line.strip()]
        if suffix == "json":
            rows = json.loads(data) if data.strip() else []
            if not isinstance(rows, list):
                raise TrainingDataError(f"{name}: a JSON training file must hold a list of objects.")
            return rows
    except json.JSONDecodeError as error:
        raise TrainingDataError(f"{name}: not valid JSON (line {error.lineno}: {error.msg}).") from error
    except csv.Error as error:
        raise TrainingDataError(f"{name}: not a valid CSV file ({error}).") from error
    raise TrainingDataError(f"{name}: unknown file type; use .json, .jsonl or .csv.")


def read_labelled(data: bytes | str, name: str) -> list[LabelledSentence]:
    """Labelled sentences from a JSON, JSONL or CSV file's contents (type from ``name``).

    Every row needs ``text`` and ``label`` (1/0, true/false, yes/no); ``group``,
    ``file_name``, ``debate`` or ``article`` groups rows for MAP. Other columns are ignored
    (ClaimBuster's ``sentence_id``, CLEF's ``speaker``...). Refused with a
    :class:`TrainingDataError` naming the row: text that is not UTF-8, lone surrogates,
    missing columns, empty text, other labels, an empty file, a single class.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise TrainingDataError(f"{name}: not UTF-8 text (byte {error.start}).") from error
    sentences: list[LabelledSentence] = []
    for number, row in enumerate(_rows(data, name), start=1):
        where = f"{name}, row {number}"
        if not isinstance(row, dict):
            raise TrainingDataError(f"{where}: expected an object with text and label.")
        missing = [column for column in ("text", "label") if column not in row]
        if missing:
            found = ", ".join(sorted(str(key) for key in row)) or "none"
            raise TrainingDataError(f"{where}: missing column {' and '.join(missing)} (columns found: {found}).")
        text = row["text"]
        if not isinstance(text, str) or not text.strip():
            raise TrainingDataError(f"{where}: the text is empty.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise TrainingDataError(
                f"{where}: the text contains a lone surrogate ({text[error.start]!r} at character {error.start}); "
                "fix the file's encoding."
            ) from error
        group = next((str(row[column]) for column in _GROUP_COLUMNS if row.get(column) not in (None, "")), "")
        sentences.append(LabelledSentence(text.strip(), _label(row["label"], where), 1.0, group))
    if not sentences:
        raise TrainingDataError(f"{name}: the file holds no labelled sentences.")
    check_training_data(sentences)
    return sentences


def describe(sentences: Iterable[LabelledSentence]) -> str:
    """A one-line summary ("7,976 sentences, 1,994 check-worthy") for headers and messages."""
    items = list(sentences)
    return f"{len(items):,} sentences, {sum(item.label for item in items):,} check-worthy"


def _main(arguments: Sequence[str]) -> None:
    """``python -m annotations.checkworthiness_model MODEL FILE...``: speed and quality of a model file.

    Speed: sentences per second of :meth:`TrainedModel.values` in one process on one core
    (CPU time and wall-clock time), over the files' sentences in batches of 5,000, after a
    warm-up. Quality: precision, recall, F1 at the model's threshold, AP and MAP per file.
    """
    import time
    from pathlib import Path

    model = TrainedModel.from_bytes(Path(arguments[0]).read_bytes())
    files = {path: read_labelled(Path(path).read_bytes(), Path(path).name) for path in arguments[1:]}
    texts = [sentence.text for sentences in files.values() for sentence in sentences][:5000]
    model.values(texts[:50])
    cpu, wall = time.process_time(), time.perf_counter()
    model.values(texts)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    mean = sum(map(len, texts)) / max(len(texts), 1)
    rates = f"{len(texts) / cpu:,.0f}/s CPU, {len(texts) / wall:,.0f}/s wall"
    print(f"{len(texts):,} sentences (mean {mean:.0f} characters): {rates}")
    for path, sentences in files.items():
        result = evaluate(model.values([sentence.text for sentence in sentences]), sentences, model.threshold)
        print(f"{path}: " + ", ".join(f"{name}={value}" for name, value in result.as_dict().items()))


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:])
