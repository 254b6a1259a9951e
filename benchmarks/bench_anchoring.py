"""Benchmark: re-anchoring 200 claims after small edits to a ~100 KB article.

Target (from the spec): under 0.5 s for the whole ``reanchor_all`` call.

Run from the repository root::

    .venv/bin/python benchmarks/bench_anchoring.py

The article is generated (pseudo-English from a fixed vocabulary, fixed seed) so the
numbers are reproducible and no real article text is needed.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotations.anchoring import Anchor, AnchorResult, describe, reanchor_all

VOCABULARY = (
    "the minister said that unemployment fell last year while inflation rose sharply across "
    "regions according to official figures published by agency statistics office report claims "
    "budget deficit spending schools hospitals roads police crime rate fell rose doubled halved "
    "percent million billion people voters council mayor government opposition party leader "
    "interview television radio newspaper website survey poll data showed experts warned "
    "however although because since during before after more less than most least new old"
)
WORDS = VOCABULARY.split()

TARGET_BYTES = 100_000
CLAIMS = 200
RUNS = 5


def build_body(rng: random.Random) -> str:
    paragraphs: list[str] = []
    size = 0
    while size < TARGET_BYTES:
        sentences = []
        for _ in range(rng.randint(3, 7)):
            words = rng.choices(WORDS, k=rng.randint(8, 24))
            words.append(str(rng.randint(1, 99_999)))  # numbers make most sentences unique
            rng.shuffle(words)
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def build_anchors(body: str, rng: random.Random) -> list[Anchor]:
    step = len(body) // CLAIMS
    anchors = []
    for i in range(CLAIMS):
        start = i * step + rng.randint(0, step // 4)
        while body[start] in " \n":
            start += 1
        length = rng.randint(30, 160)
        end = min(len(body), start + length)
        while body[end - 1] in " \n":
            end -= 1
        anchors.append(describe(body, start, end))
    return anchors


def time_it(function: Callable[[], list[AnchorResult]]) -> tuple[float, list[AnchorResult]]:
    timings = []
    results: list[AnchorResult] = []
    for _ in range(RUNS):
        started = time.perf_counter()
        results = function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), results


def scenario(name: str, body: str, anchors: list[Anchor]) -> None:
    seconds, results = time_it(lambda: reanchor_all(body, anchors))
    states = Counter(result.state for result in results)
    summary = ", ".join(f"{state}={count}" for state, count in sorted(states.items()))
    print(f"{name:<58} {seconds * 1000:8.1f} ms   {summary}")


def main() -> None:
    rng = random.Random(20240611)
    body = build_body(rng)
    anchors = build_anchors(body, rng)
    print(f"body: {len(body):,} chars, {len(anchors)} claims, median of {RUNS} runs\n")

    scenario("unchanged body", body, anchors)

    # 1. An edit near the start shifts every claim.
    shifted = body[:50] + " A correction was added near the top of the article." + body[50:]
    scenario("edit near the start (all shift)", shifted, anchors)

    # 2. ...plus a changed word inside one quote, and 3. one quote deleted outright.
    edited_anchor = anchors[100]
    deleted_anchor = anchors[150]
    inside = edited_anchor.exact.replace(" ", " really ", 1)
    edited = shifted.replace(edited_anchor.exact, inside, 1).replace(deleted_anchor.exact, "", 1)
    scenario("start edit + one quote reworded + one quote deleted", edited, anchors)

    # Harder than the target: ten quotes deleted, each needing a whole-body search.
    many_deleted = edited
    for anchor in anchors[10:200:19]:
        many_deleted = many_deleted.replace(anchor.exact, "", 1)
    scenario("start edit + ten quotes deleted", many_deleted, anchors)

    # Many short quotes: more exact occurrences to rank by context and position.
    short_anchors = [describe(body, a.start, min(a.end, a.start + 12)) for a in anchors]
    scenario("200 short (12 char) quotes, start edit", shifted, short_anchors)


if __name__ == "__main__":
    main()
