"""Saved web pages: reduce an HTML document to one article of clean paragraphs.

The HTML is parsed with selectolax (lexbor), never with regular expressions. The steps:

1. Metadata from ``<meta>``/``<link>`` tags: author, ``article:published_time``, ``og:url``
   or the canonical link, ``og:site_name`` and ``<html lang>``. Metadata is best effort: a
   value that is unusable (a relative URL, a non-ISO date) is left out with a note
   rather than failing the article.
2. The content root: the ``<article>`` with the most text, else ``<main>``, else ``<body>``.
3. The title: the first ``<h1>`` in the content root (outside navigation/aside/footer and,
   when the root is the whole body, outside the site ``<header>``, where logos live), else
   ``og:title``, else ``<title>``. An ``<h1>`` used as the title is removed from the body.
4. Page furniture (:data:`DROPPED_ELEMENTS`) is removed from the root.
5. Block elements become paragraphs; inline text is concatenated as the browser would
   render it and whitespace is collapsed; ``<br>`` is a line break inside a paragraph and
   ``<pre>`` keeps its lines.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from articles.importing.formats import (
    DEFAULT_LIMITS,
    ImportLimits,
    ParseOutcome,
    build_article,
    normalize_language,
    parse_iso_date,
)
from factcheck.validators import is_http_url

__all__ = ["DROPPED_ELEMENTS", "html_paragraphs", "parse_html"]

# Elements whose content is never article text.
DROPPED_ELEMENTS = (
    "script, style, template, noscript, nav, header, footer, aside, form, figcaption, "
    "iframe, svg, canvas, button, select, textarea, [hidden], [aria-hidden='true']"
)

# Everything else is treated as a block boundary: text on either side of it never runs
# together, so unknown or custom elements cannot glue two paragraphs into one.
_INLINE = frozenset(
    {
        *("a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i", "img", "ins"),
        *("kbd", "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"),
        "wbr",
    }
)
_LINE_BREAK = "\x00"  # stands for <br> until whitespace has been collapsed


def _collapse(text: str) -> str:
    lines = (" ".join(part.split()) for part in text.split(_LINE_BREAK))
    return "\n".join(line for line in lines if line)


def _preformatted(node: LexborNode) -> str:
    """``<pre>`` text with its line structure kept; blank lines removed so it stays one paragraph."""
    text = (node.text(deep=True) or "").replace(_LINE_BREAK, "")
    return "\n".join(line.rstrip() for line in text.split("\n") if line.strip())


def html_paragraphs(root: LexborNode) -> list[str]:
    """Return the paragraphs of ``root``'s text, walking the tree without recursion.

    An explicit stack is used because pages can nest elements thousands deep, which
    would otherwise exhaust Python's recursion limit on hostile input.
    """
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = _collapse("".join(buffer))
        buffer.clear()
        if text:
            paragraphs.append(text)

    stack: list[tuple[LexborNode, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            flush()
            continue
        if node.is_text_node:
            buffer.append((node.text_content or "").replace(_LINE_BREAK, ""))
            continue
        tag = node.tag or ""
        if tag.startswith("-"):  # comments, doctype
            continue
        if tag == "br":
            buffer.append(_LINE_BREAK)
            continue
        if tag == "pre":
            flush()
            text = _preformatted(node)
            if text:
                paragraphs.append(text)
            continue
        if tag not in _INLINE:
            flush()
            stack.append((node, True))
        children = list(node.iter(include_text=True))
        stack.extend((child, False) for child in reversed(children))
    flush()
    return paragraphs


def _meta(tree: LexborHTMLParser, *keys: str) -> str:
    """The first non-empty ``content`` of ``<meta property=key>`` or ``<meta name=key>``."""
    for key in keys:
        for attribute in ("property", "name", "itemprop"):
            node = tree.css_first(f'meta[{attribute}="{key}"]')
            content = (node.attributes.get("content") or "").strip() if node else ""
            if content:
                return content
    return ""


def _content_root(tree: LexborHTMLParser) -> LexborNode | None:
    articles = tree.css("article")
    if articles:
        return max(articles, key=lambda node: len(node.text(deep=True) or ""))
    return tree.css_first("main") or tree.body


def _title_heading(root: LexborNode) -> LexborNode | None:
    """First ``<h1>`` of ``root`` that is not inside navigation or site chrome."""
    excluded = {"nav", "aside", "footer", "form"}
    if root.tag in ("body", "main"):
        excluded.add("header")
    for heading in root.css("h1"):
        ancestor = heading.parent
        inside_excluded = False
        while ancestor is not None and ancestor.mem_id != root.mem_id:
            if ancestor.tag in excluded:
                inside_excluded = True
                break
            ancestor = ancestor.parent
        if not inside_excluded and " ".join((heading.text(deep=True) or "").split()):
            return heading
    return None


def parse_html(text: str, origin: str, limits: ImportLimits = DEFAULT_LIMITS) -> ParseOutcome:
    """Parse one saved web page into a single article (see the module docstring for the rules)."""
    outcome = ParseOutcome()
    tree = LexborHTMLParser(text)

    byline = _meta(tree, "author", "article:author", "byl")
    if is_http_url(byline):
        byline = ""  # article:author is often a profile URL, not a name
    outlet = _meta(tree, "og:site_name")

    canonical = tree.css_first('link[rel="canonical"]')
    raw_url = _meta(tree, "og:url") or ((canonical.attributes.get("href") or "").strip() if canonical else "")
    url = raw_url if is_http_url(raw_url) else ""
    if raw_url and not url:
        outcome.notes.append(f"{origin}: ignored page address {raw_url!r}: not an absolute http(s) URL.")

    published_on = None
    raw_date = _meta(tree, "article:published_time", "datePublished", "date", "pubdate")
    if raw_date:
        try:
            published_on = parse_iso_date(raw_date)
        except ValueError:
            outcome.notes.append(f"{origin}: ignored published date {raw_date!r}: not an ISO date.")

    language = ""
    html_node = tree.css_first("html")
    raw_language = (html_node.attributes.get("lang") or "").strip() if html_node else ""
    if raw_language:
        try:
            language = normalize_language(raw_language)
        except ValueError:
            outcome.notes.append(f"{origin}: ignored page language {raw_language!r}.")

    root = _content_root(tree)
    title = ""
    heading = _title_heading(root) if root is not None else None
    if heading is not None:
        title = heading.text(deep=True) or ""
        heading.decompose()
    else:
        title_node = tree.css_first("title")
        title = _meta(tree, "og:title") or (title_node.text(deep=True) if title_node else "") or ""

    paragraphs: list[str] = []
    if root is not None:
        # Reverse document order removes nested matches before their ancestors, so no
        # node is touched after an ancestor's removal has already freed it.
        for node in reversed(root.css(DROPPED_ELEMENTS)):
            node.decompose()
        paragraphs = html_paragraphs(root)

    outcome.records.append(
        build_article(
            origin=origin,
            title=title,
            body="\n\n".join(paragraphs),
            outlet=outlet,
            byline=byline,
            url=url,
            published_on=published_on,
            language=language,
            limits=limits,
        )
    )
    return outcome
