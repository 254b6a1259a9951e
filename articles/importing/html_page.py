"""Saved web pages: one HTML document in, one article (or an aggregator page's articles) out.

The reading itself is :func:`articles.extraction.extract_article`, the same one that reads
pages fetched by URL, so a page saved from the browser and the same page added by its
address give the same article. A page with the shape of a news aggregator (related
entries headed "2 hours ago" / "- Outlet", see :mod:`articles.importing.aggregator`) is
split by the aggregator rules instead, from the text the page shows.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from selectolax.lexbor import LexborHTMLParser

from articles.extraction import ExtractedPage, extract_article, page_lines
from articles.html_limits import depth_problem
from articles.importing.aggregator import has_related_entries, parse_aggregator_page
from articles.importing.formats import DEFAULT_LIMITS, ImportLimits, ParseError, ParseOutcome, Record, build_article

__all__ = ["EMPTY_EXTRACTION", "page_record", "parse_html", "visible_text"]

#: What an editor is told when a page holds no article text.
EMPTY_EXTRACTION = gettext_lazy(
    "found no article text on the page (a front page, a video page, a consent wall or a paywall?); "
    "nothing was saved"
)

_NEVER_SHOWN = "script, style, template, noscript, svg, [hidden]"


def visible_text(html: str) -> str:
    """The page's text as a browser shows it, one block per line (for the aggregator check)."""
    tree = LexborHTMLParser(html)
    body = tree.body
    if body is None:
        return ""
    for node in reversed(body.css(_NEVER_SHOWN)):
        node.decompose()
    return "\n".join(page_lines(body))


def page_record(
    page: ExtractedPage, origin: str, fallback_url: str = "", limits: ImportLimits = DEFAULT_LIMITS
) -> Record:
    """The article an extracted page makes, or the reason it makes none."""
    if page.title and not page.paragraphs:
        return ParseError(origin, str(EMPTY_EXTRACTION))
    return build_article(
        origin=origin,
        title=page.title,
        body=page.body,
        outlet=page.outlet,
        byline=page.byline,
        url=page.canonical_url or fallback_url,
        published_on=page.published_on,
        language=page.language,
        limits=limits,
    )


def parse_html(text: str, origin: str, limits: ImportLimits = DEFAULT_LIMITS, *, url: str = "") -> ParseOutcome:
    """Parse one web page into an article (an aggregator page into several).

    ``url`` is the address the page was fetched from, when it was: it resolves a relative
    canonical link and is the article's URL when the page names none. A page nested deeper
    than ``limits.max_html_depth`` elements is one error, found before any parser reads it.
    """
    problem = depth_problem(text, limits.max_html_depth)
    if problem:
        return ParseOutcome(records=[ParseError(origin, problem)])
    shown = visible_text(text)
    if has_related_entries(shown):
        return parse_aggregator_page(shown, origin, limits)
    page = extract_article(text, url=url, origin=origin, max_depth=None)  # checked above
    return ParseOutcome(records=[page_record(page, origin, url, limits)], notes=list(page.notes))
