"""The PostgreSQL fold function (``search.normalize.postgres_fold_function``) against the fold
written out in full (``fold_sql_postgres_inline``): the same text for every input.

The index triggers fold every article and claim through the function; its shortcuts rest on
two character sets computed from Python's Unicode tables, so these tests check them against
the server's own: every code point, alone and decomposed. PostgreSQL only
(``DATABASE_URL=postgres://.../name pytest tests/test_search_fold.py``); skipped on SQLite,
whose index folds in Python (``search.normalize.fold``).
"""

from __future__ import annotations

import random

import pytest
from django.db import connection

from search import index
from search.normalize import OPTIONAL_MARKS, POSTGRES_FOLD_FUNCTION, fold, fold_sql_postgres_inline
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the fold function is PostgreSQL's (SQLite folds in Python)")


def differences(texts_sql: str, params: list[object] | None = None) -> list[tuple[str, str, str]]:
    """Texts (from ``texts_sql``, one column ``t``) the function folds differently from the inline fold."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t, {POSTGRES_FOLD_FUNCTION}(t), {fold_sql_postgres_inline('t')} FROM ({texts_sql}) AS x "  # noqa: S608
            f"WHERE {POSTGRES_FOLD_FUNCTION}(t) IS DISTINCT FROM {fold_sql_postgres_inline('t')}",
            params or [],
        )
        return cursor.fetchall()


def test_every_code_point_alone_and_decomposed_folds_as_the_inline_fold():
    code_points = "SELECT chr(c) AS t FROM generate_series(1, 1114111) AS c WHERE c NOT BETWEEN 55296 AND 57343"
    assert differences(code_points) == []
    assert differences(f"SELECT normalize(p.t, NFD) AS t FROM ({code_points}) AS p") == []  # noqa: S608


TRICKY = [
    "",
    "plain ASCII text",
    "“Curly quotes” and ø and ß stay",
    "café Zürich, Ångström, Dvořák, Łódź, Nguyễn Thị Minh Khai",
    "cafe\u0301 decomposed e\u0308 and a\u030a",  # not NFC: decomposed accents
    "وَأَكَّدَ الوَزِيرُ الشبكــة أحمد",  # harakat, tatweel, hamza (kept)
    "\u0627\u0610\u0654",  # alef, a Quranic mark, hamza above: NFC composes only once the mark is gone
    "\u0627\u0654\u064e",  # alef, hamza above, fatha (not NFC: the marks out of canonical order)
    "שָׁלוֹם \ufb2c \ufb4b",  # points, presentation forms with points
    "Ω \u2126 \u212b K",  # singletons NFC changes (ohm, angstrom, kelvin)
    "한국어 \u1100\u1161\u11a8",  # Hangul syllables and conjoining jamo
    "क़ \u0915\u093c हिन्दी",  # a composition exclusion, nukta, virama
    "ΐ ά Ὰ ϓ й ё",  # Greek with tonos and dialytika, Cyrillic short i and yo
    "x\u0640\u0301y \u0301leading mark",
    "\U0001d15e \U0001d160",  # musical symbols with canonical decompositions
]


def test_tricky_texts_fold_as_the_inline_fold_and_as_python():
    assert differences("SELECT unnest(%s::text[]) AS t", [TRICKY]) == []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {POSTGRES_FOLD_FUNCTION}(t) FROM unnest(%s::text[]) AS t", [TRICKY])  # noqa: S608
        assert [row[0] for row in cursor.fetchall()] == [fold(text) for text in TRICKY]


def test_random_mixtures_of_letters_marks_and_composites_fold_as_the_inline_fold():
    rng = random.Random(19)
    alphabet = [*"aeiouAEOnNcs ", *OPTIONAL_MARKS, *"éÅñüǖệ\u0654\u0655\u0653\u093c\u094d\u1161\u11a8가ا", "\u0300"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    assert differences("SELECT unnest(%s::text[]) AS t", [texts]) == []


def fold_function_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = %s", [POSTGRES_FOLD_FUNCTION])
        exists = cursor.fetchone()[0] == 1
        cursor.execute("SELECT pg_get_functiondef('search_article_doc_sync'::regproc)")
        assert (POSTGRES_FOLD_FUNCTION in cursor.fetchone()[0]) is exists  # the triggers call it iff it exists
    return exists


def test_the_index_is_the_same_with_the_fold_written_out_and_back():
    """Migration search.0004 both ways: the triggers' vectors do not change."""
    article = ArticleFactory(title="Zürich’s café", body="وَأَكَّدَ الوَزِيرُ that the Ångström café reopened.")

    def document() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT document::text FROM search_article_doc WHERE article_id = %s", [article.pk])
            return cursor.fetchone()[0]

    original = article.body
    before = document()
    index.install_postgres_triggers(connection, inline_fold=True)
    assert fold_function_exists() is False
    article.body = original + " Ça a coûté 38 millions."
    article.save()
    written_out = document()

    index.install_postgres_triggers(connection)
    assert fold_function_exists() is True
    assert index.missing_objects(connection) == []
    article.body = original
    article.save()
    assert document() == before
    article.body = original + " Ça a coûté 38 millions."
    article.save()
    assert document() == written_out
