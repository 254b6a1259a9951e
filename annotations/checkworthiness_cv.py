"""How the check-worthiness model's design was chosen: cross-validation on training data only.

``python -m annotations.checkworthiness_cv TRAIN.json [--grouped]`` compares the designs of
:data:`DESIGNS` on one labelled file (ClaimBuster's ``train.json`` for the shipped model) and
prints, per design, the cross-validated AP, its standard error over the folds, the AP at a
CLEF-like share of check-worthy sentences (3 %), and the best F1 with both classes weighted
equally. No test set is read: docs/checkworthiness.md reports the test sets separately.

* Stratified folds: 5, the same share of each class in each (seed 1).
* ``--grouped``: 5 blocks of consecutive ``sentence_id`` (ClaimBuster numbers sentences in
  debate order), so each fold holds debates the model never saw: closer to scoring a new
  debate or article than random folds are.
* The idf is computed once on the whole file (it uses no labels); the logistic regression
  is refitted on each fold's training part.

Pure: numpy and scikit-learn, no Django.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotations.checkworthiness_model import (
    LabelledSentence,
    TrainingSettings,
    _best_threshold,
    _design_matrix,
    _fit,
    _fold_ids,
    _idf,
    average_precision,
)

__all__ = ["DESIGNS", "CrossValidation", "compare", "cross_validate", "grouped_folds", "low_prevalence_ap"]

FOLDS = 5

#: The designs compared for the shipped model: name, then settings (None: plain word tf-idf,
#: scikit-learn's TfidfVectorizer and LogisticRegression with their defaults, issue 20's baseline).
DESIGNS: tuple[tuple[str, Mapping[str, Any] | None], ...] = (
    ("shipped: word 1-2, char 2-5, C 4, balanced, features x1", {}),
    ("plain tf-idf words, logistic regression (issue's baseline)", None),
    ("C 1", {"regularisation": 1.0}),
    ("C 8", {"regularisation": 8.0}),
    ("C 16", {"regularisation": 16.0}),
    ("classes unweighted", {"balanced": False}),
    ("classes unweighted, C 2", {"balanced": False, "regularisation": 2.0}),
    ("no explainable features (x0)", {"feature_scale": 0.0}),
    ("explainable features x3", {"feature_scale": 3.0}),
    ("char 3-5", {"char_ngrams": (3, 5)}),
    ("char 1-4", {"char_ngrams": (1, 4)}),
    ("word 1-3", {"word_ngrams": (1, 3)}),
    ("word 1 only", {"word_ngrams": (1, 1)}),
)


@dataclass(frozen=True, slots=True)
class CrossValidation:
    name: str
    average_precision: float  # out-of-fold scores, all rows ranked together
    fold_standard_error: float  # of the per-fold AP
    low_prevalence_ap: float  # AP with the positives subsampled to 3 % (CLEF's debates: 2 %)
    balanced_f1: float  # best F1 with both classes weighted equally, on the out-of-fold scores

    def as_dict(self) -> dict[str, float | str]:
        return {
            "name": self.name,
            "ap": round(self.average_precision, 4),
            "ap_se": round(self.fold_standard_error, 4),
            "ap_at_3pct": round(self.low_prevalence_ap, 4),
            "balanced_f1": round(self.balanced_f1, 4),
        }


def grouped_folds(order_keys: Sequence[float], folds: int = FOLDS) -> np.ndarray:
    """Fold number per row: ``folds`` blocks of consecutive keys (e.g. sentence ids in debate order)."""
    order = np.argsort(np.asarray(order_keys), kind="stable")
    ids = np.zeros(len(order), dtype=np.int64)
    for fold, members in enumerate(np.array_split(order, folds)):
        ids[members] = fold
    return ids


def low_prevalence_ap(
    scores: np.ndarray, labels: np.ndarray, rate: float = 0.03, draws: int = 30, seed: int = 0
) -> float:
    """Mean AP over ``draws`` subsets: every negative, and as many positives as make ``rate`` of them.

    Where check-worthy sentences are rare (CLEF: 2 % of debate lines), AP is decided by the
    top of the ranking; this measures that on training data without touching a test set.
    """
    generator = np.random.default_rng(seed)
    positives, negatives = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    count = min(len(positives), max(1, round(rate * len(negatives) / (1 - rate))))
    results = []
    for _ in range(draws):
        chosen = np.concatenate([negatives, generator.choice(positives, count, replace=False)])
        results.append(average_precision(scores[chosen], labels[chosen]))
    return float(np.mean(results))


def _balanced_f1(scores: np.ndarray, labels: np.ndarray) -> float:
    probabilities = 1.0 / (1.0 + np.exp(-scores))
    predicted = probabilities >= _best_threshold(probabilities, labels, True)
    true_positive_rate = (predicted & (labels == 1)).sum() / labels.sum()
    false_positive_rate = (predicted & (labels == 0)).sum() / (len(labels) - labels.sum())
    if not true_positive_rate:
        return 0.0
    precision = true_positive_rate / (true_positive_rate + false_positive_rate)
    return float(2 * precision * true_positive_rate / (precision + true_positive_rate))


Fitter = Callable[[Sequence[str], np.ndarray, Sequence[str]], np.ndarray]


def _model_fitter(settings: TrainingSettings, all_texts: Sequence[str]) -> Callable[[np.ndarray, np.ndarray], Any]:
    word_idf, char_idf = _idf(list(all_texts), settings)
    matrix = _design_matrix(list(all_texts), settings, word_idf, char_idf)

    def fit(training: np.ndarray, labels: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        coefficients, intercept = _fit(matrix[training], labels, np.ones(len(labels)), settings)
        return lambda rows: matrix[rows] @ coefficients + intercept

    return fit


def _plain_fitter(all_texts: Sequence[str]) -> Callable[[np.ndarray, np.ndarray], Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    matrix = TfidfVectorizer().fit_transform(all_texts)

    def fit(training: np.ndarray, labels: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        classifier = LogisticRegression(solver="liblinear", max_iter=2000).fit(matrix[training], labels)
        return lambda rows: classifier.decision_function(matrix[rows])

    return fit


def cross_validate(
    sentences: Sequence[LabelledSentence], design: Mapping[str, Any] | None, folds: np.ndarray, name: str = ""
) -> CrossValidation:
    """Out-of-fold scores of one design (settings overrides, or None for the plain baseline)."""
    texts = [sentence.text for sentence in sentences]
    labels = np.array([sentence.label for sentence in sentences], dtype=np.int64)
    fitter = _plain_fitter(texts) if design is None else _model_fitter(TrainingSettings(**design), texts)
    out_of_fold = np.zeros(len(labels), dtype=np.float64)
    per_fold = []
    for fold in np.unique(folds):
        held = folds == fold
        score = fitter(np.flatnonzero(~held), labels[~held])
        out_of_fold[held] = score(np.flatnonzero(held))
        per_fold.append(average_precision(out_of_fold[held], labels[held]))
    return CrossValidation(
        name,
        average_precision(out_of_fold, labels),
        float(np.std(per_fold, ddof=1) / np.sqrt(len(per_fold))) if len(per_fold) > 1 else 0.0,
        low_prevalence_ap(out_of_fold, labels),
        _balanced_f1(out_of_fold, labels),
    )


def compare(
    sentences: Sequence[LabelledSentence],
    designs: Sequence[tuple[str, Mapping[str, Any] | None]] = DESIGNS,
    folds: np.ndarray | None = None,
) -> list[CrossValidation]:
    """Every design on the same folds (stratified, seed 1, unless ``folds`` is given)."""
    if folds is None:
        labels = np.array([sentence.label for sentence in sentences], dtype=np.int64)
        folds = _fold_ids(labels, FOLDS, seed=1)
    return [cross_validate(sentences, design, folds, name) for name, design in designs]


def _main(arguments: Sequence[str]) -> None:
    from pathlib import Path

    from annotations.checkworthiness_model import read_labelled

    path = Path(arguments[0])
    sentences = read_labelled(path.read_bytes(), path.name)
    if "--grouped" in arguments:
        rows = json.loads(path.read_text(encoding="utf-8"))
        folds = grouped_folds([float(row["sentence_id"]) for row in rows])
    else:
        folds = _fold_ids(np.array([sentence.label for sentence in sentences], dtype=np.int64), FOLDS, seed=1)
    for name, design in DESIGNS:  # one line per design as soon as it is done
        print(json.dumps(cross_validate(sentences, design, folds, name).as_dict()), flush=True)


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:])
