"""Search in other languages: Arabic with or without diacritics, per-language configurations.

Runs on SQLite (FTS5) by default and on PostgreSQL with
``DATABASE_URL=postgres://.../name pytest tests/test_search_languages.py``: the same
assertions hold on both.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from django.db import connection

from articles.models import Article
from search import index
from search.normalize import OPTIONAL_MARKS, WORD_WITH_MARKS, fold
from search.query import parse_query
from search.results import search_articles, search_claims
from tests.factories import ArticleFactory, ClaimFactory

FIXTURES = Path(__file__).parent / "fixtures"
ARABIC_BODY = (FIXTURES / "arabic_article.txt").read_text(encoding="utf-8")
ARABIC_TITLE = (FIXTURES / "arabic_article_title.txt").read_text(encoding="utf-8").strip()


# --- Folding (pure) -----------------------------------------------------------------------


def test_fold_removes_harakat_and_tatweel_but_keeps_letters():
    assert fold("وَأَكَّدَ الوَزِيرُ") == "وأكد الوزير"
    assert fold("الشبكــة") == "الشبكة"
    assert fold("أحمد") == "أحمد"  # hamza is a letter's spelling, not an optional mark


def test_fold_removes_latin_accents_and_hebrew_points():
    assert fold("café Zürich") == "cafe Zurich"
    assert fold("שָׁלוֹם") == "שלום"


def test_fold_removes_every_optional_mark_and_nothing_next_to_the_ranges():
    assert fold("a" + OPTIONAL_MARKS + "b") == "ab"
    neighbours = "".join(chr(ord(mark) + step) for mark in OPTIONAL_MARKS for step in (-1, 1))
    kept = "".join(char for char in neighbours if char not in OPTIONAL_MARKS)
    assert fold("a" + kept + "b") == unicodedata.normalize("NFC", "a" + kept + "b")


def test_fold_keeps_indic_vowel_signs():
    assert fold("कुछ") == "कुछ"


def test_a_word_with_harakat_is_one_word_for_highlighting():
    assert [m.group() for m in WORD_WITH_MARKS.finditer("وَأَكَّدَ الوَزِيرُ")] == ["وَأَكَّدَ", "الوَزِيرُ"]


def test_query_words_are_folded_before_they_are_split():
    assert parse_query("المَشْرُوعَ").words == ("المشروع",)
    assert parse_query("الشبكــة").words == ("الشبكة",)


# --- Both databases ---------------------------------------------------------------------------


@pytest.fixture
def arabic(db) -> Article:
    english = ArticleFactory(
        title="Harbour bridge repairs", body="The transport minister said repairs would cost 38 million euros.",
        language="en",
    )
    assert english.pk
    return ArticleFactory(title=ARABIC_TITLE, body=ARABIC_BODY, language="ar", outlet="صحيفة المثال")


def titles(text: str) -> list[str]:
    return [hit.article.title for hit in search_articles(parse_query(text))[0:20]]


def test_an_arabic_word_without_diacritics_finds_the_text_written_with_them(arabic):
    assert titles("المشروع") == [ARABIC_TITLE]
    assert titles("القروض الدولية") == [ARABIC_TITLE]


def test_an_arabic_word_with_diacritics_finds_the_text_written_without_them(arabic):
    assert titles("مِيزَانِيَّة") == [ARABIC_TITLE]
    assert titles("تَحْلِيَة") == [ARABIC_TITLE]


def test_tatweel_is_ignored_in_the_text_and_in_the_query(arabic):
    assert titles("الشبكة") == [ARABIC_TITLE]
    assert titles("الـمـيـاه") == [ARABIC_TITLE]


def test_english_names_inside_an_arabic_article_are_found(arabic):
    assert titles("BlueWave") == [ARABIC_TITLE]
    assert titles("bridge") == ["Harbour bridge repairs"]


def test_latin_accents_are_ignored_both_ways(db):
    ArticleFactory(title="Le café de la gare", body="Le café a fermé en décembre après 40 ans.", language="fr")
    assert titles("cafe") == ["Le café de la gare"]
    assert titles("décembre") == ["Le café de la gare"]


def test_a_diacritic_free_query_highlights_the_diacritised_words_in_place(arabic):
    hit = search_articles(parse_query("القروض"))[0:1][0]
    snippet = str(hit.snippet_html)
    # The snippet shows the stored text (with its harakat), not the folded index text.
    assert "القُرُوضِ" in snippet


def test_claims_in_arabic_are_found_with_or_without_diacritics(arabic):
    quote = "وَأَكَّدَ الوَزِيرُ أَنَّ المَشْرُوعَ سَيُمَوَّلُ مِنَ القُرُوضِ الدَّوْلِيَّةِ"
    ClaimFactory(article=arabic, phrase=quote, statement="المشروع سيمول من القروض الدولية")
    for text in ("سيمول", "سَيُمَوَّلُ", "القروض"):
        hits = search_claims(parse_query(text))[0:5]
        assert [hit.claim.exact for hit in hits] == [quote], text


def test_changing_an_article_language_keeps_it_findable(arabic):
    Article.objects.filter(pk=arabic.pk).update(language="fa")
    assert titles("المشروع") == [ARABIC_TITLE]


def test_rebuilding_the_index_keeps_folded_text(arabic):
    index.rebuild(connection)
    assert titles("المشروع") == [ARABIC_TITLE]
    assert titles("مِيزَانِيَّة") == [ARABIC_TITLE]


# --- PostgreSQL: a configuration per document ----------------------------------------------


@pytest.mark.postgres
def test_postgres_stores_the_configuration_of_each_document(arabic):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one tokenizer for every language")
    swahili = ArticleFactory(title="Habari", body="Serikali imetangaza mpango mpya wa maji leo.", language="sw")
    claim = ClaimFactory(article=arabic, phrase="القُرُوضِ الدَّوْلِيَّةِ", statement="القروض")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT article_id, config::text FROM search_article_doc WHERE article_id = ANY(%s)",
            [[arabic.pk, swahili.pk]],
        )
        configs = dict(cursor.fetchall())
        cursor.execute("SELECT config::text FROM search_claim_doc WHERE claim_id = %s", [claim.pk])
        claim_config = cursor.fetchone()[0]
    assert configs == {arabic.pk: "arabic", swahili.pk: "simple"}
    assert claim_config == "arabic"
    # The article's language changes: its claims follow.
    Article.objects.filter(pk=arabic.pk).update(language="ur")
    with connection.cursor() as cursor:
        cursor.execute("SELECT config::text FROM search_claim_doc WHERE claim_id = %s", [claim.pk])
        assert cursor.fetchone()[0] == "simple"


@pytest.mark.postgres
def test_postgres_stems_each_language_with_its_own_configuration(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's Porter stemmer is English")
    ArticleFactory(title="Presupuesto", body="Los gobiernos anunciaron nuevas inversiones.", language="es")
    assert titles("nuevo") == ["Presupuesto"]  # "nuevas": Spanish stemming, not English
