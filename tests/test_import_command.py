"""``manage.py import_articles``: files and folders in, a summary out, nothing imported twice."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from tqdm import tqdm

from articles.importing.aggregator import is_boilerplate, outlet_from_label
from articles.management.commands.import_articles import RecordProgress
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "samples"

PAGE = """
Ferry strike called off after late deal
HARBOURTON: Ferry crews called off Friday's strike after the operator improved its pay offer overnight.
The union said members would vote on the deal next week.
Hashtags

Comments
No comments yet...
Related Articles


Coast Radio
an hour ago
- Coast Radio
Storm warning for the weekend
Forecasters warned of gales along the coast from Saturday evening.
"""


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "page.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "feed.jsonl").write_text(
        "\n".join(
            [
                json.dumps({"title": "Pier repainted", "body": "The pier was repainted.", "url": "https://c.example/1"}),
                "{broken",
                json.dumps({"title": "Harbour dredged", "body": "Dredging finished.", "url": "https://c.example/2"}),
            ]
        ),
        encoding="utf-8",
    )
    (tmp_path / "list.csv").write_text(
        "title,body,outlet\nCafe opens,A new cafe opened on the quay.,Coast Radio\n,No title here.,Coast Radio\n",
        encoding="utf-8",
    )
    return tmp_path


def test_import_of_a_folder_creates_articles_and_prints_a_summary_with_each_failure(folder):
    out, _err = run(str(folder))
    assert Article.objects.count() == 5
    assert "Read 3 files." in out
    assert "Created: 5" in out
    assert "Skipped as duplicates: 0" in out
    assert "Failed: 2" in out
    assert "feed.jsonl line 2: not valid JSON" in out
    assert "list.csv row 3: missing title" in out
    assert "page.txt: aggregator page" in out  # the parser's note about the page's shape


def test_running_the_import_again_creates_nothing_and_lists_the_duplicates(folder):
    run(str(folder))
    out, _err = run(str(folder))
    assert Article.objects.count() == 5
    assert "Created: 0" in out
    assert "Skipped as duplicates: 5" in out
    assert "page.txt related #1: duplicate of article" in out


def test_files_and_folders_can_be_mixed(folder, tmp_path_factory):
    other = tmp_path_factory.mktemp("other") / "one.json"
    other.write_text(json.dumps({"title": "Single", "body": "One article."}), encoding="utf-8")
    out, _err = run(str(folder / "page.txt"), str(other))
    assert "Read 2 files." in out
    assert set(Article.objects.values_list("title", flat=True)) == {
        "Ferry strike called off after late deal", "Storm warning for the weekend", "Single",
    }


def test_verbose_output_lists_created_articles(folder):
    out = io.StringIO()
    call_command("import_articles", str(folder / "page.txt"), verbosity=2, stdout=out)
    assert "page.txt: article" in out.getvalue()
    assert "\u201cFerry strike called off after late deal\u201d" in out.getvalue()


def test_user_option_records_who_added_the_articles(folder):
    editor = factories.EditorFactory()
    run(str(folder / "page.txt"), "--user", editor.username)
    assert set(Article.objects.values_list("added_by__username", flat=True)) == {editor.username}


def test_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("--user", "nobody", ".")


def test_missing_path_is_a_clear_error_and_imports_nothing(folder):
    with pytest.raises(CommandError, match=r"Path not found: .*does-not-exist"):
        run(str(folder), str(folder / "does-not-exist"))
    assert not Article.objects.exists()


def test_folder_without_importable_files_is_an_error(tmp_path):
    (tmp_path / "notes.docx").write_bytes(b"x")
    with pytest.raises(CommandError, match="No files to import"):
        run(str(tmp_path))


def test_no_progress_bar_when_output_is_not_a_terminal(folder):
    _out, err = run(str(folder))
    assert err == ""


def test_progress_bar_total_grows_as_each_file_is_read():
    stream = io.StringIO()
    with tqdm(total=0, file=stream) as bar:
        progress = RecordProgress(bar)
        for done in (1, 2):
            progress(done, 2)  # first file: two records
        progress(1, 3)  # second file starts: three records
        assert (bar.n, bar.total) == (3, 5)


def test_shared_samples_import_once_with_clean_bodies():
    """The issue's "done when": the aggregator samples give clean articles, and a re-run adds nothing."""
    if not SAMPLES.is_dir():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    out, _err = run(str(SAMPLES))
    created = Article.objects.count()
    assert created >= 2, out
    assert "Failed: 0" in out
    for article in Article.objects.all():
        assert article.title and article.body
        assert not any(is_boilerplate(line) for line in article.body.split("\n")), article.title
    out, _err = run(str(SAMPLES))
    assert "Created: 0" in out
    assert Article.objects.count() == created


def test_shared_samples_take_no_section_label_for_an_outlet():
    """Issue 16: a related entry labelled with a section ("Leaders") leaves the outlet blank."""
    if not SAMPLES.is_dir():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    out, _err = run(str(SAMPLES))
    outlets = set(Article.objects.exclude(outlet="").values_list("outlet", flat=True))
    assert outlets, out
    assert all(outlet_from_label(outlet) == (outlet, "") for outlet in outlets), outlets
    assert "Leaders" not in outlets
    assert Article.objects.filter(outlet="").count() >= 2  # the main article and the section-labelled entry


def test_bad_text_in_one_record_is_listed_and_the_rest_are_imported(tmp_path):
    (tmp_path / "feed.json").write_bytes(
        b'[{"title": "Pier repainted", "body": "The pier was repainted."},'
        b' {"title": "Broken \\ud800 emoji", "body": "Half a character."}]'
    )
    (tmp_path / "feed.jsonl").write_bytes(
        b'{"title": "Harbour dredged", "body": "Dredging finished."}\n'
        b'{"title": "Caf\xe9 opens", "body": "On the quay."}\n'
    )
    (tmp_path / "list.csv").write_bytes(b"title,body\nBuoys replaced,New buoys.\nLock \xff,Gates shut.\n")

    out, _err = run(str(tmp_path))

    assert set(Article.objects.values_list("title", flat=True)) == {
        "Pier repainted", "Harbour dredged", "Buoys replaced",
    }
    assert "Created: 3" in out
    assert "Failed: 3" in out
    assert "feed.json item 2: field 'title' contains an unpaired surrogate \\ud800 (after 'Broken ')" in out
    assert "feed.jsonl line 2: the line is not valid UTF-8 (byte 0xe9 after '{\"title\": \"Caf')" in out
    assert "list.csv row 3: column 'title' is not valid UTF-8 (byte 0xff after 'Lock ')" in out
    # What a terminal gets: a lone surrogate here would crash the command's output.
    assert out.encode("utf-8").decode("utf-8") == out


def test_an_html_file_nested_too_deep_is_listed_as_failed(tmp_path):
    deep = "<html><body>" + "<div>" * 200_000 + "<h1>Deep</h1><p>Text.</p>" + "</div>" * 200_000 + "</body></html>"
    (tmp_path / "deep.html").write_text(deep, encoding="utf-8")

    out, _err = run(str(tmp_path))

    assert "Failed: 1" in out
    assert "deep.html: The page is nested more than 512 elements deep; Factdesk refuses it rather than parse it." in out
    assert not Article.objects.exists()
