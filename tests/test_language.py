"""An article's language: guessed on import when not given, corrected by editors, and the
direction (and sentence splitting) that follows from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse

from annotations.checkworthiness import (
    FEATURE_SCORER,
    NEUTRAL_FEATURE_SCORER,
    feature_scorer_for,
    split_sentences,
)
from articles.forms import ArticleAdminForm, LanguageField
from articles.importing.formats import ParsedArticle, ParseError, build_article
from articles.importing.service import import_upload
from articles.language import DEFAULT_LANGUAGE, detect_language, primary_subtag, text_direction
from articles.models import Article
from tests.factories import ArticleFactory

FIXTURES = Path(__file__).parent / "fixtures"
ARABIC_BODY = (FIXTURES / "arabic_article.txt").read_text(encoding="utf-8")
ARABIC_TITLE = (FIXTURES / "arabic_article_title.txt").read_text(encoding="utf-8").strip()
SPANISH = "El gobierno anunció ayer un nuevo plan para reducir el desempleo juvenil en las regiones del sur."
ENGLISH = "The transport minister said repairs to the harbour bridge would cost 38 million euros next year."

# --- Detection and direction (pure) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [(ARABIC_BODY, "ar"), (SPANISH, "es"), (ENGLISH, "en"),
     ("وزیر گفت که کسری بودجه امسال افزایش یافته است و دولت برنامه جدیدی دارد", "fa"),
     ("הממשלה הודיעה היום על תוכנית חדשה לבניית דירות בעיר", "he")],
)
def test_detect_language_names_the_language_of_a_text(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "2024 — 38%", "OK", "Hello there"])
def test_detect_language_keeps_the_default_when_the_text_says_too_little(text):
    assert detect_language(text) == DEFAULT_LANGUAGE
    assert detect_language(text, default="fr") == "fr"


@pytest.mark.parametrize(
    ("language", "direction"),
    [("ar", "rtl"), ("AR", "rtl"), ("fa-IR", "rtl"), ("ur", "rtl"), ("he", "rtl"), ("ps", "rtl"), ("sd", "rtl"),
     ("ug", "rtl"), ("yi", "rtl"), ("dv", "rtl"), ("ckb", "rtl"), ("pa-Arab", "rtl"), ("az-Latn", "ltr"),
     ("en", "ltr"), ("pt-BR", "ltr"), ("", "ltr"), ("zh-Hant", "ltr")],
)
def test_text_direction_follows_the_language_or_its_script(language, direction):
    assert text_direction(language) == direction


def test_primary_subtag_is_lower_case():
    assert primary_subtag("pt_BR") == "pt"


# --- Import doors -------------------------------------------------------------------------------


def test_an_import_without_a_language_gets_the_detected_one():
    record = build_article(origin="t", title=ARABIC_TITLE, body=ARABIC_BODY)
    assert isinstance(record, ParsedArticle)
    assert record.language == "ar"


def test_an_import_with_a_language_keeps_it_even_if_the_text_looks_otherwise():
    record = build_article(origin="t", title="Titre", body=ENGLISH, language="fr-ca")
    assert isinstance(record, ParsedArticle) and record.language == "fr-CA"


def test_an_import_with_a_bad_language_is_refused_with_a_reason():
    record = build_article(origin="t", title="T", body=ENGLISH, language="!!")
    assert isinstance(record, ParseError) and "language code" in record.message


def test_an_uploaded_json_file_without_language_is_saved_in_its_language(db):
    data = json.dumps({"title": ARABIC_TITLE, "body": ARABIC_BODY}).encode()
    report = import_upload("arabic.json", data, None)
    assert not report.failed, report.failed
    assert Article.objects.get(pk=report.created[0][1]).language == "ar"


def test_the_new_article_form_detects_the_language_when_left_to_detection(editor_client):
    response = editor_client.post(reverse("editing:new"), {
        "title": ARABIC_TITLE, "body": ARABIC_BODY, "language": "", "outlet": "", "byline": "", "url": "",
        "published_on": "",
    })
    assert response.status_code == 302
    assert Article.objects.get(title=ARABIC_TITLE).language == "ar"


def test_the_new_article_form_offers_detection_and_known_languages(editor_client):
    html = editor_client.get(reverse("editing:new")).content.decode()
    assert "Detect from the text" in html
    assert '<option value="ar">Arabic (ar)</option>' in html


# --- Editors correct it ---------------------------------------------------------------------------


def _edit(client, article, **changes):
    data = {"title": article.title, "body": article.body, "version": article.version, "note": ""}
    data.update(changes)
    return client.post(reverse("editing:edit", args=[article.pk]), data)


def test_an_editor_changes_the_language_without_a_revision(editor_client):
    article = ArticleFactory(body=ARABIC_BODY, title=ARABIC_TITLE, language="en")
    response = _edit(editor_client, article, language="ar")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.language == "ar"
    assert article.version == 1 and not article.revisions.exists()


def test_the_edit_form_shows_the_current_language_even_when_it_is_not_in_the_list(editor_client):
    article = ArticleFactory(language="pt-PT")
    html = editor_client.get(reverse("editing:edit", args=[article.pk])).content.decode()
    assert '<option value="pt-PT" selected>pt-PT</option>' in html


def test_a_bad_language_on_the_edit_form_is_a_form_error_not_a_500(editor_client):
    article = ArticleFactory(language="en")
    response = _edit(editor_client, article, language="<script>")
    assert response.status_code == 200
    assert "language code" in response.content.decode()
    article.refresh_from_db()
    assert article.language == "en"


def test_a_checker_cannot_change_the_language(checker_client):
    article = ArticleFactory(language="en")
    assert _edit(checker_client, article, language="ar").status_code == 403
    article.refresh_from_db()
    assert article.language == "en"


def test_the_admin_form_validates_and_detects_the_language(db):
    bad = ArticleAdminForm(data={"title": "T", "body": ENGLISH, "language": "x y", "version": 1})
    assert not bad.is_valid() and "language" in bad.errors
    detected = ArticleAdminForm(data={"title": "T", "body": SPANISH, "language": ""})
    detected.is_valid()
    assert detected.cleaned_data["language"] == "es"


def test_the_language_field_normalises_the_tag():
    assert LanguageField().clean("PT_br") == "pt-BR"


# --- Rendering in the article's own direction ------------------------------------------------------


def test_the_article_page_renders_the_text_with_its_own_lang_and_dir(editor_client):
    article = ArticleFactory(title=ARABIC_TITLE, body=ARABIC_BODY, language="ar")
    html = editor_client.get(article.get_absolute_url()).content.decode()
    assert 'class="article-text" lang="ar" dir="rtl"' in html
    english = ArticleFactory(language="en")
    html = editor_client.get(english.get_absolute_url()).content.decode()
    assert 'class="article-text" lang="en" dir="ltr"' in html


# --- Sentences per language -------------------------------------------------------------------------


def test_arabic_sentences_end_at_the_arabic_question_mark_and_not_at_commas():
    texts = [s.text for s in split_sentences("هل ستكفي المحطة؟ نعم، قال الوزير إن الخطة جاهزة.", "ar")]
    assert texts == ["هل ستكفي المحطة؟", "نعم، قال الوزير إن الخطة جاهزة."]


def test_urdu_sentences_end_at_the_urdu_full_stop():
    texts = [s.text for s in split_sentences("یہ پہلا جملہ ہے۔ یہ دوسرا جملہ ہے۔", "ur")]
    assert texts == ["یہ پہلا جملہ ہے۔", "یہ دوسرا جملہ ہے۔"]


def test_a_language_pysbd_does_not_know_falls_back_to_punctuation():
    body = "Serikali imetangaza mpango mpya. Je, utafanikiwa? Wataalamu wanasema ndiyo!"
    sentences = split_sentences(body, "sw")
    assert [s.text for s in sentences] == [
        "Serikali imetangaza mpango mpya.", "Je, utafanikiwa?", "Wataalamu wanasema ndiyo!",
    ]
    assert all(body[s.start:s.end] == s.text for s in sentences)


def test_sentence_offsets_index_an_arabic_body_exactly():
    sentences = split_sentences(ARABIC_BODY, "ar")
    assert len(sentences) >= 6
    assert all(ARABIC_BODY[s.start:s.end] == s.text for s in sentences)


def test_languages_without_word_lists_are_scored_on_language_neutral_features():
    assert feature_scorer_for("en-GB") is FEATURE_SCORER
    assert feature_scorer_for("ar") is NEUTRAL_FEATURE_SCORER
    figure = "وقال Omar Haddad إن الميزانية ارتفعت إلى 420 مليون دولار بنسبة 12٪ هذا العام."
    assert NEUTRAL_FEATURE_SCORER.values([figure])[0] > 0
    assert "contains a percentage" in NEUTRAL_FEATURE_SCORER.reasons(figure)
    # English-word features (a named person after "said") do not fire on Arabic text.
    assert "attributed to a named person" not in NEUTRAL_FEATURE_SCORER.reasons(figure)


def test_the_language_picker_names_languages_in_the_interface_language():
    from django.utils import translation

    from articles.forms import LanguageField

    with translation.override("fr"):
        french = dict(LanguageField().widget.choices)
    with translation.override("ar"):
        arabic = dict(LanguageField().widget.choices)

    assert french["de"] == "Allemand (de)"
    assert arabic["ar"] == "العربيّة (ar)"
    assert french["ps"].endswith("(ps)")  # a language Django has no name for keeps its English one
