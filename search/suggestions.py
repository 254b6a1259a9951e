"""Check-worthiness suggestions for an article: the database side of
:mod:`annotations.checkworthiness` (which is pure and knows nothing about claims or users).

* Sentences that intersect an existing claim are never suggested (orphaned claims do not
  count: their offsets no longer point at their words).
* A dismissal hides the sentence for everyone. It is remembered by the sentence's *text*, so
  it survives corrections that move the sentence; a dismissal whose sentence was rewritten
  no longer applies.
* Accepting turns the sentence, exactly, into a claim through
  :func:`annotations.services.create_claim`, so anchoring rules and history are the usual ones.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations import checkworthiness
from annotations.checkworthiness import Suggestion
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


def suggestions_for(article: Article, limit: int = SHOWN) -> list[Suggestion]:
    """The article's best check-worthy sentences with their reasons (three queries), scored by
    the model for the article's language (:func:`search.training.scorer_for`)."""
    return checkworthiness.suggest(
        article.body,
        covered=covered_spans(article),
        dismissed=dismissed_spans(article),
        limit=limit,
        scorer=scorer_for(article.language),
    )


def _current_suggestion(article: Article, start: int, end: int, sentence: str) -> Suggestion:
    if article.body[start:end] != sentence:
        raise StaleSuggestion("The article has changed since this suggestion was shown; the list has been refreshed.")
    for suggestion in checkworthiness.suggest(
        article.body,
        covered=covered_spans(article),
        dismissed=dismissed_spans(article),
        limit=10_000,
        scorer=scorer_for(article.language),
    ):
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
