"""Inbox ranking: the articles holding the most check-worthy content nobody has claimed yet first.

A desk with a long list of incoming articles (its own, and those arriving from watched
outlets) should open the ones where a fact-checker is most needed. For each article this
counts the sentences the language's scorer (:func:`search.training.scorer_for`) would
suggest: at or above its threshold, not covered by a claim (orphaned claims do not count,
as on the article page) and not dismissed. The article list view can sort by it, and
:func:`ranked_queryset` fits the inbox's hook (``articles.inbox.register_ranking``).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Case, IntegerField, QuerySet, Value, When

from annotations.checkworthiness import Scorer, split_sentences
from annotations.models import AnchorState, Claim, SuggestionDismissal
from articles.models import Article
from search.training import language_key, scorer_for


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def articles_by_unclaimed_checkworthiness(queryset: QuerySet[Article]) -> list[Article]:
    """The articles of ``queryset``, most unclaimed check-worthy sentences first.

    Each article gets ``unclaimed_checkworthy`` (how many sentences would be suggested) and
    ``unclaimed_score`` (the sum of their scores, on the scorer's own scale): the count
    decides, then the sum; full ties keep the queryset's order ("newest first"). Queries: the articles,
    their claims, their dismissals, and one per language for its active model. Scoring
    splits every body into sentences, so pass one page of articles, not the whole desk.
    """
    articles = list(queryset)
    ids = [article.pk for article in articles]
    claimed: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for article_id, start, end in (
        Claim.objects.filter(article_id__in=ids).exclude(anchor_state=AnchorState.ORPHANED)
        .values_list("article_id", "start", "end")
    ):
        claimed[article_id].append((start, end))
    dismissed: dict[int, set[str]] = defaultdict(set)
    for article_id, sentence in SuggestionDismissal.objects.filter(article_id__in=ids).values_list(
        "article_id", "sentence"
    ):
        dismissed[article_id].add(sentence)

    # Score all open sentences of one language in one batch: the trained model is vectorised.
    open_texts: dict[str, list[tuple[Article, str]]] = defaultdict(list)
    for article in articles:
        for sentence in split_sentences(article.body, article.language):
            if sentence.text in dismissed[article.pk] or _overlaps(sentence.start, sentence.end, claimed[article.pk]):
                continue
            open_texts[language_key(article.language)].append((article, sentence.text))
        article.unclaimed_checkworthy = 0
        article.unclaimed_score = 0.0
    for language, pairs in open_texts.items():
        scorer: Scorer = scorer_for(language)
        for (article, _), value in zip(pairs, scorer.values([text for _, text in pairs]), strict=True):
            if value >= scorer.threshold:
                article.unclaimed_checkworthy += 1
                article.unclaimed_score += float(value)
    return sorted(articles, key=lambda article: (-article.unclaimed_checkworthy, -article.unclaimed_score))


def ranked_queryset(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """The same order as a queryset, for :func:`articles.inbox.register_ranking`.

    Annotated with ``unclaimed_checkworthy`` and ordered by rank. Every article of
    ``queryset`` is scored first, so it suits an inbox of hundreds of articles, not thousands.
    """
    ranked = articles_by_unclaimed_checkworthiness(queryset)
    if not ranked:
        return queryset
    rank = Case(*[When(pk=article.pk, then=Value(index)) for index, article in enumerate(ranked)],
                output_field=IntegerField())
    count = Case(*[When(pk=article.pk, then=Value(article.unclaimed_checkworthy)) for article in ranked],
                 default=Value(0), output_field=IntegerField())
    return queryset.annotate(unclaimed_checkworthy=count, inbox_rank=rank).order_by("inbox_rank")
