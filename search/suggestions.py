"""Check-worthiness suggestions for an article: the database side of
:mod:`annotations.checkworthiness` (which is pure and knows nothing about claims or users).

* Sentences that intersect an existing claim are never suggested (orphaned claims do not
  count: their offsets no longer point at their words).
* A dismissal hides the sentence for everyone. It is remembered by the sentence's *text*, so
  it survives corrections that move the sentence; a dismissal whose sentence was rewritten
  no longer applies.
* Accepting turns the sentence, exactly, into a claim through
  :func:`annotations.services.create_claim`, so anchoring rules and history are the usual ones.
* Segmenting and scoring a body is the expensive part, so it runs once per article version
  and scorer (:func:`scored_sentences`, kept in the default cache); claims and dismissals,
  which change between versions, are applied to the cached scores on every request.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations import checkworthiness
from annotations.checkworthiness import ScoredSentence, Scorer, Suggestion
from annotations.models import AnchorState, Claim, SuggestionDismissal
from annotations.services import create_claim, require_fact_checker
from articles.models import Article
from search.training import scorer_for

#: How many suggestions the article page shows.
SHOWN = 5


class StaleSuggestion(ValidationError):
    """The sentence is no longer a suggestion (the article changed, or someone acted on it)."""


def covered_spans(article: Article) -> list[tuple[int, int]]:
    """(start, end) of the article's claims whose anchors still hold."""
    return list(
        Claim.objects.filter(article=article)
        .exclude(anchor_state=AnchorState.ORPHANED)
        .values_list("start", "end")
    )


def dismissed_spans(article: Article) -> set[tuple[int, int]]:
    """Spans of dismissed sentences, found by their text wherever they now are in the body."""
    body = article.body
    spans: set[tuple[int, int]] = set()
    for start, end, sentence in SuggestionDismissal.objects.filter(article=article).values_list(
        "start", "end", "sentence"
    ):
        if not sentence:
            continue
        if body[start:end] == sentence:
            spans.add((start, end))
            continue
        found = body.find(sentence)
        while found != -1:
            spans.add((found, found + len(sentence)))
            found = body.find(sentence, found + 1)
    return spans


#: How long a body version's scores stay cached; a new version or scorer gets a new key anyway.
SCORES_TIMEOUT = 7 * 24 * 3600


def scores_cache_key(article: Article, scorer: Scorer) -> str:
    """One key per article, body version and scorer (its basis names the model version).

    The body's digest is part of the key too: a restored backup or a reused id on SQLite can
    bring back a version number with different text, and scores must never describe other text.
    """
    digest = hashlib.sha256(
        f"{scorer.basis}|{scorer.threshold}|{article.language}|{article.body}".encode()
    ).hexdigest()[:24]
    return f"factdesk:suggestion-scores:{article.pk}:{article.version}:{digest}"


def scored_sentences(article: Article, scorer: Scorer) -> list[ScoredSentence]:
    """Every sentence of the article's current version with its score, computed once per version.

    Kept as plain ``(start, end, value)`` tuples, so a shared cache (Redis) stores them compactly.
    """
    key = scores_cache_key(article, scorer)
    cached = cache.get(key)
    if cached is not None:
        return [ScoredSentence(*row) for row in cached]
    scored = checkworthiness.score_sentences(article.body, scorer, article.language)
    cache.set(key, [(row.start, row.end, row.value) for row in scored], SCORES_TIMEOUT)
    return scored


def _suggestions(article: Article, limit: int) -> list[Suggestion]:
    scorer = scorer_for(article.language)
    return checkworthiness.pick_suggestions(
        article.body,
        scored_sentences(article, scorer),
        covered=covered_spans(article),
        dismissed=dismissed_spans(article),
        limit=limit,
        scorer=scorer,
    )


def suggestions_for(article: Article, limit: int = SHOWN) -> list[Suggestion]:
    """The article's best check-worthy sentences with their reasons (three queries), scored by
    the model for the article's language (:func:`search.training.scorer_for`) once per version."""
    return _suggestions(article, limit)


def _current_suggestion(article: Article, start: int, end: int, sentence: str) -> Suggestion:
    if article.body[start:end] != sentence:
        raise StaleSuggestion("The article has changed since this suggestion was shown; the list has been refreshed.")
    for suggestion in _suggestions(article, 10_000):
        if (suggestion.start, suggestion.end) == (start, end):
            return suggestion
    raise StaleSuggestion(
        "This sentence is no longer suggested: it already has a claim or was dismissed. The list has been refreshed."
    )


@transaction.atomic
def accept(article: Article, user: AbstractBaseUser, start: int, end: int, sentence: str) -> Claim:
    """Turn the suggested sentence ``article.body[start:end]`` into a claim on exactly that sentence.

    ``sentence`` is the text the user saw; if the body no longer has it at those offsets, or
    the sentence meanwhile got a claim or was dismissed, :class:`StaleSuggestion` is raised
    and nothing is written.
    """
    require_fact_checker(user)
    article = Article.objects.select_for_update().get(pk=article.pk)
    _current_suggestion(article, start, end, sentence)
    return create_claim(article, start, end, sentence, user=user)


@transaction.atomic
def dismiss(article: Article, user: AbstractBaseUser, start: int, end: int, sentence: str) -> SuggestionDismissal:
    """Hide the suggested sentence for everyone, for good (idempotent)."""
    require_fact_checker(user)
    if article.body[start:end] != sentence or not sentence:
        raise StaleSuggestion("The article has changed since this suggestion was shown; the list has been refreshed.")
    dismissal, created = SuggestionDismissal.objects.get_or_create(
        article=article, start=start, end=end, defaults={"sentence": sentence, "dismissed_by": user}
    )
    if not created and dismissal.sentence != sentence:
        dismissal.sentence = sentence
        dismissal.dismissed_by = user
        dismissal.save(update_fields=["sentence", "dismissed_by"])
    return dismissal
