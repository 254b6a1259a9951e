"""The text layer's policies: the rules of :mod:`factcheck.permissions` bound to its models.

The rules themselves live in :mod:`factcheck.permissions`; registering them here makes
``user.has_perm("articles.change_article")`` (the admin) answer from the same rules.
"""

from __future__ import annotations

from articles.models import Article, ArticleRevision
from factcheck.permissions import ArticlePolicy, RevisionPolicy, register

article_policy: ArticlePolicy[Article] = ArticlePolicy(Article)
revision_policy: RevisionPolicy[ArticleRevision] = RevisionPolicy(ArticleRevision)
register(article_policy)
register(revision_policy)
