"""Deep HTML refused before parsing (``articles.html_limits``): what counts, how fast, real pages pass.

The entry points (file import, add by URL) are tested with their doors in
``test_import_service.py``, ``test_import_command.py`` and ``test_fetch_import.py``.
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

from articles import extraction
from articles.extraction import extract_article
from articles.html_limits import (
    DEFAULT_MAX_HTML_DEPTH,
    HtmlTooDeep,
    check_html_depth,
    depth_problem,
    nesting_depth,
)
from articles.importing import html_page
from articles.importing.html_page import parse_html

CONFORMANCE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "article-extraction"
MESSAGE = "The page is nested more than 512 elements deep; Factdesk refuses it rather than parse it."


def nested(depth: int, tag: str = "div") -> str:
    return "<html><body>" + f"<{tag}>" * depth + "x" + f"</{tag}>" * depth + "</body></html>"


# --- what counts ------------------------------------------------------------------------------------


def test_depth_counts_open_elements():
    assert nesting_depth("<html><body><div><span>x</span></div></body></html>") == 4
    assert nesting_depth(nested(10)) == 12


def test_siblings_do_not_add_up():
    assert nesting_depth("<div>a</div>" * 1000) == 1


@pytest.mark.parametrize("void", ["br", "img", "hr", "meta", "link", "input", "wbr", "source", "area", "col"])
def test_void_elements_never_nest(void):
    assert nesting_depth(f"<div>{f'<{void}>' * 1000}</div>") == 1


@pytest.mark.parametrize("tag", ["p", "li", "dt", "dd", "option", "tr", "td", "th", "tbody", "rt", "colgroup"])
def test_elements_with_optional_end_tags_never_nest(tag):
    assert nesting_depth(f"<div>{f'<{tag}>x' * 1000}</div>") == 1


def test_comments_script_and_style_contents_are_not_markup():
    hidden = "<div>" * 1000
    page = f"<div><!-- {hidden} --><script>var s = '{hidden}';</script><style>/* {hidden} */</style></div>"
    assert nesting_depth(page) == 2  # the div, and the script or style whose text is skipped


def test_raw_text_ends_only_at_its_own_end_tag():
    assert nesting_depth("<textarea><div><div></textarea><div>x</div>") == 1
    assert nesting_depth("<script>" + "<div>" * 1000) == 1  # never closed: the rest is script text


def test_an_end_tag_closes_what_was_opened_inside_its_element():
    assert nesting_depth("<div><span><b>x</div>" * 1000) == 3
    assert nesting_depth("</div></div><div>x</div>") == 1  # stray end tags are ignored


def test_self_closing_tags_close_only_inside_svg_and_math():
    assert nesting_depth("<svg>" + "<path d='M0 0'/>" * 1000 + "</svg>") == 1
    # In HTML the slash is ignored: a browser nests each <div/> in the one before.
    assert nesting_depth("<div/>" * 1000) == 1000


def test_quoted_attributes_may_hold_angle_brackets():
    assert nesting_depth('<div title="a > b" data-x=\'<div><div>\'><span>x</span></div>') == 2


def test_text_that_only_looks_like_markup_is_text():
    assert nesting_depth("if a < b and b <3 then <<<< done") == 0


def test_bytes_are_read_too():
    assert nesting_depth(nested(5).encode()) == 7


# --- the limit --------------------------------------------------------------------------------------


def test_a_page_at_the_limit_passes_and_one_deeper_is_refused():
    at_limit = nested(DEFAULT_MAX_HTML_DEPTH - 2)  # html and body count too
    assert depth_problem(at_limit) is None
    assert depth_problem(nested(DEFAULT_MAX_HTML_DEPTH)) == MESSAGE
    with pytest.raises(HtmlTooDeep) as refusal:
        check_html_depth(nested(DEFAULT_MAX_HTML_DEPTH))
    assert str(refusal.value) == MESSAGE and refusal.value.limit == 512


def test_the_limit_is_a_parameter():
    assert depth_problem(nested(30), limit=20) == (
        "The page is nested more than 20 elements deep; Factdesk refuses it rather than parse it."
    )


def test_200000_nested_divs_are_refused_at_once_without_parsing(monkeypatch):
    """The page that took 108 s to import: refused after reading its first 513 tags (about 1 ms)."""
    page = nested(200_000)
    assert len(page) > 2_000_000

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed a page that should have been refused")

    monkeypatch.setattr(extraction, "load_html", no_parsing)
    monkeypatch.setattr(extraction, "LexborHTMLParser", no_parsing)
    monkeypatch.setattr(html_page, "LexborHTMLParser", no_parsing)

    started = time.perf_counter()
    outcome = parse_html(page, "deep.html")
    elapsed = time.perf_counter() - started

    assert [(error.origin, error.message) for error in outcome.errors] == [("deep.html", MESSAGE)]
    assert elapsed < 1.0, f"took {elapsed:.3f} s"  # about 0.001 s; generous for a busy machine
    assert nesting_depth(page, stop_above=512) == 513


def test_extract_article_refuses_a_deep_page_before_reading_it():
    with pytest.raises(HtmlTooDeep):
        extract_article(nested(1000))
    assert extract_article(nested(1000), max_depth=1200).paragraphs == ["x"]


def test_hostile_shapes_are_scanned_in_linear_time():
    shapes = ['<a ="' * 100_000, "<a ='x" * 100_000 + ">", "<" * 1_000_000, "<a" * 500_000, "<!--" * 300_000]
    for shape in shapes:
        started = time.perf_counter()
        nesting_depth(shape, stop_above=512)
        assert time.perf_counter() - started < 1.0, repr(shape[:10])


# --- real pages pass --------------------------------------------------------------------------------


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="../shared/conformance/article-extraction is not present")
def test_every_conformance_page_is_well_within_the_limit():
    depths = {
        path.name: nesting_depth(gzip.decompress(path.read_bytes()))
        for path in sorted((CONFORMANCE / "html").glob("*.html.gz"))
    }
    assert len(depths) == 91
    assert max(depths.values()) < 100  # real news pages nest a few dozen deep (51 at most here)


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="../shared/conformance/article-extraction is not present")
def test_a_real_conformance_page_imports_as_before():
    path = sorted((CONFORMANCE / "html").glob("*.html.gz"))[0]
    html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")

    outcome = parse_html(html, path.name)

    assert outcome.errors == []
    assert outcome.articles and outcome.articles[0].body
