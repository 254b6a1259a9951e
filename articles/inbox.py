"""The inbox: articles that came in from watched outlets and nobody has taken up yet.

Which inbox articles matter most is a question for the layer that scores check-worthiness
(``search``), which this layer cannot import. So the order is a hook:
:func:`register_ranking` lets a layer above supply a function that orders the inbox
queryset (for example by the articles' best check-worthiness suggestion); without one the
inbox is newest first.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from articles.models import Article
from articles.permissions import article_policy

__all__ = ["InboxRanking", "inbox_articles", "newest_first", "register_ranking", "take_from_inbox"]

AnyUser = AbstractBaseUser | AnonymousUser

#: Orders the inbox: takes the inbox queryset, returns it ordered (and may annotate it).
InboxRanking = Callable[[QuerySet[Article]], QuerySet[Article]]


def newest_first(articles: QuerySet[Article]) -> QuerySet[Article]:
    """The default order: the newest arrivals on top."""
    return articles.order_by("-created_at", "-id")


_ranking: InboxRanking = newest_first


def register_ranking(ranking: InboxRanking | None) -> None:
    """Order the inbox with ``ranking`` from now on (None restores newest first)."""
    global _ranking  # one process-wide hook, set once when the app that ranks is ready
    _ranking = ranking or newest_first


def inbox_articles(user: AnyUser | None) -> QuerySet[Article]:
    """The inbox as ``user`` may see it, in the registered order."""
    articles = article_policy.instances_user_has_permission_for(user, "view").filter(in_inbox=True)
    return _ranking(articles.select_related("watch"))


def take_from_inbox(article: Article, user: AnyUser | None) -> Article:
    """Mark an inbox article as seen to (editors): it stays on the desk, out of the inbox."""
    article_policy.require(user, "add")
    Article.objects.filter(pk=article.pk).update(in_inbox=False)
    article.in_inbox = False
    return article
