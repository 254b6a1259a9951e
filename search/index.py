"""The full-text index behind search and similar claims, one implementation per database.

Why two: SQLite and PostgreSQL both ship real full-text search, with ranking and highlighted
snippets, but with different machinery. Both are kept *outside* the models (they are derived
data, rebuilt from the article and claim tables at any time) and in sync by triggers in the
database itself, so every writer -- views, admin, importer, ``bulk_create``, raw SQL -- keeps the
index current without remembering to.

SQLite: two FTS5 *external content* tables, ``search_article_fts(title, body, outlet)`` over
``articles_article`` and ``search_claim_fts(statement, exact, claimant, rationale)`` over
``annotations_claim``, with the Porter stemmer; ranked with ``bm25()``, highlighted with
``highlight()``/``snippet()``.

PostgreSQL: two side tables, ``search_article_doc`` and ``search_claim_doc``, holding a weighted
``tsvector`` per row (English configuration) with a GIN index; ranked with ``ts_rank``,
highlighted with ``ts_headline``. A stored vector (rather than an expression index on the
article table) keeps ranking cheap: ranking thousands of hits must not re-parse their bodies.
Claims also get an unweighted ``wording`` vector (statement and quote) for similar claims.

Both rank with the same relative column weights (articles: title 10, outlet 4, body 1;
claims: statement 4, quote 3, claimant 2, rationale 1). Queries arrive already parsed
(:mod:`search.query`) so the same words mean the same thing on both databases.

The index is created and back-filled by migration ``search.0001`` and checked after every
``migrate`` (:func:`ensure`): SQLite drops a table's triggers when Django rebuilds the table
during a later migration, and :func:`ensure` puts them back and rebuilds the index.

Highlights are marked with the control characters :data:`START` and :data:`STOP`, which the
canonical text never contains; :func:`search.results.marked_html` escapes the text and only
then turns them into ``<mark>`` tags.

Bounded work (issue 15). Snippets of the long columns (article bodies, claim quotes and
rationales) are never built over whole documents: FTS5's ``snippet()`` and PostgreSQL's
``ts_headline`` cost grows with the document and with the hits in it (20 articles of 490,000
characters: 6-36 s per search on SQLite, 3-4 s on PostgreSQL; see docs/search.md).
Instead, for the rows of the page only, the database finds where the first query word occurs
(``instr``/``strpos``, linear and cheap; :func:`window_needles`), cuts a window of at most
``FACTDESK_SEARCH_SNIPPET_WINDOW`` characters around it with ``substr``, and the snippet is
made from that window alone: ``ts_headline`` over the substring on PostgreSQL, a small Python
highlighter (:func:`window_snippet`) on SQLite. A word found only through stemming ("rising"
finding "rises") is not where ``instr`` looks, so its window is the start of the document:
still bounded, just less telling. Every search also runs within :func:`time_budget`.
"""

# SQL in this module is assembled only from identifiers and numbers defined here; anything a user
# typed is passed as a bound parameter. Hence:
# ruff: noqa: S608

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

from search.normalize import (
    POSTGRES_FOLD_FUNCTION,
    WORD_WITH_MARKS,
    fold,
    fold_sql_postgres,
    fold_sql_postgres_inline,
    fold_sql_sqlite,
    postgres_fold_function,
)
from search.query import ParsedQuery, fts5_match, websearch_text

START = "\x02"
STOP = "\x03"

#: How many words around a hit a snippet shows.
SNIPPET_WORDS = 30


class SearchUnavailable(Exception):
    """The database has no supported full-text search (only SQLite with FTS5 and PostgreSQL do)."""


class SearchTimeout(Exception):
    """A search statement ran past its time budget and the database stopped it (see :func:`time_budget`)."""


class SearchBusy(Exception):
    """Every search slot of this process stayed taken for the whole wait (see :func:`search_slot`)."""


_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


def _search_slots() -> threading.BoundedSemaphore:
    """The process's semaphore, sized by ``FACTDESK_SEARCH_CONCURRENCY`` (rebuilt if the setting changes)."""
    global _slots
    size = max(1, int(settings.FACTDESK_SEARCH_CONCURRENCY))
    with _slots_lock:
        if _slots is None or _slots[0] != size:
            _slots = (size, threading.BoundedSemaphore(size))
        return _slots[1]


@contextmanager
def search_slot(wait_seconds: float | None = None) -> Iterator[None]:
    """Run at most ``FACTDESK_SEARCH_CONCURRENCY`` searches at once in this process.

    Why: a search over long articles is CPU work in the app and in the database; ten at once
    on a small server leave nothing for quick requests (``/healthz`` p99 rose to 260 ms on
    PostgreSQL in ``make bench``'s bounded group). The others wait, without using the CPU, up
    to ``wait_seconds`` (default: the search time budget), then :class:`SearchBusy`.
    """
    if wait_seconds is None:
        wait_seconds = max(settings.FACTDESK_SEARCH_TIMEOUT_MS, 1000) / 1000
    slots = _search_slots()
    if not slots.acquire(timeout=wait_seconds):
        raise SearchBusy("Every search slot stayed busy.")
    try:
        yield
    finally:
        slots.release()


# --------------------------------------------------------------------------------------
# Schema: SQLite
# --------------------------------------------------------------------------------------

#: Latin accents folded by the tokenizer (``remove_diacritics 2``); nonspacing marks (``Mn``)
#: count as word characters, so a haraka left in the stored text does not cut a word in two
#: when FTS5 re-reads that text for ``highlight()`` (token positions then agree with the
#: folded text the index holds: see :mod:`search.normalize`).
_SQLITE_TOKENIZER = "porter unicode61 remove_diacritics 2 categories ''L* N* Co Mn''"


def _sqlite_folded(prefix: str, columns: Sequence[str]) -> str:
    """The columns as the index holds them: folded (:func:`search.normalize.fold_sql_sqlite`)."""
    return ", ".join(fold_sql_sqlite(f"{prefix}{c}") for c in columns)


def _sqlite_fts(name: str, table: str, columns: Sequence[str]) -> list[str]:
    """DDL for an external-content FTS5 table over ``table`` plus the triggers that sync it.

    The index holds the *folded* columns (Arabic harakat and tatweel, Hebrew points removed),
    so the ``delete`` commands pass the folded old values too: FTS5 removes exactly the
    tokens that were added.
    """
    cols = ", ".join(columns)
    new = _sqlite_folded("new.", columns)
    old = _sqlite_folded("old.", columns)
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5({cols}, content='{table}', content_rowid='id', "
        f"tokenize='{_SQLITE_TOKENIZER}')",
        f"CREATE TRIGGER IF NOT EXISTS {name}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {name}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {name}({name}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_au AFTER UPDATE ON {table} WHEN {changed} BEGIN "
        f"INSERT INTO {name}({name}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {name}(rowid, {cols}) VALUES (new.id, {new}); END",
    ]


SQLITE_INDEXES = {
    "search_article_fts": ("articles_article", ("title", "body", "outlet")),
    "search_claim_fts": ("annotations_claim", ("statement", "exact", "claimant", "rationale")),
}


def _sqlite_objects() -> list[str]:
    names = []
    for name in SQLITE_INDEXES:
        names += [name, f"{name}_ai", f"{name}_ad", f"{name}_au"]
    return names


# --------------------------------------------------------------------------------------
# Schema: PostgreSQL
# --------------------------------------------------------------------------------------

#: The PostgreSQL text search configuration for each language (primary subtag); a language
#: not listed, or whose configuration this server lacks, is indexed with ``simple``
#: (lower-cased words, no stemming, no stop words).
POSTGRES_CONFIGS: dict[str, str] = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
    "nb": "norwegian", "ne": "nepali", "nl": "dutch", "nn": "norwegian", "no": "norwegian", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish",
    "yi": "yiddish",
}
_available_configs: dict[str, tuple[str, ...]] = {}


def postgres_configs(connection: BaseDatabaseWrapper = default_connection) -> tuple[str, ...]:
    """The configurations of :data:`POSTGRES_CONFIGS` this server has, plus ``simple`` (read once)."""
    alias = connection.alias
    if alias not in _available_configs:
        wanted = sorted(set(POSTGRES_CONFIGS.values()))
        with connection.cursor() as cursor:
            cursor.execute("SELECT cfgname FROM pg_ts_config WHERE cfgname = ANY(%s)", [wanted])
            present = {row[0] for row in cursor.fetchall()}
        _available_configs[alias] = (*[name for name in wanted if name in present], "simple")
    return _available_configs[alias]


def postgres_config_sql(language: str, configs: Sequence[str]) -> str:
    """SQL for the ``regconfig`` of a row whose language tag is the SQL expression ``language``."""
    cases = " ".join(
        f"WHEN '{code}' THEN '{name}'" for code, name in POSTGRES_CONFIGS.items() if name in configs
    )
    primary = f"lower(split_part(replace(coalesce({language}, ''), '_', '-'), '-', 1))"
    return f"(CASE {primary} {cases} ELSE 'simple' END)::regconfig"


@dataclass(frozen=True)
class PostgresDoc:
    """A side table of search vectors for one source table.

    ``weighted`` maps ts_rank weights (A..D) to source columns: they make the ``document``
    vector that search ranks. ``plain`` source columns, if any, make a second, unweighted
    ``similar`` vector with its own GIN index: similar-claim look-ups match on it without the
    heap rechecks that weight-restricted queries on ``document`` would need.
    """

    key: str
    table: str
    weighted: dict[str, str]
    plain: tuple[str, ...] = ()
    #: SQL for the row's language tag, ``{prefix}`` standing for how its columns are read.
    language: str = "{prefix}language"

    def vectors(self, prefix: str, config: str, fold_sql: Callable[[str], str] = fold_sql_postgres) -> dict[str, str]:
        """SQL for each vector column, reading source columns as ``{prefix}column``.

        ``document`` uses the row's own configuration (``config``, SQL for a ``regconfig``)
        over the folded text (``fold_sql``: :func:`search.normalize.fold_sql_postgres`); the stored text is
        untouched, so ``ts_headline`` still shows (and places) the original words. The
        ``wording`` vector for similar claims stays on ``english`` (folded too).
        """
        document = " || ".join(
            f"setweight(to_tsvector({config}, {fold_sql(f'coalesce({prefix}{column}, {EMPTY})')}), '{weight}')"
            for weight, column in self.weighted.items()
        )
        vectors = {"config": config, "document": document}
        if self.plain:
            text = " || ' ' || ".join(f"coalesce({prefix}{column}, '')" for column in self.plain)
            vectors["wording"] = f"to_tsvector('english'::regconfig, {fold_sql(text)})"
        return vectors

    def select(
        self, configs: Sequence[str], where: str = "", fold_sql: Callable[[str], str] = fold_sql_postgres
    ) -> str:
        """A SELECT of the key and every vector column for the source rows matching ``where``."""
        config = postgres_config_sql(self.language.format(prefix="t."), configs)
        vectors = self.vectors("s.", "s.cfg", fold_sql)
        vectors["config"] = "s.cfg"
        return (
            f"SELECT s.id, {', '.join(vectors.values())} "
            f"FROM (SELECT t.*, {config} AS cfg FROM {self.table} t{where}) AS s"
        )

    @property
    def sources(self) -> list[str]:
        columns = [*self.weighted.values(), *self.plain]
        if self.language == "{prefix}language":
            columns.append("language")
        return list(dict.fromkeys(columns))


EMPTY = "''"

POSTGRES_INDEXES = {
    "search_article_doc": PostgresDoc("article_id", "articles_article", {"A": "title", "B": "outlet", "D": "body"}),
    "search_claim_doc": PostgresDoc(
        "claim_id",
        "annotations_claim",
        {"A": "statement", "B": "exact", "C": "claimant", "D": "rationale"},
        plain=("statement", "exact"),
        # A claim is in its article's language.
        language="(SELECT a.language FROM articles_article a WHERE a.id = {prefix}article_id)",
    ),
}


def _upsert(
    name: str, doc: PostgresDoc, configs: Sequence[str], where: str, fold_sql: Callable[[str], str] = fold_sql_postgres
) -> str:
    """Re-index the source rows matching ``where`` into side table ``name``."""
    columns = ", ".join(doc.vectors("", "''"))
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in doc.vectors("", "''"))
    return (
        f"INSERT INTO {name} ({doc.key}, {columns}) {doc.select(configs, where, fold_sql)} "
        f"ON CONFLICT ({doc.key}) DO UPDATE SET {updates}"
    )


def _postgres_ddl(
    name: str, doc: PostgresDoc, configs: Sequence[str], fold_sql: Callable[[str], str] = fold_sql_postgres
) -> list[str]:
    key, table = doc.key, doc.table
    unchanged = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in doc.sources)
    vectors = doc.vectors("NEW.", "cfg", fold_sql)
    columns = ", ".join(vectors)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in vectors)
    config = postgres_config_sql(doc.language.format(prefix="NEW."), configs)
    # An article's new language re-indexes its claims, which are indexed in its language.
    follow = ""
    if table == "articles_article":
        claims = POSTGRES_INDEXES["search_claim_doc"]
        follow = (
            "IF TG_OP = 'UPDATE' AND NEW.language IS DISTINCT FROM OLD.language THEN "
            f"{_upsert('search_claim_doc', claims, configs, ' WHERE t.article_id = NEW.id', fold_sql)}; END IF;"
        )
    statements = [
        f"CREATE TABLE IF NOT EXISTS {name} ({key} bigint PRIMARY KEY, document tsvector NOT NULL)",
        f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS config regconfig NOT NULL DEFAULT 'simple'",
        f"CREATE INDEX IF NOT EXISTS {name}_gin ON {name} USING gin (document)",
    ]
    if "wording" in vectors:
        statements += [
            f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS wording tsvector",
            f"CREATE INDEX IF NOT EXISTS {name}_wording_gin ON {name} USING gin (wording)",
        ]
    return [
        *statements,
        f"""CREATE OR REPLACE FUNCTION {name}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          cfg regconfig;
        BEGIN
          IF TG_OP = 'DELETE' THEN
            DELETE FROM {name} WHERE {key} = OLD.id;
            RETURN OLD;
          END IF;
          IF TG_OP = 'UPDATE' AND {unchanged} THEN
            RETURN NEW;
          END IF;
          {follow}
          cfg := {config};
          INSERT INTO {name} ({key}, {columns}) VALUES (NEW.id, {", ".join(vectors.values())})
          ON CONFLICT ({key}) DO UPDATE SET {updates};
          RETURN NEW;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {name}_clear() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          DELETE FROM {name};
          RETURN NULL;
        END $$""",
        f"DROP TRIGGER IF EXISTS {name}_sync ON {table}",
        f"CREATE TRIGGER {name}_sync AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}_sync()",
        f"DROP TRIGGER IF EXISTS {name}_clear ON {table}",
        f"CREATE TRIGGER {name}_clear AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}_clear()",
    ]


def _postgres_objects() -> list[str]:
    # Not the fold function: the triggers :func:`install` writes call it and it is created with
    # them, but after migration search.0004 is reversed they no longer do (nor need it).
    names = []
    for name, doc in POSTGRES_INDEXES.items():
        names += [name, f"{name}_gin", f"{name}_sync", f"{name}_clear"]
        if doc.plain:
            names.append(f"{name}_wording_gin")
    return names


# --------------------------------------------------------------------------------------
# Install, check, rebuild
# --------------------------------------------------------------------------------------


def install(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Create the index tables and triggers (idempotent) and fill them from existing rows."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name, (table, columns) in SQLITE_INDEXES.items():
                try:
                    for statement in _sqlite_fts(name, table, columns):
                        cursor.execute(statement)
                except Exception as error:
                    if "fts5" in str(error).lower():
                        raise SearchUnavailable(
                            "This SQLite library was built without FTS5, which Factdesk's search needs. "
                            "Use a Python whose sqlite3 module includes FTS5, or PostgreSQL."
                        ) from error
                    raise
        elif connection.vendor == "postgresql":
            install_postgres_triggers(connection)
        else:
            return
    rebuild(connection)


def install_postgres_triggers(
    connection: BaseDatabaseWrapper = default_connection, *, inline_fold: bool = False
) -> None:
    """Create (or replace) the PostgreSQL index tables, the fold function and the triggers, without re-indexing.

    ``inline_fold`` writes the fold out in every trigger (:func:`search.normalize.fold_sql_postgres_inline`,
    as before migration ``search.0004``) and drops :data:`search.normalize.POSTGRES_FOLD_FUNCTION`;
    both give the same index, so neither needs a rebuild.
    """
    configs = postgres_configs(connection)
    fold_sql = fold_sql_postgres_inline if inline_fold else fold_sql_postgres
    with connection.cursor() as cursor:
        if not inline_fold:
            cursor.execute(postgres_fold_function())
        for name, doc in POSTGRES_INDEXES.items():
            for statement in _postgres_ddl(name, doc, configs, fold_sql):
                cursor.execute(statement)
        if inline_fold:
            cursor.execute(f"DROP FUNCTION IF EXISTS {POSTGRES_FOLD_FUNCTION}(text)")


def uninstall(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Drop everything :func:`install` created."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_INDEXES:
                for suffix in ("_ai", "_ad", "_au"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}{suffix}")
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            for name, doc in POSTGRES_INDEXES.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}_sync ON {doc.table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}_clear ON {doc.table}")
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}_sync()")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}_clear()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {POSTGRES_FOLD_FUNCTION}(text)")


def rebuild(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Recompute the whole index from the article and claim tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Not FTS5's 'rebuild', which would index the stored (unfolded) text.
            for name, (table, columns) in SQLITE_INDEXES.items():
                cursor.execute(f"INSERT INTO {name}({name}) VALUES ('delete-all')")
                cursor.execute(
                    f"INSERT INTO {name}(rowid, {', '.join(columns)}) "
                    f"SELECT id, {_sqlite_folded('', columns)} FROM {table}"
                )
        elif connection.vendor == "postgresql":
            configs = postgres_configs(connection)
            for name, doc in POSTGRES_INDEXES.items():
                cursor.execute(f"DELETE FROM {name}")
                cursor.execute(_upsert(name, doc, configs, ""))


def missing_objects(connection: BaseDatabaseWrapper = default_connection) -> list[str]:
    """Index tables or triggers that should exist but do not (empty when all is well)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            expected = _sqlite_objects()
            cursor.execute(
                f"SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name IN ({_in_list(expected)})",
                expected,
            )
        elif connection.vendor == "postgresql":
            expected = _postgres_objects()
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind IN ('r', 'i') "
                "AND relnamespace = to_regnamespace(current_schema())::oid "
                "UNION SELECT tgname FROM pg_trigger WHERE tgname = ANY(%s)",
                [expected, expected],
            )
        else:
            return []
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in expected if name not in present]


def ensure(connection: BaseDatabaseWrapper = default_connection) -> bool:
    """Re-create missing index objects and rebuild; True when a repair was needed."""
    if not missing_objects(connection):
        return False
    install(connection)
    return True


# --------------------------------------------------------------------------------------
# Bounds: snippet windows and the time budget
# --------------------------------------------------------------------------------------

#: At most this many of the query's phrases and words are looked for to place a window (the
#: first one found wins); each look is a linear scan of one column of one row of the page.
WINDOW_NEEDLES = 3
#: The smallest window the setting may ask for: below this a snippet says nothing.
MIN_WINDOW = 80
#: SQLite calls the progress handler every this many virtual-machine steps (about 0.1 ms).
PROGRESS_STEPS = 1000
#: PostgreSQL's SQLSTATE for a statement cancelled (by ``statement_timeout`` here).
QUERY_CANCELED = "57014"


def snippet_window() -> int:
    """Characters of a long column a snippet may be made from (``FACTDESK_SEARCH_SNIPPET_WINDOW``)."""
    return max(MIN_WINDOW, int(settings.FACTDESK_SEARCH_SNIPPET_WINDOW))


def window_needles(query: ParsedQuery) -> list[str]:
    """What to look for to place a window: phrases first (the most telling), then words, each
    as written in lower case and capitalised ("budget", "Budget").

    Two spellings instead of ``lower(column)``: lower-casing copies the whole column for every
    look (on PostgreSQL about five times slower than the look itself), and running text has
    words in these two forms; one in capitals only ("BUDGET") is missed and gets the window at
    the start.
    """
    needles: dict[str, None] = {}
    for part in [*(" ".join(phrase) for phrase in query.phrases), *query.words][:WINDOW_NEEDLES]:
        needles.setdefault(part, None)
        needles.setdefault(part[:1].upper() + part[1:], None)
    return list(needles)


def _window_start(find: str, column: str, needles: int, window: int) -> str:
    """SQL for where ``column``'s window starts: the first needle found (``find`` is ``instr``
    or ``strpos``, both haystack first), centred, or the start of the text when none is.

    ``coalesce`` stops at the first needle found, so usually only one scan runs.
    """
    finds = [f"nullif({find}({column}, %s), 0)" for _ in range(needles)]
    position = f"coalesce({', '.join(finds)}, 0)" if finds else "0"
    greatest = "max" if find == "instr" else "greatest"
    return f"{greatest}(1, {position} - {window // 2})"


def _light_stem(word: str) -> str:
    """A rough English stem, only to decide which words of a window to highlight.

    Matching is the index's business (FTS5's Porter stemmer); this only has to agree with it
    on common inflections ("rising", "rises", "rise"; "cuts", "cutting"; "policies", "policy").
    A disagreement costs a missing or extra highlight, never a wrong hit.
    """
    for suffix in ("ing", "ed", "es", "s"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3:
            if suffix == "s" and stem[-1] in "sui":  # "class", "status", "thesis"
                break
            if suffix == "ed" and stem.endswith("e"):  # "agreed", "bleed"
                break
            word = stem
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":  # "cutt" -> "cut"
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word.endswith("y"):
        word = word[:-1] + "i"
    return word


@dataclass(frozen=True, slots=True)
class HighlightTerms:
    """The query's words and phrases as light stems, for :func:`window_snippet`."""

    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, query: ParsedQuery) -> HighlightTerms:
        return cls(
            words=frozenset(_light_stem(word) for word in query.words),
            phrases=tuple(tuple(_light_stem(word) for word in phrase) for phrase in query.phrases),
        )

    def spans(self, stems: Sequence[str]) -> list[tuple[int, int]]:
        """(first, last) token indexes to highlight, in order, overlapping spans merged."""
        found: list[tuple[int, int]] = []
        for position, stem in enumerate(stems):
            if stem in self.words:
                found.append((position, position))
            for phrase in self.phrases:
                if tuple(stems[position : position + len(phrase)]) == phrase:
                    found.append((position, position + len(phrase) - 1))
        merged: list[tuple[int, int]] = []
        for first, last in sorted(found):
            if merged and first <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
            else:
                merged.append((first, last))
        return merged


def window_snippet(text: str | None, start: int, window: int, terms: HighlightTerms) -> str:
    """A snippet of about :data:`SNIPPET_WORDS` words from one window, highlights marked.

    ``text`` is the window as the database cut it: ``window + 1`` characters from ``start``
    (1-based), the extra one telling whether the column goes on. Like FTS5's ``snippet()``, it
    starts a little before the first highlight and shows "…" where text was left out. Words
    cut in half at the window's edges are dropped.
    """
    text = text or ""
    cut_before, cut_after = start > 1, len(text) > window
    text = text[:window]
    # Words with their marks, compared folded: "كَتَبَ" in the text is the query's "كتب", and
    # the spans stay positions in the original text.
    tokens = list(WORD_WITH_MARKS.finditer(text))
    if cut_before and tokens and tokens[0].start() == 0:
        tokens = tokens[1:]
    if cut_after and tokens and tokens[-1].end() == len(text):
        tokens = tokens[:-1]
    if not tokens:
        return ""
    spans = terms.spans([_light_stem(fold(token.group()).lower()) for token in tokens])
    first_hit = spans[0][0] if spans else 0
    last = min(len(tokens), max(0, first_hit - SNIPPET_WORDS // 4) + SNIPPET_WORDS)
    first = max(0, last - SNIPPET_WORDS)
    # Text before the first word and after the last one is kept where nothing was left out.
    whole_start, whole_end = not cut_before and first == 0, not cut_after and last == len(tokens)
    pieces = ["" if whole_start else "…"]
    position = 0 if whole_start else tokens[first].start()
    for span_first, span_last in spans:
        span_first, span_last = max(span_first, first), min(span_last, last - 1)
        if span_first > span_last:
            continue
        pieces += [
            text[position : tokens[span_first].start()],
            START, text[tokens[span_first].start() : tokens[span_last].end()], STOP,
        ]
        position = tokens[span_last].end()
    pieces += [text[position : len(text) if whole_end else tokens[last - 1].end()], "" if whole_end else "…"]
    return "".join(pieces).strip()


def _is_timeout(error: BaseException) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == QUERY_CANCELED or getattr(cause, "pgcode", None) == QUERY_CANCELED


@contextmanager
def time_budget(
    connection: BaseDatabaseWrapper = default_connection, milliseconds: int | None = None
) -> Iterator[None]:
    """Stop any statement run inside the block after ``milliseconds`` (default
    ``FACTDESK_SEARCH_TIMEOUT_MS``; 0 or less means no budget) and raise :class:`SearchTimeout`.

    Why: one search over huge documents or thousands of hits must not hold a worker until
    gunicorn kills it. The database itself stops the statement, so the worker is free at once.

    * PostgreSQL: ``SET LOCAL statement_timeout`` in a transaction (a savepoint when one is
      already open). The block is always rolled back at the end -- a search only reads -- so
      the setting never outlives it.
    * SQLite: a progress handler that aborts the running statement once the deadline passes;
      every statement gets the full budget (the deadline restarts at each ``execute``), the
      same as ``statement_timeout``. A single long C call (one function over one huge value)
      is only stopped when it returns, which is why the snippet windows are bounded too.
    """
    budget = settings.FACTDESK_SEARCH_TIMEOUT_MS if milliseconds is None else milliseconds
    if budget <= 0 or connection.vendor not in ("sqlite", "postgresql"):
        yield
        return
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(using=connection.alias):
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL statement_timeout = {int(budget)}")
                try:
                    yield
                finally:
                    transaction.set_rollback(True, using=connection.alias)
        except DatabaseError as error:
            if _is_timeout(error):
                raise SearchTimeout(f"The search ran longer than {budget} ms.") from error
            raise
        return
    deadline = [time.monotonic() + budget / 1000]  # restarted by every execute below
    expired = [False]

    def progress() -> int:
        if time.monotonic() > deadline[0]:
            expired[0] = True
            return 1  # non-zero: SQLite interrupts the statement
        return 0

    def restart_clock(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        deadline[0] = time.monotonic() + budget / 1000
        return execute(sql, params, many, context)

    connection.ensure_connection()
    raw = connection.connection
    raw.set_progress_handler(progress, PROGRESS_STEPS)
    try:
        with connection.execute_wrapper(restart_clock):
            yield
    except DatabaseError as error:
        if expired[0]:
            raise SearchTimeout(f"The search ran longer than {budget} ms.") from error
        raise
    finally:
        raw.set_progress_handler(None, 0)


# --------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimFilter:
    """Restrictions on claim hits: any of these statuses / verdict label ids (empty = any)."""

    statuses: tuple[str, ...] = ()
    verdict_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ArticleRow:
    id: int
    score: float
    title: str  # with START/STOP markers
    snippet: str


@dataclass(frozen=True, slots=True)
class ClaimRow:
    id: int
    score: float
    statement: str  # with START/STOP markers
    quote: str
    rationale: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A claim that shares words with the one being matched (for :mod:`search.similarity`)."""

    id: int
    statement: str
    exact: str


def _in_list(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


class _ClaimIndex:
    """What both backends share: claim filters and the candidate query for similar claims.

    A backend supplies the SQL that differs: how a value list is matched (``_in``), which
    table holds the claim index (``_claim_source``), the all-words query (``_all_words_top``)
    and the query one word's hits come from (``_word_hits``).
    """

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def _in(self, column: str, values: Sequence[object]) -> tuple[str, list[object]]:
        raise NotImplementedError

    def _all_words_top(self, words: Sequence[str], published: str) -> tuple[str, list[object]]:
        raise NotImplementedError

    def _word_hits(self) -> str:
        raise NotImplementedError

    def _word_param(self, word: str) -> str:
        raise NotImplementedError

    def _claim_where(self, filters: ClaimFilter) -> tuple[str, list[object]]:
        sql, params = "", []
        if filters.statuses:
            clause, values = self._in("c.status", filters.statuses)
            sql += f" AND {clause}"
            params += values
        if filters.verdict_ids:
            clause, values = self._in("c.verdict_id", filters.verdict_ids)
            sql += f" AND {clause}"
            params += values
        return sql, params

    def candidates(
        self,
        weighted: Sequence[tuple[str, float]],
        *,
        require_all: bool,
        exclude_article_id: int,
        published_only: bool,
        limit: int,
    ) -> list[Candidate]:
        """Claims of other articles sharing the words, best first.

        By default a claim's score is the sum of the weights of the words it contains (the
        caller passes inverse document frequencies), computed by the database over the words'
        posting lists. With ``require_all`` only claims containing every word qualify, ranked
        by the backend's relevance -- the fallback for claims made only of very common words.
        """
        if not weighted:
            return []
        # Readers only ever see published claims: filter before the cut, not after it.
        published = (
            " JOIN annotations_claim p ON p.id = hits.id AND p.status = 'published'" if published_only else ""
        )
        if require_all:
            top, params = self._all_words_top([word for word, _ in weighted], published)
        else:
            union = " UNION ALL ".join([self._word_hits()] * len(weighted))
            top = (
                f"SELECT hits.id, sum(hits.w) AS score FROM ({union}) AS hits{published} "
                "GROUP BY hits.id ORDER BY score DESC, hits.id LIMIT %s"
            )
            params = []
            for word, weight in weighted:
                params += [float(weight), self._word_param(word)]
        params.append(limit)
        sql = f"""
            SELECT c.id, c.statement, c.exact FROM ({top}) AS top JOIN annotations_claim c ON c.id = top.id
            WHERE c.article_id <> %s
            ORDER BY top.score DESC, c.id
        """
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*params, exclude_article_id])
            return [Candidate(*row) for row in cursor.fetchall()]


class SQLiteIndex(_ClaimIndex):
    """FTS5 queries. Scores are bm25 (lower is better) negated, so higher is better everywhere."""

    ARTICLE_WEIGHTS = "10.0, 1.0, 4.0"
    CLAIM_WEIGHTS = "4.0, 3.0, 2.0, 1.0"

    def _in(self, column: str, values: Sequence[object]) -> tuple[str, list[object]]:
        return f"{column} IN ({_in_list(values)})", list(values)

    @staticmethod
    def _claim_source(filters: ClaimFilter) -> str:
        # The claim table is joined only to filter: the triggers keep index and table in step.
        if filters.statuses or filters.verdict_ids:
            return "search_claim_fts f JOIN annotations_claim c ON c.id = f.rowid"
        return "search_claim_fts f"

    def count_articles(self, query: ParsedQuery) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM search_article_fts WHERE search_article_fts MATCH %s", [fts5_match(query)]
            )
            return cursor.fetchone()[0]

    def article_ids(self, query: ParsedQuery) -> tuple[str, list[object]]:
        """SQL (and its parameters) selecting the ids of the articles matching ``query``, unranked.

        For filtering a list by text (``annotations.selectors.article_list``): the FTS index
        answers instead of a ``LIKE`` scan of every body.
        """
        return "SELECT rowid FROM search_article_fts WHERE search_article_fts MATCH %s", [fts5_match(query)]

    def articles(self, query: ParsedQuery, offset: int, limit: int) -> list[ArticleRow]:
        # ``page`` ranks the hits and places each body's window, for the page's rows only; its
        # LIMIT also keeps SQLite from folding it into the outer query, which would scan each
        # body once per use of ``start``. The outer query highlights titles (short) with FTS5
        # and cuts the windows; :func:`window_snippet` highlights those. CROSS JOIN makes SQLite
        # loop over the page's rows and look each up in the index, rather than loop over every
        # hit of the query and read its row to find out whether it is on the page.
        match, needles, window = fts5_match(query), window_needles(query), snippet_window()
        sql = f"""
            WITH page AS (
                SELECT a.id, {_window_start("instr", "a.body", len(needles), window)} AS start
                FROM articles_article a
                WHERE a.id IN (
                    SELECT rowid FROM search_article_fts WHERE search_article_fts MATCH %s
                    ORDER BY bm25(search_article_fts, {self.ARTICLE_WEIGHTS}), rowid DESC LIMIT %s OFFSET %s
                )
                LIMIT %s
            )
            SELECT search_article_fts.rowid, -bm25(search_article_fts, {self.ARTICLE_WEIGHTS}) AS score,
                   highlight(search_article_fts, 0, char(2), char(3)),
                   page.start, substr(a.body, page.start, {window + 1})
            FROM page
            CROSS JOIN search_article_fts ON search_article_fts.rowid = page.id
            CROSS JOIN articles_article a ON a.id = page.id
            WHERE search_article_fts MATCH %s
            ORDER BY score DESC, search_article_fts.rowid DESC
        """
        terms = HighlightTerms.of(query)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*needles, match, limit, offset, limit, match])
            return [
                ArticleRow(pk, score, title, window_snippet(body, start, window, terms))
                for pk, score, title, start, body in cursor.fetchall()
            ]

    def count_claims(self, query: ParsedQuery, filters: ClaimFilter) -> int:
        where, params = self._claim_where(filters)
        sql = f"SELECT count(*) FROM {self._claim_source(filters)} WHERE search_claim_fts MATCH %s{where}"
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [fts5_match(query), *params])
            return cursor.fetchone()[0]

    def claims(self, query: ParsedQuery, filters: ClaimFilter, offset: int, limit: int) -> list[ClaimRow]:
        # Built like :meth:`articles`: quote and rationale each get a window; statements are
        # short and highlighted whole by FTS5.
        match, needles, window = fts5_match(query), window_needles(query), snippet_window()
        where, params = self._claim_where(filters)
        sql = f"""
            WITH page AS (
                SELECT hit.id,
                       {_window_start("instr", "hit.exact", len(needles), window)} AS quote_start,
                       {_window_start("instr", "hit.rationale", len(needles), window)} AS rationale_start
                FROM annotations_claim hit
                WHERE hit.id IN (
                    SELECT f.rowid FROM {self._claim_source(filters)}
                    WHERE search_claim_fts MATCH %s{where}
                    ORDER BY bm25(search_claim_fts, {self.CLAIM_WEIGHTS}), f.rowid DESC LIMIT %s OFFSET %s
                )
                LIMIT %s
            )
            SELECT search_claim_fts.rowid, -bm25(search_claim_fts, {self.CLAIM_WEIGHTS}) AS score,
                   highlight(search_claim_fts, 0, char(2), char(3)),
                   page.quote_start, substr(hit.exact, page.quote_start, {window + 1}),
                   page.rationale_start, substr(hit.rationale, page.rationale_start, {window + 1})
            FROM page
            CROSS JOIN search_claim_fts ON search_claim_fts.rowid = page.id
            CROSS JOIN annotations_claim hit ON hit.id = page.id
            WHERE search_claim_fts MATCH %s
            ORDER BY score DESC, search_claim_fts.rowid DESC
        """
        terms = HighlightTerms.of(query)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*needles, *needles, match, *params, limit, offset, limit, match])
            return [
                ClaimRow(
                    pk, score, statement,
                    window_snippet(quote, quote_start, window, terms),
                    window_snippet(rationale, rationale_start, window, terms),
                )
                for pk, score, statement, quote_start, quote, rationale_start, rationale in cursor.fetchall()
            ]

    @staticmethod
    def _similar_match(words: Sequence[str]) -> str:
        # Only the statement and quote columns count for similarity; all words must appear.
        return "{statement exact} : (" + " AND ".join(f'"{word}"' for word in words) + ")"

    def claim_total(self) -> int:
        """About how many claims there are (the highest id: instant, and close enough for weights)."""
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM annotations_claim")
            return cursor.fetchone()[0]

    def claim_word_counts(self, words: Sequence[str], cap: int, total: int = 0) -> dict[str, int]:
        """{word: claims whose statement or quote has it}, each count capped at ``cap + 1``.

        The cap keeps the cost bounded: a word in more claims than that is too common to be
        worth an exact count (or a place in the candidate query).
        """
        parts: list[str] = []
        params: list[object] = []
        for position, word in enumerate(words):
            parts.append(
                f"SELECT {position}, count(*) FROM (SELECT 1 FROM search_claim_fts "
                f"WHERE search_claim_fts MATCH %s LIMIT {int(cap) + 1})"
            )
            params.append(self._similar_match([word]))
        with self.connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            return {words[position]: count for position, count in cursor.fetchall()}

    def _all_words_top(self, words: Sequence[str], published: str) -> tuple[str, list[object]]:
        top = (
            "SELECT hits.id, hits.score FROM (SELECT rowid AS id, -bm25(search_claim_fts, 4.0, 3.0, 0.0, 0.0) "
            f"AS score FROM search_claim_fts WHERE search_claim_fts MATCH %s) AS hits{published} "
            "ORDER BY hits.score DESC, hits.id LIMIT %s"
        )
        return top, [self._similar_match(words)]

    def _word_hits(self) -> str:
        return "SELECT rowid AS id, %s AS w FROM search_claim_fts WHERE search_claim_fts MATCH %s"

    def _word_param(self, word: str) -> str:
        return self._similar_match([word])


class PostgresIndex(_ClaimIndex):
    """PostgreSQL full-text queries over the stored, weighted vectors."""

    # ts_rank weights for {D, C, B, A}: the same ratios as the SQLite bm25 column weights.
    ARTICLE_WEIGHTS = "{0.1, 0.1, 0.4, 1.0}"
    CLAIM_WEIGHTS = "{0.25, 0.5, 0.75, 1.0}"
    # Rank normalisation 1: divide by 1 + log(length), like bm25's preference for focused text.
    NORMALIZATION = 1
    HEADLINE = (
        "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || "
        f"', MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}, MaxFragments=2, FragmentDelimiter=\" … \"'"
    )
    HEADLINE_ALL = "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', HighlightAll=true'"
    # A long column's value, decompressed once per row: each function reading a stored
    # (TOASTed) value decompresses all of it again, so looking for several needles and cutting
    # the window would each pay for the whole document. ``|| ''`` makes an in-memory copy;
    # OFFSET 0 keeps the planner from folding the subquery back into its callers.
    DETOASTED = "SELECT {column} || '' AS text OFFSET 0"

    def _in(self, column: str, values: Sequence[object]) -> tuple[str, list[object]]:
        return f"{column} = ANY(%s)", [list(values)]

    @staticmethod
    def _claim_source(filters: ClaimFilter) -> str:
        # The claim table is joined only to filter: the triggers keep index and table in step.
        if filters.statuses or filters.verdict_ids:
            return "search_claim_doc d JOIN annotations_claim c ON c.id = d.claim_id"
        return "search_claim_doc d"

    def _tsquery(self) -> str:
        """SQL for the query (one ``%s``) as a tsquery that matches documents of every language.

        Each document is indexed with its own language's configuration, so the query is parsed
        with each configuration the server has (:func:`postgres_configs`) and the results ORed:
        a constant tsquery, so the GIN index still answers ``@@``.
        """
        # Configurations without stemming parse alike ("zebra" is 'zebra' in most): each distinct
        # parse is kept once, and one that is empty (all stop words there) is left out.
        configs = ", ".join(f"'{name}'" for name in postgres_configs(self.connection))
        return (
            "(SELECT string_agg(DISTINCT '(' || w.q::text || ')', ' | ')::tsquery "
            f"FROM unnest(ARRAY[{configs}]::regconfig[]) AS c(cfg), "
            "LATERAL (SELECT websearch_to_tsquery(c.cfg, %s::text) AS q) AS w WHERE numnode(w.q) > 0)"
        )

    #: The query again for ``ts_headline``, parsed in each row's own configuration.
    HEADLINE_QUERY = "(SELECT %s::text AS t) AS qt"

    def count_articles(self, query: ParsedQuery) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM search_article_doc d WHERE d.document @@ {self._tsquery()}",
                [websearch_text(query)],
            )
            return cursor.fetchone()[0]

    def article_ids(self, query: ParsedQuery) -> tuple[str, list[object]]:
        """See :meth:`SQLiteIndex.article_ids` (the GIN index on the article documents answers)."""
        return f"SELECT d.article_id FROM search_article_doc d WHERE d.document @@ {self._tsquery()}", [
            websearch_text(query)
        ]

    def articles(self, query: ParsedQuery, offset: int, limit: int) -> list[ArticleRow]:
        # ts_headline reads only the body's window (see the module docstring); ``start`` is
        # used once, so each body is scanned once, and only for the page's rows.
        needles, window = window_needles(query), snippet_window()
        start = _window_start("strpos", "body.text", len(needles), window)
        sql = f"""
            SELECT a.id, top.score,
                   ts_headline(top.config, a.title, websearch_to_tsquery(top.config, qt.t), {self.HEADLINE_ALL}),
                   ts_headline(top.config, substr(body.text, {start}, {window}),
                               websearch_to_tsquery(top.config, qt.t), {self.HEADLINE})
            FROM (
                SELECT d.article_id, d.config,
                       ts_rank('{self.ARTICLE_WEIGHTS}', d.document, q, {self.NORMALIZATION}) AS score
                FROM search_article_doc d,
                     {self._tsquery()} AS q(q)
                WHERE d.document @@ q
                ORDER BY score DESC, d.article_id DESC LIMIT %s OFFSET %s
            ) AS top
            JOIN articles_article a ON a.id = top.article_id
            CROSS JOIN LATERAL ({self.DETOASTED.format(column="a.body")}) AS body,
            {self.HEADLINE_QUERY}
            ORDER BY top.score DESC, a.id DESC
        """
        text = websearch_text(query)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*needles, text, limit, offset, text])
            return [ArticleRow(*row) for row in cursor.fetchall()]

    def count_claims(self, query: ParsedQuery, filters: ClaimFilter) -> int:
        where, params = self._claim_where(filters)
        sql = (
            f"SELECT count(*) FROM {self._claim_source(filters)} "
            f"WHERE d.document @@ {self._tsquery()}{where}"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [websearch_text(query), *params])
            return cursor.fetchone()[0]

    def claims(self, query: ParsedQuery, filters: ClaimFilter, offset: int, limit: int) -> list[ClaimRow]:
        # As in :meth:`articles`: quote and rationale are headlined within their windows.
        needles, window = window_needles(query), snippet_window()
        where, params = self._claim_where(filters)
        quote_start = _window_start("strpos", "quote.text", len(needles), window)
        rationale_start = _window_start("strpos", "rationale.text", len(needles), window)
        sql = f"""
            SELECT c.id, top.score,
                   ts_headline(top.config, c.statement, websearch_to_tsquery(top.config, qt.t), {self.HEADLINE_ALL}),
                   ts_headline(top.config, substr(quote.text, {quote_start}, {window}),
                               websearch_to_tsquery(top.config, qt.t), {self.HEADLINE}),
                   ts_headline(top.config, substr(rationale.text, {rationale_start}, {window}),
                               websearch_to_tsquery(top.config, qt.t), {self.HEADLINE})
            FROM (
                SELECT d.claim_id, d.config,
                       ts_rank('{self.CLAIM_WEIGHTS}', d.document, q, {self.NORMALIZATION}) AS score
                FROM {self._claim_source(filters)},
                     {self._tsquery()} AS q(q)
                WHERE d.document @@ q{where}
                ORDER BY score DESC, d.claim_id DESC LIMIT %s OFFSET %s
            ) AS top
            JOIN annotations_claim c ON c.id = top.claim_id
            CROSS JOIN LATERAL ({self.DETOASTED.format(column="c.exact")}) AS quote
            CROSS JOIN LATERAL ({self.DETOASTED.format(column="c.rationale")}) AS rationale,
            {self.HEADLINE_QUERY}
            ORDER BY top.score DESC, c.id DESC
        """
        text = websearch_text(query)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*needles, *needles, text, *params, limit, offset, text])
            return [ClaimRow(*row) for row in cursor.fetchall()]

    @staticmethod
    def _similar_tsquery(words: Sequence[str]) -> str:
        # to_tsquery input over the ``wording`` vector (statement and quote). Words are letters
        # and digits only (search.query.tokenize), so nothing here is tsquery syntax.
        return " & ".join(words)

    def claim_total(self) -> int:
        """See :meth:`SQLiteIndex.claim_total`."""
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM annotations_claim")
            return cursor.fetchone()[0]

    def _known_frequencies(self, words: Sequence[str]) -> dict[str, float]:
        """Share of claims containing each word, where the planner's statistics know it (the
        most common elements ANALYZE keeps for the ``wording`` vector).

        Counting a common word exactly would visit thousands of rows; the statistics answer
        in one catalogue read. Without statistics (a fresh database) nothing is known and every
        word is counted, which is cheap on a small desk.
        """
        sql = """
            SELECT w.word, f.freq FROM unnest(%s::text[]) AS w(word)
            JOIN (
                SELECT e.elem, e.freq FROM pg_stats st,
                LATERAL unnest(st.most_common_elems::text::text[], st.most_common_elem_freqs) AS e(elem, freq)
                WHERE st.schemaname = current_schema() AND st.tablename = 'search_claim_doc'
                  AND st.attname = 'wording'
            ) AS f ON f.elem = (tsvector_to_array(to_tsvector('english', w.word)))[1]
        """
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [list(words)])
            return dict(cursor.fetchall())

    def claim_word_counts(self, words: Sequence[str], cap: int, total: int = 0) -> dict[str, int]:
        """See :meth:`SQLiteIndex.claim_word_counts`. Words the statistics know are estimated
        from them (frequency x ``total``) instead of counted."""
        known = self._known_frequencies(words) if total else {}
        counts = {word: min(int(cap) + 1, max(1, round(share * total))) for word, share in known.items()}
        rest = [word for word in words if word not in counts]
        if not rest:
            return counts
        parts: list[str] = []
        params: list[object] = []
        for position, word in enumerate(rest):
            parts.append(
                f"(SELECT {position}, count(*) FROM (SELECT 1 FROM search_claim_doc "
                f"WHERE wording @@ to_tsquery('english', %s) LIMIT {int(cap) + 1}) AS hits)"
            )
            params.append(self._similar_tsquery([word]))
        with self.connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            counts.update({rest[position]: count for position, count in cursor.fetchall()})
        return counts

    def _all_words_top(self, words: Sequence[str], published: str) -> tuple[str, list[object]]:
        top = (
            "SELECT hits.id, hits.score FROM (SELECT d.claim_id AS id, "
            f"ts_rank(d.wording, q, {self.NORMALIZATION}) AS score FROM search_claim_doc d, "
            f"to_tsquery('english', %s) q WHERE d.wording @@ q) AS hits{published} "
            "ORDER BY hits.score DESC, hits.id LIMIT %s"
        )
        return top, [self._similar_tsquery(words)]

    def _word_hits(self) -> str:
        return (
            "SELECT claim_id AS id, %s::float8 AS w FROM search_claim_doc "
            "WHERE wording @@ to_tsquery('english', %s)"
        )

    def _word_param(self, word: str) -> str:
        return self._similar_tsquery([word])


def backend(connection: BaseDatabaseWrapper = default_connection) -> SQLiteIndex | PostgresIndex:
    """The index implementation for ``connection``'s database."""
    if connection.vendor == "sqlite":
        return SQLiteIndex(connection)
    if connection.vendor == "postgresql":
        return PostgresIndex(connection)
    raise SearchUnavailable(f"Search supports SQLite (FTS5) and PostgreSQL, not {connection.vendor}.")
