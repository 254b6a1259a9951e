from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    """Full-text search, check-worthiness suggestions, similar and linked claims."""

    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        connection_created.connect(register_sqlite_functions, dispatch_uid="search.register_sqlite_functions")
        post_migrate.connect(repair_index, sender=self, dispatch_uid="search.repair_index")
        # The article inbox (articles.inbox) is ranked by unclaimed check-worthy content.
        from articles.inbox import register_ranking
        from search.inbox import ranked_queryset

        register_ranking(ranked_queryset)
        # The desk's article list filters by text through the full-text index, not a LIKE scan.
        from annotations.selectors import register_article_text_filter
        from search.list_filter import article_text_filter

        register_article_text_filter(article_text_filter)


def register_sqlite_functions(sender: object, connection: Any, **kwargs: Any) -> None:
    """Give every SQLite connection the fold function the index triggers call (search.normalize)."""
    if connection.vendor != "sqlite":
        return
    from search.normalize import SQLITE_FOLD_FUNCTION, sqlite_fold

    connection.connection.create_function(SQLITE_FOLD_FUNCTION, 1, sqlite_fold, deterministic=True)


def repair_index(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Put back index triggers a later migration dropped (SQLite rebuilds tables on ALTER).

    Runs after every ``migrate``; does nothing until migration ``search.0001`` is applied and
    costs one catalogue query when everything is in place.
    """
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from search import index

    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    recorder = MigrationRecorder(connection)
    if not recorder.has_table() or ("search", "0001_fulltext_index") not in recorder.applied_migrations():
        return
    index.ensure(connection)
