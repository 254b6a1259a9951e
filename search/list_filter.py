"""The article list's text filter, answered by the full-text index.

``annotations.selectors.article_list`` cannot import this layer, so it offers a hook
(:func:`annotations.selectors.register_article_text_filter`) and :class:`search.apps.SearchConfig`
registers :func:`article_text_filter` when the app is ready. Without it the list falls back
to a ``LIKE`` scan of every title and body, which grows with the desk (298 ms on PostgreSQL
for 10,000 articles); the index answers in a few milliseconds on both databases.

The words are parsed exactly as on the search page (:func:`search.query.parse_query`), so the
filter and ``/search/`` find the same articles: whole words with their stems ("dredging" also
finds "dredged"), every word required, quoted phrases in order.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from search import index
from search.query import parse_query


def article_text_filter(text: str) -> Q | None:
    """A filter on articles matching ``text`` in the index; None when ``text`` has no searchable word."""
    query = parse_query(text)
    if not query:
        return None
    # The SQL is search.index's own (table names only); the words are bound parameters.
    sql, params = index.backend(connection).article_ids(query)
    return Q(pk__in=RawSQL(sql, params))  # noqa: S611
