"""How deeply an HTML page nests, measured before any parser sees it.

HTML parsers and the tree walks after them get slow on pages nested thousands of elements
deep: a 2.2 MB page of 200,000 nested ``<div>``s took 108 s to import, and a saved
third-party page can do that by accident or on purpose. Real news pages nest a few dozen
elements deep (the deepest of the 91 conformance pages: well under 100), so Factdesk
refuses a page deeper than a limit (``FACTDESK_MAX_HTML_DEPTH``, default
:data:`DEFAULT_MAX_HTML_DEPTH`) *before* parsing it, with a message that says why.

:func:`nesting_depth` is a tokenizer-level estimate, not a parser: one left-to-right pass
with compiled regular expressions, linear in the page's length, stopping as soon as the
limit is passed. It counts open elements the way a browser's stack of open elements grows,
leaving out what never nests:

* void elements (``<br>``, ``<img>``, ``<meta>`` ...) and elements whose end tag may be
  left out (``<p>``, ``<li>``, ``<td>``, ``<option>`` ...: the next one closes the last);
* comments, doctypes and processing instructions;
* the contents of raw-text elements (``<script>``, ``<style>``, ``<textarea>``, ``<title>``
  ...), which are text however many tags they seem to hold; after ``<plaintext>`` the rest
  of the page is text;
* a self-closing tag (``<path/>``) inside ``<svg>`` or ``<math>``, where it really closes.
  In HTML ``<div/>`` does not close (the ``/`` is ignored), so there it counts.

An end tag closes the innermost open element of its name and everything opened inside it
(as ``</div>`` does in a browser); an end tag with nothing to close is ignored. The estimate
errs on the side of counting (a stray ``<a>`` that a browser would close is kept), which only
matters for pages already hundreds of elements deep.

Pure: no Django, no parser.
"""

from __future__ import annotations

import re

__all__ = [
    "DEFAULT_MAX_HTML_DEPTH",
    "HtmlTooDeep",
    "check_html_depth",
    "depth_problem",
    "nesting_depth",
    "too_deep_message",
]

#: Deeper than this is refused (``FACTDESK_MAX_HTML_DEPTH`` overrides it).
DEFAULT_MAX_HTML_DEPTH = 512

#: Elements that never have content or an end tag.
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
    | {"basefont", "bgsound", "frame", "keygen", "image"}
)
#: Elements whose end tag may be omitted: the next sibling closes them, so they do not nest.
OPTIONAL_END_ELEMENTS = frozenset(
    {"p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot"}
    | {"rt", "rp", "rb", "rtc", "colgroup", "caption"}
)
#: Elements whose content is text up to their own end tag.
RAW_TEXT_ELEMENTS = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"})
#: Inside these, ``<tag/>`` closes itself.
FOREIGN_ELEMENTS = frozenset({"svg", "math"})

# "<" followed by what makes it markup: a comment, a declaration or processing instruction,
# an end tag or a start tag. "<" followed by anything else ("a < b") is text.
_MARKUP = re.compile(r"<(?:(!--)|([!?])|(/?)([A-Za-z][^\t\n\f\r />]*))")
# The rest of a tag up to its ">", skipping ">" inside quoted attribute values. Possessive
# quantifiers and alternatives that start with different characters keep it linear.
_TAG_REST = re.compile(r"""(?:[^>=]++|=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+')?+)*+>""")
_RAW_TEXT_END = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in RAW_TEXT_ELEMENTS}


class HtmlTooDeep(ValueError):
    """A page nested deeper than the limit; ``str(error)`` is the message for the person."""

    def __init__(self, limit: int) -> None:
        super().__init__(too_deep_message(limit))
        self.limit = limit


def too_deep_message(limit: int) -> str:
    """What an editor is told about a page deeper than ``limit``."""
    return f"The page is nested more than {limit:,} elements deep; Factdesk refuses it rather than parse it."


def _as_text(html: str | bytes) -> str:
    # Tags are ASCII in every encoding a page may declare that parsers accept here.
    return html.decode("utf-8", "replace") if isinstance(html, bytes) else html


def nesting_depth(html: str | bytes, *, stop_above: int | None = None) -> int:
    """How many elements deep ``html`` nests (see the module docstring for what counts).

    With ``stop_above``, the scan stops as soon as the depth passes it and returns that
    depth, so a hostile page costs no more than its first few hundred tags.
    """
    text = _as_text(html)
    stack: list[str] = []
    open_count: dict[str, int] = {}
    foreign = 0
    deepest = 0
    position = 0
    length = len(text)
    while position < length:
        markup = _MARKUP.search(text, position)
        if markup is None:
            break
        comment, declaration, slash, name = markup.groups()
        if comment:
            end = text.find("-->", markup.end())
            if end == -1:
                break
            position = end + 3
            continue
        if declaration:
            if text.startswith("[CDATA[", markup.end()):
                end = text.find("]]>", markup.end())
                position = end + 3 if end != -1 else length
            else:
                end = text.find(">", markup.end())
                position = end + 1 if end != -1 else length
            continue
        rest = _TAG_REST.match(text, markup.end())
        if rest is None:
            break  # a tag left open at the end of the page: the parser drops it
        position = rest.end()
        name = name.lower()
        if slash:
            if open_count.get(name):
                while stack:
                    closed = stack.pop()
                    open_count[closed] -= 1
                    if closed in FOREIGN_ELEMENTS:
                        foreign -= 1
                    if closed == name:
                        break
            continue
        if name in VOID_ELEMENTS or name in OPTIONAL_END_ELEMENTS:
            continue
        if name == "plaintext":
            break
        if foreign and text[position - 2] == "/":
            continue
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
        if name in FOREIGN_ELEMENTS:
            foreign += 1
        if len(stack) > deepest:
            deepest = len(stack)
            if stop_above is not None and deepest > stop_above:
                return deepest
        if name in RAW_TEXT_ELEMENTS:
            end_tag = _RAW_TEXT_END[name].search(text, position)
            if end_tag is None:
                break  # the rest of the page is that element's text
            position = end_tag.start()
    return deepest


def depth_problem(html: str | bytes, limit: int = DEFAULT_MAX_HTML_DEPTH) -> str | None:
    """The message for a page nested deeper than ``limit``, or None when it is within it."""
    if nesting_depth(html, stop_above=limit) > limit:
        return too_deep_message(limit)
    return None


def check_html_depth(html: str | bytes, limit: int = DEFAULT_MAX_HTML_DEPTH) -> None:
    """Raise :class:`HtmlTooDeep` when ``html`` nests deeper than ``limit`` (call before parsing)."""
    if nesting_depth(html, stop_above=limit) > limit:
        raise HtmlTooDeep(limit)
