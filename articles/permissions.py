"""The text layer's policies: the rules of :mod:`factcheck.permissions` bound to its models.

The rules themselves live in :mod:`factcheck.permissions`; registering them here makes
``user.has_perm("articles.change_article")`` (the admin) answer from the same rules.
Watched feeds and articles follow the article rules (editors manage what comes in);
snapshots have their own: the whole desk archives evidence, nobody edits it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from articles.models import Article, ArticleRevision, Feed, FeedItem, Snapshot, Watch
from factcheck.permissions import ArticlePolicy, PermissionPolicy, RevisionPolicy, Role, register

article_policy: ArticlePolicy[Article] = ArticlePolicy(Article)
revision_policy: RevisionPolicy[ArticleRevision] = RevisionPolicy(ArticleRevision)
register(article_policy)
register(revision_policy)

#: Feeds and watches: everyone logged in sees them; editors add, change and remove them.
watch_policy: ArticlePolicy[Watch] = ArticlePolicy(Watch)
feed_policy: ArticlePolicy[Feed] = ArticlePolicy(Feed)
register(watch_policy)
register(feed_policy)
register(ArticlePolicy(FeedItem))


class SnapshotPolicy(PermissionPolicy[Snapshot]):
    """Stored fetches: the desk reads them, fact-checkers and editors take them, admins remove them."""

    roles = {"view": Role.READER, "add": Role.FACT_CHECKER, "change": Role.ADMIN, "delete": Role.ADMIN}
    refusals = {
        "add": gettext_lazy("Only fact-checkers and editors can archive pages."),
        "delete": gettext_lazy("Only admins can remove archived pages."),
    }


snapshot_policy = SnapshotPolicy(Snapshot)
register(snapshot_policy)
