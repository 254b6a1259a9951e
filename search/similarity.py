"""Similar claims: the same claim made, or checked, in other articles.

Two stages, so that a panel opens quickly on a desk with 100,000 claims:

1. *Candidates* from the full-text index: claims of other articles whose statement or quote
   shares significant words with this claim's. Each word weighs its inverse document
   frequency (rare words such as names and figures count most), words found in more than
   :data:`COMMON_SHARE` of all claims are left out (they would match half the desk and say
   little), and the database sums the weights over the words' posting lists and returns the
   best :data:`CANDIDATES`. A claim made only of common words falls back to claims that
   contain all of its words.
2. *Re-ranking* with rapidfuzz (:func:`similarity`): a fuzzy comparison of statement and
   quote that ignores word order, case, punctuation and stop words, on a 0--100 scale. Claims
   below :data:`THRESHOLD` are dropped; the rest are returned best first.

Why both: the index finds claims that share rare words but cannot tell "unemployment fell to 6
percent" from "inflation rose to 6 percent"; the fuzzy score judges closeness of the whole
wording, but comparing it against every claim would be far too slow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import QuerySet
from rapidfuzz import fuzz

from annotations.models import Claim
from search import index
from search.query import STOP_WORDS, WORD, significant_words

#: How many index candidates are re-ranked.
CANDIDATES = 200
#: At most this many of the claim's words are looked up in the index ...
LOOKUP_WORDS = 16
#: ... and at most this many of the rarest go into the candidate query.
QUERY_WORDS = 8
#: Words in more than this share of all claims (and in more than MIN_COMMON claims) are too
#: common to retrieve candidates by.
COMMON_SHARE = 0.05
MIN_COMMON = 2000
#: Minimum fuzzy score (0--100) for a claim to count as similar.
THRESHOLD = 70.0


@dataclass(frozen=True, slots=True)
class SimilarClaim:
    claim: Claim
    score: float


#: Only the start of very long statements and quotes is compared (it is where they differ first).
COMPARED_CHARS = 400


def _content(text: str) -> str:
    """Lower-cased words without stop words: what the fuzzy comparison looks at."""
    return " ".join(word for word in WORD.findall(text[:COMPARED_CHARS].lower()) if word not in STOP_WORDS)


def candidate_query(claim: Claim) -> tuple[list[tuple[str, float]], bool]:
    """The words (with inverse-document-frequency weights) to find candidates by, and
    whether candidates must contain all of them (only when every word is very common)."""
    words = significant_words(f"{claim.statement} {claim.exact}")
    if len(words) > LOOKUP_WORDS:
        words = sorted(words, key=len, reverse=True)[:LOOKUP_WORDS]
    if not words:
        return [], False
    backend = index.backend()
    total = backend.claim_total()
    cap = max(MIN_COMMON, int(COMMON_SHARE * total))
    counts = backend.claim_word_counts(words, cap=cap, total=total)
    present = [word for word in words if counts.get(word)]
    rare = sorted((word for word in present if counts[word] <= cap), key=lambda word: counts[word])[:QUERY_WORDS]
    if rare:
        return [(word, math.log((total + 1) / counts[word])) for word in rare], False
    return [(word, 1.0) for word in present], True


def text_similarity(left: str, right: str) -> float:
    """0--100: how closely two texts say the same thing, ignoring order and small words.

    The mean of rapidfuzz's token-set ratio (high when one wording contains the other) and
    token-sort ratio (penalises extra material), so a short generic claim does not count as
    a near duplicate of every longer claim that happens to contain its words.
    """
    return _best_similarity(_contents(left), _contents(right))


def _contents(*texts: str) -> set[str]:
    return {content for content in map(_content, texts) if content}


def _best_similarity(left: set[str], right: set[str]) -> float:
    """Best score over pairs of already-normalised texts (see :func:`text_similarity`)."""
    best = 0.0
    for a in left:
        for b in right:
            best = max(best, (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2)
    return best


def similarity(first: tuple[str, str], second: tuple[str, str]) -> float:
    """Best :func:`text_similarity` between the (statement, quote) texts of two claims."""
    return _best_similarity(_contents(*first), _contents(*second))


def similar_claims(
    claim: Claim,
    limit: int = 10,
    *,
    threshold: float = THRESHOLD,
    published_only: bool = False,
    among: QuerySet[Claim] | None = None,
) -> list[SimilarClaim]:
    """Claims from other articles that say nearly the same as ``claim``, best first.

    Claims already linked to ``claim`` (same group) are left out: the panel lists them as
    linked claims. ``published_only`` narrows the index's candidates; ``among`` (default:
    every claim) is where the results are loaded from, so a claim outside it is never
    returned (:func:`search.selectors.similar_claims` passes the claims the user may see).
    Costs four queries whatever the desk's size (claim total, word counts, candidates, then
    the chosen claims with their article and verdict).
    """
    weighted, require_all = candidate_query(claim)
    candidates = index.backend().candidates(
        weighted,
        require_all=require_all,
        exclude_article_id=claim.article_id,
        published_only=published_only,
        limit=CANDIDATES,
    )
    mine = _contents(claim.statement, claim.exact)
    scored = [
        (_best_similarity(mine, _contents(candidate.statement, candidate.exact)), candidate.id)
        for candidate in candidates
        if candidate.id != claim.pk
    ]
    best = sorted(((score, pk) for score, pk in scored if score >= threshold), key=lambda pair: (-pair[0], pair[1]))
    if not best:
        return []
    queryset = (
        (Claim.objects.all() if among is None else among)
        .select_related("article", "verdict")
        .defer("article__body")
        .filter(pk__in=[pk for _, pk in best[: limit * 2]])
    )
    if claim.group_id is not None:
        queryset = queryset.exclude(group_id=claim.group_id)
    found = queryset.in_bulk()
    results = [SimilarClaim(found[pk], round(score, 1)) for score, pk in best if pk in found]
    return results[:limit]
