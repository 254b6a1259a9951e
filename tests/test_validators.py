"""The one http(s) URL rule (factcheck.validators) and the places that rely on it."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from annotations.exports.data import http_url
from articles.importing.formats import ParseError, build_article
from factcheck.validators import is_http_url

ACCEPTED = ["https://news.example.org/a?b=1#c", "http://localhost:8000/x", "HTTPS://EXAMPLE.ORG/"]
REFUSED = [
    "javascript:alert(1)",
    "ftp://files.example.org/a",
    "//news.example.org/a",
    "https://news.example.org/a b",
    "https://",
    "news.example.org",
    "",
]


@pytest.mark.parametrize("url", ACCEPTED)
def test_absolute_http_urls_are_accepted_everywhere(url):
    assert is_http_url(url)
    assert Template("{% load claim_tags %}{{ url|http_url }}").render(Context({"url": url})) == url
    assert http_url(url) == url
    assert build_article(origin="o", title="T", body="B", url=url).url == url


@pytest.mark.parametrize("url", REFUSED)
def test_anything_else_is_refused_everywhere(url):
    assert not is_http_url(url)
    assert Template("{% load claim_tags %}{{ url|http_url }}").render(Context({"url": url})) == ""
    assert http_url(url) is None
    if url:
        assert build_article(origin="o", title="T", body="B", url=url) == ParseError(
            "o", f"url {url!r} is not an http:// or https:// address"
        )


def test_non_text_is_not_a_url():
    assert not is_http_url(None)
    assert not is_http_url(42)
