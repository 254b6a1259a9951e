"""The database half of import (``articles.importing.service``): saving, duplicates, isolation per record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import IntegrityError

from articles.importing import service
from articles.importing.aggregator import is_boilerplate
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db

AGGREGATOR_PAGE = """
Town hall roof repairs approved
MILLBROOK: The town council approved emergency repairs to the town hall roof on Wednesday.
Engineers had warned that two beams were rotten.


Try Our AI Features
Explore what Newsly AI can do for you:
Comments
No comments yet...
Related Articles


Valley Post
an hour ago
- Valley Post
School bus routes redrawn
The district redrew three school bus routes after parents complained about long journeys.


Millbrook Herald
4 hours ago
- Millbrook Herald
Library extends weekend hours
The public library will open on Sundays from next month, its director announced.
"""

RELATED_ONLY_PAGE = """
Comments
No comments yet...
Related Articles


Valley Post
2 hours ago
- Valley Post
Bridge closed for inspection
The old river bridge is closed to traffic until Friday while engineers inspect its supports.
"""

NO_RELATED_PAGE = """

Harvest festival draws record crowd
MILLBROOK: More than 12,000 people visited the harvest festival this weekend, organisers said.



The festival has grown every year since it moved to the riverside park.
Hashtags

Comments
No comments yet...
"""


def jsonl(*rows: object) -> bytes:
    return "\n".join(row if isinstance(row, str) else json.dumps(row) for row in rows).encode()


def test_aggregator_page_imports_main_and_related_articles_with_clean_bodies(editor):
    report = service.import_upload("page.txt", AGGREGATOR_PAGE.encode(), editor)
    assert [origin for origin, _pk, _title in report.created] == [
        "page.txt", "page.txt related #1", "page.txt related #2",
    ]
    main = Article.objects.get(title="Town hall roof repairs approved")
    assert main.body == (
        "MILLBROOK: The town council approved emergency repairs to the town hall roof on Wednesday.\n\n"
        "Engineers had warned that two beams were rotten."
    )
    assert main.added_by == editor
    related = Article.objects.get(title="School bus routes redrawn")
    assert related.outlet == "Valley Post"
    assert related.body == "The district redrew three school bus routes after parents complained about long journeys."
    for article in Article.objects.all():
        assert not any(is_boilerplate(line) for line in article.body.split("\n"))


def test_page_with_related_articles_only_imports_them(editor):
    report = service.import_upload("related.txt", RELATED_ONLY_PAGE.encode(), editor)
    assert [title for _origin, _pk, title in report.created] == ["Bridge closed for inspection"]
    assert Article.objects.get().outlet == "Valley Post"


def test_page_without_related_articles_and_odd_blank_lines_is_one_clean_article(editor):
    report = service.import_upload("festival.txt", NO_RELATED_PAGE.encode(), editor)
    article = Article.objects.get()
    assert len(report.created) == 1
    assert article.title == "Harvest festival draws record crowd"
    assert "Hashtags" not in article.body and "Comments" not in article.body
    assert "\n\n\n" not in article.body
    assert article.body.endswith("moved to the riverside park.")


def test_text_that_is_not_an_aggregator_page_is_one_article_and_the_report_says_so(editor):
    report = service.import_upload("plain.txt", b"Plain headline\n\nJust one paragraph of text.", editor)
    assert len(report.created) == 1
    assert any("not an aggregator page" in note for note in report.notes)


def test_reimporting_the_same_page_creates_nothing(editor):
    service.import_upload("page.txt", AGGREGATOR_PAGE.encode(), editor)
    again = service.import_upload("page (1).txt", AGGREGATOR_PAGE.encode(), editor)
    assert again.created == []
    assert len(again.skipped) == 3
    assert all("duplicate of article" in reason and "same text" in reason for _o, reason in again.skipped)
    assert Article.objects.count() == 3


def test_jsonl_with_bad_rows_imports_the_good_ones_and_reports_each_bad_row(editor):
    data = jsonl(
        {"title": "Good one", "body": "First body.", "url": "https://valley.example/1"},
        "{not json",
        {"title": "No body", "body": "   "},
        {"title": "Bad link", "body": "Text.", "url": "javascript:alert(1)"},
        [1, 2],
        {"title": "Good two", "body": "Second body.", "published": "2024-05-01"},
        {"title": "Bad date", "body": "Third body.", "published": "01/05/2024"},
    )
    report = service.import_upload("feed.jsonl", data, editor)
    assert [title for _o, _pk, title in report.created] == ["Good one", "Good two"]
    failed = dict(report.failed)
    assert set(failed) == {"feed.jsonl line 2", "feed.jsonl line 3", "feed.jsonl line 4", "feed.jsonl line 5",
                           "feed.jsonl line 7"}
    assert "not valid JSON" in failed["feed.jsonl line 2"]
    assert "empty body" in failed["feed.jsonl line 3"]
    assert "http" in failed["feed.jsonl line 4"]
    assert "ISO date" in failed["feed.jsonl line 7"]
    assert Article.objects.count() == 2
    assert str(Article.objects.get(title="Good two").published_on) == "2024-05-01"


def test_csv_with_bad_rows_imports_the_good_ones_with_spreadsheet_row_numbers(editor):
    data = (
        b"title,body,outlet,url\n"
        b"First,Body one.,Valley Post,https://valley.example/a\n"
        b",Body without title.,Valley Post,\n"
        b"Third,Body three.,Valley Post,ftp://valley.example/c\n"
        b'Fourth,"Body, with a comma.",Valley Post,https://valley.example/d\n'
    )
    report = service.import_upload("list.csv", data, editor)
    assert [title for _o, _pk, title in report.created] == ["First", "Fourth"]
    assert [origin for origin, _reason in report.failed] == ["list.csv row 3", "list.csv row 4"]
    assert Article.objects.get(title="Fourth").body == "Body, with a comma."


def test_same_url_twice_in_one_file_is_created_once(editor):
    data = jsonl(
        {"title": "A", "body": "Body A.", "url": "https://valley.example/same"},
        {"title": "A again", "body": "Different body.", "url": "https://valley.example/same"},
    )
    report = service.import_upload("feed.jsonl", data, editor)
    assert len(report.created) == 1
    [(origin, reason)] = report.skipped
    assert origin == "feed.jsonl line 2" and "same URL" in reason


def test_article_already_on_the_desk_by_url_is_skipped_even_with_different_text(editor):
    existing = factories.ArticleFactory(url="https://valley.example/known")
    report = service.import_upload(
        "one.json", json.dumps({"title": "T", "body": "New text", "url": existing.url}).encode(), editor
    )
    assert report.skipped == [("one.json", f"duplicate of article {existing.pk} (same URL)")]


def test_a_record_that_fails_in_the_database_does_not_stop_or_half_write_the_others(editor, monkeypatch):
    """Two imports racing on one URL: the loser's check passes but saving fails; the rest still import."""
    factories.ArticleFactory(url="https://valley.example/raced")
    real_find = service.find_duplicate
    monkeypatch.setattr(service, "find_duplicate", lambda parsed: None if "raced" in parsed.url else real_find(parsed))
    data = jsonl(
        {"title": "Before", "body": "Body before.", "url": "https://valley.example/before"},
        {"title": "Raced", "body": "Body raced.", "url": "https://valley.example/raced"},
        {"title": "After", "body": "Body after.", "url": "https://valley.example/after"},
    )
    report = service.import_upload("feed.jsonl", data, editor)
    assert [title for _o, _pk, title in report.created] == ["Before", "After"]
    # The database's unique constraint refuses the insert; the record is reported as a duplicate.
    [(origin, reason)] = report.skipped
    assert origin == "feed.jsonl line 2" and "duplicate" in reason
    assert report.failed == []
    assert Article.objects.filter(url="https://valley.example/raced").count() == 1


def test_database_error_in_one_record_rolls_back_only_that_record(editor, monkeypatch):
    # The chunk's multi-row INSERT fails as the database would with the broken record in it;
    # the chunk is then saved record by record, where the broken one fails again.
    real_insert = service._insert_articles

    def failing_insert(articles):
        if any(article.title == "Broken" for article in articles):
            raise IntegrityError("simulated failure of the multi-row insert")
        real_insert(articles)

    monkeypatch.setattr(service, "_insert_articles", failing_insert)
    real_save = Article.save

    def failing_save(self, *args, **kwargs):
        real_save(self, *args, **kwargs)
        if self.title == "Broken":
            raise IntegrityError("simulated failure after the insert")

    monkeypatch.setattr(Article, "save", failing_save)
    data = jsonl({"title": "Broken", "body": "Body broken."}, {"title": "Fine", "body": "Body fine."})
    report = service.import_upload("feed.jsonl", data, editor)
    assert list(Article.objects.values_list("title", flat=True)) == ["Fine"]
    assert [origin for origin, _reason in report.skipped] == ["feed.jsonl line 1"]


def test_html_upload_keeps_article_paragraphs_only(editor):
    html = b"""<!doctype html><html><head><title>Site | Bridge</title>
    <meta property="og:url" content="https://valley.example/bridge"></head><body>
    <header><h1>Valley Post</h1><nav><a href="/">Home</a></nav></header>
    <article><h1>Bridge reopens</h1><p>The bridge reopened on <em>Monday</em>.</p>
    <script>document.write("ad")</script><aside>Subscribe now!</aside>
    <p>Repairs cost 2 million.</p></article><footer>Cookies</footer></body></html>"""
    report = service.import_upload("bridge.html", html, editor)
    article = Article.objects.get()
    assert len(report.created) == 1
    assert article.title == "Bridge reopens"
    assert article.body == "The bridge reopened on Monday.\n\nRepairs cost 2 million."


def test_unsupported_empty_and_badly_encoded_files_fail_with_clear_reasons(editor):
    assert service.import_upload("a.docx", b"PK", editor).failed == [
        ("a.docx", "Unsupported file type '.docx': use .txt, .md, .html, .json, .jsonl or .csv.")
    ]
    assert service.import_upload("e.txt", b"  \n ", editor).failed == [("e.txt", "file is empty")]
    [(origin, reason)] = service.import_upload("l.txt", "Caf\u00e9\n\ntext".encode("cp1252"), editor).failed
    assert origin == "l.txt" and "not valid UTF-8" in reason
    assert not Article.objects.exists()


def test_upload_over_the_limit_fails_with_the_limit(editor, settings):
    settings.FACTDESK_MAX_UPLOAD_BYTES = 100
    [(_origin, reason)] = service.import_upload("big.txt", b"T\n\n" + b"x" * 200, editor).failed
    assert reason == "file is too large (203 bytes); the limit is 100 bytes"


def test_body_over_the_limit_fails_for_that_record_only(editor, settings):
    settings.FACTDESK_MAX_BODY_CHARS = 20
    data = jsonl({"title": "Long", "body": "x" * 21}, {"title": "Short", "body": "short"})
    report = service.import_upload("feed.jsonl", data, editor)
    assert [title for _o, _pk, title in report.created] == ["Short"]
    assert report.failed == [("feed.jsonl line 1", "body is 21 characters; the limit is 20")]


def test_import_files_walks_folders_and_reports_progress(tmp_path: Path, editor):
    (tmp_path / "nested").mkdir()
    (tmp_path / "page.txt").write_text(AGGREGATOR_PAGE, encoding="utf-8")
    (tmp_path / "nested" / "feed.jsonl").write_text(
        json.dumps({"title": "Nested", "body": "Nested body."}), encoding="utf-8"
    )
    (tmp_path / "notes.docx").write_bytes(b"ignored in folders")
    (tmp_path / ".hidden.txt").write_text("Hidden\n\nnot imported", encoding="utf-8")
    calls: list[tuple[int, int]] = []
    report = service.import_files([tmp_path], editor, progress=lambda done, total: calls.append((done, total)))
    assert len(report.created) == 4
    assert report.failed == []
    assert calls == [(1, 1), (1, 3), (2, 3), (3, 3)]  # nested/feed.jsonl is read first (sorted)


def test_naming_an_unsupported_file_explicitly_reports_it(tmp_path: Path, editor):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"x")
    report = service.import_files([path], editor)
    [(origin, reason)] = report.failed
    assert origin == "notes.docx" and reason.startswith("Unsupported file type '.docx'")


def test_report_dict_round_trips_through_json(editor):
    report = service.import_upload("page.txt", AGGREGATOR_PAGE.encode(), editor)
    assert json.loads(json.dumps(report.as_dict()))["created"][0][0] == "page.txt"
    assert report.summary() == "3 created, 0 skipped as duplicates, 0 failed"


def printable_report(report: service.ImportReport) -> bool:
    """No text in the report holds a lone surrogate: it can be stored as JSON, printed and shown."""
    rows = [*report.created, *report.skipped, *report.failed]
    texts = [*report.notes, *(cell for row in rows for cell in row if isinstance(cell, str))]
    return not any("\ud800" <= char <= "\udfff" for text in texts for char in text)


def test_json_with_a_lone_surrogate_imports_the_other_records_and_reports_that_one(editor):
    data = (
        b'[{"title": "Ferry strike ends", "body": "Crews are back."},'
        b' {"title": "Minister \\ud800 resigns", "body": "She left."},'
        b' {"title": "Bridge reopens", "body": "Traffic flows again."}]'
    )

    report = service.import_upload("feed.json", data, editor)

    assert [title for _o, _pk, title in report.created] == ["Ferry strike ends", "Bridge reopens"]
    [(origin, reason)] = report.failed
    assert origin == "feed.json item 2"
    assert reason.startswith("field 'title' contains an unpaired surrogate \\ud800 (after 'Minister ')")
    assert set(Article.objects.values_list("title", flat=True)) == {"Ferry strike ends", "Bridge reopens"}
    assert printable_report(report)
    assert "\\ud800" in json.dumps(report.as_dict(), ensure_ascii=False).encode("utf-8").decode()


@pytest.mark.parametrize(
    ("name", "data", "bad_origin"),
    [
        (
            "feed.jsonl",
            b'{"title": "One", "body": "First."}\n{"title": "Two", "body": "Sec\xffond."}\n'
            b'{"title": "Three", "body": "Third."}\n',
            "feed.jsonl line 2",
        ),
        ("list.csv", b"title,body\nOne,First.\nTwo,Sec\xffond.\nThree,Third.\n", "list.csv row 3"),
    ],
    ids=["jsonl", "csv"],
)
def test_a_record_with_bytes_that_are_not_utf8_fails_alone(editor, name, data, bad_origin):
    report = service.import_upload(name, data, editor)

    assert [title for _o, _pk, title in report.created] == ["One", "Three"]
    [(origin, reason)] = report.failed
    assert origin == bad_origin
    assert "is not valid UTF-8 (byte 0xff after " in reason
    assert any("not entirely UTF-8" in note for note in report.notes)
    assert Article.objects.count() == 2
    assert printable_report(report)


def test_an_html_file_nested_too_deep_fails_with_the_reason_and_the_others_import(tmp_path: Path, editor):
    deep = "<html><body>" + "<div>" * 200_000 + "<h1>Deep</h1><p>Text.</p>" + "</div>" * 200_000 + "</body></html>"
    (tmp_path / "deep.html").write_text(deep, encoding="utf-8")
    (tmp_path / "fine.html").write_text("<article><h1>Fine</h1><p>A normal page.</p></article>", encoding="utf-8")

    report = service.import_files([tmp_path], editor)

    assert report.failed == [
        ("deep.html", "The page is nested more than 512 elements deep; Factdesk refuses it rather than parse it.")
    ]
    assert [title for _origin, _pk, title in report.created] == ["Fine"]


def test_the_html_depth_limit_comes_from_settings(editor, settings):
    settings.FACTDESK_MAX_HTML_DEPTH = 3
    page = b"<html><body><article><div><h1>T</h1><p>Text.</p></div></article></body></html>"

    [(_origin, reason)] = service.import_upload("page.html", page, editor).failed

    assert reason == "The page is nested more than 3 elements deep; Factdesk refuses it rather than parse it."
