"""Check-worthiness against public labelled debate sentences (ClaimBuster, CLEF CheckThat! 2019).

The data stays in ../shared/conformance (GPL-3.0, used for evaluation only); these tests read
it in place and skip when it is absent. The floors sit a few points below the measurements
reported in docs/checkworthiness.md, so a change that makes the scorer worse fails here.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from annotations.checkworthiness import DEFAULT_THRESHOLD, average_precision, evaluate, precision_at_k

CONFORMANCE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "checkworthiness"
CLAIMBUSTER_TEST = CONFORMANCE / "claimbuster" / "test.json"
CLEF_TEST = CONFORMANCE / "clef2019" / "CT19-T1-Test.csv"


def _claimbuster() -> list[tuple[str, int]]:
    if not CLAIMBUSTER_TEST.is_file():
        pytest.skip(f"ClaimBuster test set not found at {CLAIMBUSTER_TEST} (../shared/conformance is absent)")
    rows = json.loads(CLAIMBUSTER_TEST.read_text(encoding="utf-8"))
    return [(row["text"], int(row["label"])) for row in rows]


def _clef_debates() -> dict[str, list[tuple[str, int]]]:
    if not CLEF_TEST.is_file():
        pytest.skip(f"CLEF 2019 task 1 test set not found at {CLEF_TEST} (../shared/conformance is absent)")
    debates: dict[str, list[tuple[str, int]]] = defaultdict(list)
    with CLEF_TEST.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            debates[row["file_name"]].append((row["text"], int(row["label"])))
    return debates


def test_claimbuster_test_set_has_the_expected_shape():
    labelled = _claimbuster()
    assert len(labelled) == 702
    assert sum(label for _, label in labelled) == 351


def test_claimbuster_precision_and_recall_stay_above_the_measured_floor():
    # Measured at the default threshold: P=0.880, R=0.564, F1=0.688 (n=702, balanced).
    metrics = evaluate(_claimbuster(), DEFAULT_THRESHOLD)
    assert metrics.precision >= 0.83
    assert metrics.recall >= 0.52
    assert metrics.f1 >= 0.64


def test_claimbuster_top_ranked_sentences_are_check_worthy():
    # Measured: P@50=0.98, P@100=0.96.
    labelled = _claimbuster()
    assert precision_at_k(labelled, 50) >= 0.92
    assert precision_at_k(labelled, 100) >= 0.90


def test_clef2019_mean_average_precision_stays_above_the_measured_floor():
    # Measured: MAP=0.096 and mean P@10=0.100 over the 7 debates (136 positives in 7,080 lines).
    debates = _clef_debates()
    assert len(debates) == 7
    mean_ap = sum(average_precision(lines) for lines in debates.values()) / len(debates)
    mean_p10 = sum(precision_at_k(lines, 10) for lines in debates.values()) / len(debates)
    assert mean_ap >= 0.08
    assert mean_p10 >= 0.07
