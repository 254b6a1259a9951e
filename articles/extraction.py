"""Web pages in: one news page's HTML reduced to the article an editor wants to annotate.

The body comes from trafilatura (readability-style scoring of the page's blocks, with
``lxml_html_clean`` for the markup), asked for precision and without reader comments. On
top of it sit a few rules every newsroom page needs, because sites put the same kinds of
furniture inside or right after the story:

* hover cards, tooltips and pop-ups that carry other headlines inside a link
  (:data:`FURNITURE_XPATH`), captions, and boxes named after related stories,
  recommendations, newsletters, "read more" and comments are pruned from the page before
  trafilatura scores it;
* the headline and a standfirst that trafilatura keeps as headings ahead of the first
  paragraph are dropped (the title is stored on its own);
* promotional one-liners ("Sign up for our newsletter", "Follow us on Twitter", "Related: …",
  "READ MORE: …") are dropped wherever they are (:data:`PROMO_LINE`);
* a run of short link-only lines (a "more on this story" list) is dropped, and so is
  the heading that introduces it.

No rule names a site: each is about a kind of furniture, so it works on pages nobody has
seen. ``docs/extraction.md`` gives the score on the conformance pages and how it is measured.

Metadata is read alongside: title, byline, outlet, publication date (htmldate), language
(``<html lang>``, else trafilatura's guess from the page's own declarations) and the
canonical URL (``<link rel=canonical>``, else ``og:url``; a relative one is resolved
against the page's address when it is known). A value that is unusable is left out with a
note rather than failing the article.

Pages too small for trafilatura's scoring (a saved snippet, a test page) fall back to a
plain reading of the page's ``<article>``/``<main>``/``<body>`` with the usual furniture
elements removed (:func:`plain_paragraphs`).

A page nested deeper than ``max_depth`` elements is refused before either parser sees it
(:mod:`articles.html_limits`): parsing and walking such a page takes minutes.

Pure: no models, no database, no network.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import htmldate
import lxml.etree
import lxml.html
from selectolax.lexbor import LexborHTMLParser, LexborNode
from trafilatura import bare_extraction
from trafilatura.utils import load_html

from articles.html_limits import DEFAULT_MAX_HTML_DEPTH, check_html_depth
from articles.values import normalize_language, parse_iso_date
from factcheck.validators import is_http_url

__all__ = [
    "FURNITURE_NAMES",
    "PROMO_LINE",
    "ExtractedPage",
    "extract_article",
    "page_lines",
    "plain_paragraphs",
]

# --- furniture pruned before scoring ------------------------------------------------------------

#: Hover cards and pop-ups: other headlines hidden inside a link in the story. Only the
#: innermost such box goes (the outer one often wraps the link that belongs to the sentence).
HOVER_NAMES = ("rollover", "tooltip", "popover", "hover-?card", "popup")
#: Words in a box's class or id that name it as furniture (regular expressions, case-insensitive).
FURNITURE_NAMES = (
    # related stories and recommendations
    "related", "recommend", "read-?more", "more-?stories", "more-?articles", "also-?read",
    "dont-?miss", "most-?read", "trending", "up-?next", "outbrain", "taboola",
    # newsletters, subscriptions, membership pleas
    "newsletter", "subscribe", "subscription", "sign-?up", "paywall", "donate",
    # reader comments
    "comment", "disqus",
    # captions and credits
    "caption", "credit",
)
_FURNITURE_NAME = re.compile("|".join(FURNITURE_NAMES), re.IGNORECASE)
_HOVER_NAME = re.compile("|".join(HOVER_NAMES), re.IGNORECASE)
#: Elements that can be a furniture box (a class on a ``<p>`` or ``<a>`` says too little).
_BOX_TAGS = ("div", "section", "aside", "span", "ul", "ol", "figure", "table", "li")
#: Never pruned by their class: the page and the story's own containers.
_NEVER_PRUNED = frozenset({"html", "body", "article", "main"})
#: A box holding this many paragraphs of 40 words or more is prose, whatever its class says.
PROSE_GUARD = 3


def _names(element: lxml.html.HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}".strip()


def furniture_boxes(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Captions, boxes whose class or id names a kind of furniture (:data:`FURNITURE_NAMES`), and
    the innermost hover cards (:data:`HOVER_NAMES`)."""
    boxes = list(tree.iter("figcaption"))
    for element in tree.iter(*_BOX_TAGS):
        names = _names(element)
        if not names:
            continue
        innermost_hover_card = _HOVER_NAME.search(names) and not any(
            _HOVER_NAME.search(_names(inner)) for inner in element.iterdescendants(*_BOX_TAGS)
        )
        if _FURNITURE_NAME.search(names) or innermost_hover_card:
            boxes.append(element)
    return boxes


def _paragraph_chars(element: lxml.html.HtmlElement) -> int:
    return sum(len(paragraph.text_content()) for paragraph in element.iter("p"))


def _prose_paragraphs(element: lxml.html.HtmlElement) -> int:
    return sum(1 for paragraph in element.iter("p") if len(paragraph.text_content().split()) >= 40)


def _remove_keeping_tail(element: lxml.html.HtmlElement) -> None:
    """Remove ``element`` but keep the text that follows it (it belongs to the parent)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def prune_furniture(tree: lxml.html.HtmlElement) -> int:
    """Remove :func:`furniture_boxes` from ``tree`` in place; returns how many were removed.

    A box is kept when it holds the headline, most of the page's paragraph text, or
    :data:`PROSE_GUARD` long paragraphs: then its class describes the story's own container
    ("has-comments", "subscriber-content"), not a box beside it.
    """
    boxes = furniture_boxes(tree)
    if not boxes:
        return 0
    total = _paragraph_chars(tree) or 1
    removed = 0
    for element in boxes:
        if element.tag in _NEVER_PRUNED or next(element.iter("h1"), None) is not None:
            continue
        if _paragraph_chars(element) > 0.5 * total or _prose_paragraphs(element) >= PROSE_GUARD:
            continue
        _remove_keeping_tail(element)
        removed += 1
    return removed


# --- furniture lines dropped after extraction ---------------------------------------------------

#: One-line promotions and pointers, matched against a whole paragraph. Each alternative is
#: a sentence shape an outlet uses for furniture, never for reporting.
PROMO_LINE = re.compile(
    r"""^(?:
        (?:related|read\ more|read\ also|also\ read|see\ more|see\ also|more|don'?t\ miss|watch|listen
           |recommended|trending|editor'?s\ picks?|most\ read|top\ stories|latest)\s*[:|\u2013\u2014-].{0,200}
      | (?:related|read\ more|more\ on\ this\ story|don'?t\ miss|recommended(?:\ for\ you)?|you\ may\ also\ like
           |you\ might\ also\ like|more\ from\ .{1,40}|trending(?:\ now)?|most\ (?:read|popular)|latest\ news
           |top\ stories|editor'?s\ picks?|advertisement|sponsored(?:\ content)?|comments?|\d+\ comments?
           |share(?:\ this(?:\ article|\ story)?)?|filed\ under\b.{0,120}|tags?:.{0,200})\W*
      | .{0,120}\b(?:sign\ up|subscribe)\b.{0,160}\b(?:newsletters?|inbox|e-?mails?|updates)\b.{0,120}
      | .{0,80}\b(?:newsletters?)\b.{0,80}\b(?:sign\ up|subscribe)\b.{0,80}
      | follow\ (?:us|him|her|them|[A-Z][\w.'-]*(?:\ [A-Z][\w.'-]*){0,3})\ on
        \ (?:twitter|facebook|instagram|x|linkedin|tiktok|youtube)\b.{0,200}
      | .{0,200}\bfollow\ (?:us|him|her|them)\ on\ (?:twitter|facebook|instagram|x|linkedin)\b.{0,120}
      | (?:have\ a\ (?:news\ )?tip|got\ a\ (?:news\ )?tip)\b.{0,300}
      | (?:tell\ us\ what\ you\ think|join\ the\ (?:conversation|discussion)|leave\ a\ comment
        |comments\ are\ closed)\b.{0,80}
      | (?:click\ here|tap\ here)\b.{0,200}
      | \[(\w[\w-]*)\b[^\]]*\].{0,300}\[/\1\]  # a CMS shortcode left unrendered: [button ...]…[/button]
      | (?:copyright\ (?:\u00a9\ ?|\(c\)\ ?)?\d{4}|\u00a9).{0,200}
    )$""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)

#: A line no longer than this many words that is all link text is a pointer to another page.
TEASER_MAX_WORDS = 18
#: This many teaser lines in a row are a list of other stories (one alone may be a real link).
TEASER_RUN = 3
#: ... and at least this share of the line is the link's text (the rest: "[VIDEO]", a bullet).
TEASER_LINK_SHARE = 0.75


@dataclass(frozen=True)
class _Block:
    """One paragraph of trafilatura's output, with what the rules need to know about it."""

    kind: str  # "p", "head", "item", "quote", "code", "cell"
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class ExtractedPage:
    """What a page said, as Factdesk stores an article: the body's paragraphs and the metadata."""

    title: str = ""
    byline: str = ""
    outlet: str = ""
    published_on: datetime.date | None = None
    language: str = ""
    canonical_url: str = ""
    paragraphs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: "trafilatura" or "plain" (the fallback for pages too small to score)
    method: str = ""

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


# --- text helpers --------------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _same_text(left: str, right: str) -> bool:
    """Equal up to case, spacing and punctuation: a headline repeated in the body."""
    def words(text: str) -> list[str]:
        return re.findall(r"\w+", text.casefold())

    return bool(left) and words(left) == words(right)


# --- the trafilatura path -------------------------------------------------------------------------

_BLOCK_TAGS = {"p": "p", "head": "head", "item": "item", "quote": "quote", "code": "code", "cell": "cell"}


def _element_text(element: lxml.etree._Element) -> str:
    """Text of one output element, ``<lb/>`` as a line break; nested blocks are left to themselves."""
    parts: list[str] = [element.text or ""]
    stack = list(reversed(element))
    while stack:
        child = stack.pop()
        if isinstance(child, str):  # a tail, queued after the child's own content
            parts.append(child)
            continue
        if child.tail:
            stack.append(child.tail)
        if child.tag in _BLOCK_TAGS or child.tag in ("list", "table", "row"):
            continue
        if child.tag == "lb":
            parts.append("\n")
            continue
        parts.append(child.text or "")
        stack.extend(reversed(child))
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


_CONTAINERS = ("body", "list", "table", "row", "div")


def _loose_text(text: str | None) -> str:
    lines = (" ".join(line.split()) for line in (text or "").split("\n"))
    return " ".join(line for line in lines if line)


def _blocks(body: lxml.etree._Element) -> list[_Block]:
    """trafilatura's XML body as a flat list of paragraphs in document order.

    Text standing loose in a container (trafilatura leaves some paragraphs as the tail of
    the heading before them) is a paragraph of its own.
    """
    blocks: list[_Block] = []

    def add(kind: str, text: str) -> None:
        if text:
            blocks.append(_Block(kind, text))

    add("p", _loose_text(body.text))
    stack: list[lxml.etree._Element | str] = list(reversed(body))
    while stack:
        element = stack.pop()
        if isinstance(element, str):
            add("p", _loose_text(element))
            continue
        if element.tail and element.tail.strip():
            stack.append(element.tail)
        kind = _BLOCK_TAGS.get(element.tag)
        if kind == "code":
            add(kind, "\n".join(line.rstrip() for line in "".join(element.itertext()).split("\n") if line.strip()))
        elif kind is not None:
            add(kind, _element_text(element))
            stack.extend(reversed([child for child in element if child.tag in _BLOCK_TAGS or child.tag in _CONTAINERS]))
        elif element.tag in _CONTAINERS:
            add("p", _loose_text(element.text))
            stack.extend(reversed(element))
    return blocks


def _link_texts(tree: lxml.html.HtmlElement) -> set[str]:
    """The text of every link on the page, squashed."""
    texts = (_squash(link.text_content()) for link in tree.iter("a"))
    return {text for text in texts if text}


def _is_link_line(block: _Block, link_texts: set[str]) -> bool:
    """A line that is (nearly) all one link's text."""
    text = block.text
    return any(len(link) >= TEASER_LINK_SHARE * len(text) and link in text for link in link_texts)


def _is_teaser(block: _Block, link_texts: set[str]) -> bool:
    """A short link line: a pointer to another page."""
    if block.kind in ("code", "cell") or block.words > TEASER_MAX_WORDS or "\n" in block.text:
        return False
    return _is_link_line(block, link_texts)


def _drop_furniture(blocks: list[_Block], title: str, link_texts: set[str]) -> list[_Block]:
    """Apply the newsroom rules (module docstring) to trafilatura's paragraphs."""
    # Headline and standfirst: headings before the first paragraph of text.
    first_text = next((index for index, block in enumerate(blocks) if block.kind != "head"), len(blocks))
    kept = blocks[first_text:]
    # The headline repeated as the first paragraph.
    if kept and _same_text(kept[0].text, title):
        kept = kept[1:]
    kept = [block for block in kept if block.kind == "code" or not PROMO_LINE.match(block.text)]
    # Runs of short link-only lines ("more on this story") and the heading that introduces them.
    result: list[_Block] = []
    index = 0
    while index < len(kept):
        end = index
        while end < len(kept) and _is_teaser(kept[end], link_texts):
            end += 1
        if end - index >= TEASER_RUN:
            if result and result[-1].kind == "head":
                result.pop()
            index = end
            continue
        result.extend(kept[index : max(end, index + 1)])
        index = max(end, index + 1)
    while result and result[-1].kind == "head":
        result.pop()  # a heading with nothing after it introduced furniture that is gone
    if all(_is_link_line(block, link_texts) for block in result):
        return []  # only links were found (a menu, a front page): no article text
    return result


def _trafilatura_paragraphs(tree: lxml.html.HtmlElement, url: str, title: str) -> list[str]:
    prune_furniture(tree)
    link_texts = _link_texts(tree)
    document = bare_extraction(
        tree,
        url=url or None,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
    )
    if document is None or getattr(document, "body", None) is None:
        return []
    return [block.text for block in _drop_furniture(_blocks(document.body), title, link_texts)]


# --- the plain path (small pages) ----------------------------------------------------------------

#: Elements whose content is never article text, for the plain reading of small pages.
DROPPED_ELEMENTS = (
    "script, style, template, noscript, nav, header, footer, aside, form, figcaption, "
    "iframe, svg, canvas, button, select, textarea, [hidden], [aria-hidden='true']"
)

# Everything else is a block boundary: text on either side of it never runs together.
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
    text = (node.text(deep=True) or "").replace(_LINE_BREAK, "")
    return "\n".join(line.rstrip() for line in text.split("\n") if line.strip())


def page_lines(root: LexborNode) -> list[str]:
    """The paragraphs of ``root``'s text as a browser lays them out, walking without recursion.

    An explicit stack is used because pages can nest elements thousands deep, which would
    otherwise exhaust Python's recursion limit on hostile input.
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


def plain_paragraphs(html: str, *, max_depth: int | None = DEFAULT_MAX_HTML_DEPTH) -> tuple[str, list[str]]:
    """``(headline, paragraphs)`` of a small page: its main container without furniture elements.

    The headline is the container's first ``<h1>`` outside site chrome (removed from the
    paragraphs), or "" when there is none. Raises :class:`articles.html_limits.HtmlTooDeep`
    for a page nested deeper than ``max_depth``, before parsing it (None: the caller has
    checked already).
    """
    if max_depth is not None:
        check_html_depth(html, max_depth)
    tree = LexborHTMLParser(html)
    root = _content_root(tree)
    if root is None:
        return "", []
    headline = ""
    heading = _title_heading(root)
    if heading is not None:
        headline = _squash(heading.text(deep=True) or "")
        heading.decompose()
    # Reverse document order removes nested matches before their ancestors.
    for node in reversed(root.css(DROPPED_ELEMENTS)):
        node.decompose()
    return headline, page_lines(root)


# --- metadata --------------------------------------------------------------------------------------


def _meta_tags(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """``<meta>`` contents by property, name or itemprop (lower-cased); the first non-empty one wins."""
    found: dict[str, str] = {}
    for node in tree.iter("meta"):
        content = _squash(node.get("content") or "")
        if not content:
            continue
        for attribute in ("property", "name", "itemprop"):
            key = (node.get(attribute) or "").strip().lower()
            if key:
                found.setdefault(key, content)
    return found


def _first(meta: dict[str, str], *keys: str) -> str:
    return next((meta[key] for key in keys if meta.get(key)), "")


def _json_ld_names(tree: lxml.html.HtmlElement) -> tuple[str, str]:
    """``(author names, publisher name)`` from the page's schema.org JSON-LD, if it states them."""
    authors: list[str] = []
    publisher = ""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        items = [item for entry in items if isinstance(entry, dict) for item in (entry.get("@graph") or [entry])]
        for item in items:
            if not isinstance(item, dict) or "Article" not in str(item.get("@type", "")):
                continue
            people = item.get("author")
            for person in people if isinstance(people, list) else [people]:
                name = person.get("name") if isinstance(person, dict) else person
                if isinstance(name, str) and _squash(name) and not is_http_url(name.strip()):
                    authors.append(_squash(name))
            owner = item.get("publisher")
            name = owner.get("name") if isinstance(owner, dict) else owner
            if isinstance(name, str) and not publisher:
                publisher = _squash(name)
    return ", ".join(dict.fromkeys(authors)), publisher


def _byline(meta: dict[str, str], json_ld_authors: str) -> str:
    """The author(s): ``<meta name=author>`` and its cousins, else JSON-LD; profile URLs are not names."""
    for candidate in (
        _first(meta, "author", "article:author", "byl", "dc.creator", "dcterms.creator", "parsely-author"),
        json_ld_authors,
    ):
        if candidate and not is_http_url(candidate):
            return re.sub(r"^by\s+", "", candidate, flags=re.IGNORECASE)
    return ""


def _canonical_url(
    tree: lxml.html.HtmlElement, meta: dict[str, str], page_url: str, notes: list[str], origin: str
) -> str:
    """``<link rel=canonical>``, else ``og:url``; resolved against the page's address when known."""
    link = next(
        (node for node in tree.iter("link") if "canonical" in (node.get("rel") or "").lower().split()),
        None,
    )
    raw = ((link.get("href") or "").strip() if link is not None else "") or meta.get("og:url", "")
    if not raw:
        return ""
    resolved = urljoin(page_url, raw) if page_url else raw
    if is_http_url(resolved):
        return resolved
    notes.append(f"{origin}: ignored page address {raw!r}: not an absolute http(s) URL.")
    return ""


def _published_on(
    tree: lxml.html.HtmlElement, meta: dict[str, str], url: str, notes: list[str], origin: str
) -> datetime.date | None:
    """The publication date as htmldate finds it in the page's metadata, markup and address."""
    try:
        found = htmldate.find_date(tree, extensive_search=False, original_date=True, url=url or None)
    except (ValueError, TypeError):
        found = None
    if found:
        try:
            return datetime.date.fromisoformat(found)
        except ValueError:
            pass
    raw = _first(meta, "article:published_time", "datepublished", "date", "pubdate", "dc.date")
    if raw:
        try:
            return parse_iso_date(raw)
        except ValueError:
            notes.append(f"{origin}: ignored published date {raw!r}: not a date htmldate could read.")
    return None


def _language(tree: lxml.html.HtmlElement, meta: dict[str, str], notes: list[str], origin: str) -> str:
    """``<html lang>``, else the page's declared locale; "" when it states none."""
    raw = (tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    raw = raw or _first(meta, "og:locale", "language", "content-language", "dc.language")
    if not raw:
        return ""
    try:
        return normalize_language(raw)
    except ValueError:
        notes.append(f"{origin}: ignored page language {raw!r}.")
        return ""


def _headline(tree: lxml.html.HtmlElement) -> str:
    """The story's ``<h1>``: in the ``<article>`` with the most text, else ``<main>``, else the page,
    never one inside navigation, asides, footers, forms or (outside an article) the site header.
    """
    articles = list(tree.iter("article"))
    if articles:
        root = max(articles, key=lambda node: len(node.text_content()))
    else:
        main = next(tree.iter("main"), None)
        root = main if main is not None else tree
    excluded = {"nav", "aside", "footer", "form"} | ({"header"} if root.tag != "article" else set())
    for heading in root.iter("h1"):
        if _inside(heading, root, excluded):
            continue
        text = _squash(heading.text_content())
        if text:
            return text
    return ""


def _inside(node: lxml.html.HtmlElement, root: lxml.html.HtmlElement, tags: set[str]) -> bool:
    """Whether an ancestor of ``node`` below ``root`` is one of ``tags``."""
    for ancestor in node.iterancestors():
        if ancestor is root:
            return False
        if ancestor.tag in tags:
            return True
    return False


# --- the entry point --------------------------------------------------------------------------------


def _parse(html: str) -> lxml.html.HtmlElement | None:
    """The page as trafilatura parses it (comments and processing instructions left out)."""
    try:
        tree = load_html(html)
    except (lxml.etree.ParserError, ValueError, TypeError):
        return None
    if tree is None:
        return None
    return tree if tree.tag == "html" else tree.getroottree().getroot()


def extract_article(
    html: str | bytes, url: str = "", origin: str = "", *, max_depth: int | None = DEFAULT_MAX_HTML_DEPTH
) -> ExtractedPage:
    """Read one news page: metadata and the article body's paragraphs (see the module docstring).

    ``url`` is where the page was fetched from (resolves a relative canonical link); ``origin``
    names the page in notes (a file name, the URL). An empty :attr:`ExtractedPage.paragraphs`
    means no article text was found; the caller says so. A page nested deeper than
    ``max_depth`` elements raises :class:`articles.html_limits.HtmlTooDeep` before any parser
    reads it (parsing such pages takes minutes); ``None`` means the caller has checked already.
    """
    origin = origin or url or "the page"
    page = ExtractedPage()
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    if not text.strip():
        return page
    if max_depth is not None:
        check_html_depth(text, max_depth)
    tree = _parse(text)
    if tree is None:
        return page

    meta = _meta_tags(tree)
    authors, publisher = _json_ld_names(tree)
    page.canonical_url = _canonical_url(tree, meta, url, page.notes, origin)
    page.published_on = _published_on(tree, meta, url, page.notes, origin)
    page.language = _language(tree, meta, page.notes, origin)
    page.byline = _byline(meta, authors)
    page.outlet = _first(meta, "og:site_name", "application-name") or publisher
    title_tag = next(tree.iter("title"), None)
    page.title = (
        _headline(tree)
        or _first(meta, "og:title", "twitter:title")
        or (_squash(title_tag.text_content()) if title_tag is not None else "")
    )

    paragraphs = _trafilatura_paragraphs(tree, url, page.title)
    if paragraphs:
        page.paragraphs, page.method = paragraphs, "trafilatura"
    else:
        headline, page.paragraphs = plain_paragraphs(text, max_depth=None)  # checked above
        page.method = "plain"
        page.title = page.title or headline
    return page
