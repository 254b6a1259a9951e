"""Markdown files: reduce to plain-text paragraphs.

This is deliberately not a Markdown renderer (none is installed, and the article body is
plain text anyway). It handles what editors' notes and CMS exports actually contain:

* ATX (``# Title``) and setext (``Title`` over ``====``) headings become their own paragraph;
  the first level-1 heading is the title (otherwise the first line is),
* paragraphs' soft-wrapped lines are joined with a space, as Markdown renders them,
* list items stay one per line inside their paragraph (bullets dropped, numbers kept),
* ``>`` quote markers, fences of code blocks, horizontal rules, link reference definitions
  and images are dropped,
* inline markup is reduced to its text: ``[text](url)`` -> ``text``, ``**bold**`` -> ``bold``,
  ``*em*``/``_em_``, ``~~struck~~``, ```code``` and backslash escapes.

The regular expressions below read Markdown punctuation in plain text; HTML embedded in a
Markdown file is left as written.
"""

from __future__ import annotations

import re

from articles.importing.formats import DEFAULT_LIMITS, ImportLimits, ParseOutcome, build_article

__all__ = ["markdown_to_text", "parse_markdown", "strip_inline_markdown"]

_ATX_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_SETEXT_UNDERLINE = re.compile(r" {0,3}(=+|-+)[ \t]*")
_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_FENCE = re.compile(r" {0,3}(```|~~~)")
_REFERENCE_DEFINITION = re.compile(r" {0,3}\[[^\]]+\]:\s*\S+.*")
_QUOTE_MARKER = re.compile(r"^(?: {0,3}>[ ]?)+")
_LIST_ITEM = re.compile(r" {0,3}(?:([-*+])|(\d{1,9}[.)]))[ \t]+(.*)")

# Block kinds besides heading levels 1-6.
_PROSE = 0  # soft-wrapped lines, joined with spaces
_LIST = -1  # one item per line
_CODE = -2  # fenced code, kept verbatim

_ESCAPABLE = "\\`*_{}[]()#+-.!~>|"
# Escaped punctuation is swapped for private-use characters while markup is stripped,
# then swapped back, so "\*not emphasis\*" survives as "*not emphasis*".
_PLACEHOLDERS = {char: chr(0xF0000 + index) for index, char in enumerate(_ESCAPABLE)}
_RESTORE = {ord(placeholder): char for char, placeholder in _PLACEHOLDERS.items()}

_INLINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"!\[[^\]]*\]\[[^\]]*\]"), ""),  # reference images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url)
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # <https://autolink>
    (re.compile(r"(`+)(.+?)\1"), r"\2"),  # `code`
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # **strong**
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),  # ~~struck~~
    (re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"), r"\1"),  # *em*
    (re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])"), r"\1"),  # _em_
)


def strip_inline_markdown(text: str) -> str:
    """Reduce inline Markdown markup in one line of text to its plain text."""
    text = re.sub(r"\\([" + re.escape(_ESCAPABLE) + r"])", lambda match: _PLACEHOLDERS[match.group(1)], text)
    for pattern, replacement in _INLINE_RULES:
        text = pattern.sub(replacement, text)
    return " ".join(text.split()).translate(_RESTORE)


def markdown_to_text(text: str) -> tuple[str, str]:
    """Return ``(title, body)`` for a Markdown document; ``body`` is paragraphs split by blank lines."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[tuple[int, list[str]]] = []  # (heading level or _PROSE/_LIST/_CODE, source lines)
    paragraph: list[str] = []
    list_block = False
    code: list[str] | None = None

    def end_paragraph() -> None:
        nonlocal paragraph, list_block
        if paragraph:
            blocks.append((_LIST if list_block else _PROSE, paragraph))
        paragraph, list_block = [], False

    for raw in lines:
        if code is not None:
            if _FENCE.match(raw):
                if code:
                    blocks.append((_CODE, code))
                code = None
            elif raw.strip():
                code.append(raw.rstrip())
            continue
        if _FENCE.match(raw):
            end_paragraph()
            code = []
            continue
        line = _QUOTE_MARKER.sub("", raw)
        if not line.strip():
            end_paragraph()
            continue
        underline = _SETEXT_UNDERLINE.fullmatch(line)
        if underline and paragraph and not list_block:
            level = 1 if underline.group(1).startswith("=") else 2
            blocks.append((level, [" ".join(paragraph)]))
            paragraph = []
            continue
        if _RULE.fullmatch(line) or _REFERENCE_DEFINITION.fullmatch(line):
            end_paragraph()
            continue
        heading = _ATX_HEADING.fullmatch(line)
        if heading:
            end_paragraph()
            blocks.append((len(heading.group(1)), [heading.group(2) or ""]))
            continue
        item = _LIST_ITEM.fullmatch(line)
        if item:
            if paragraph and not list_block:
                end_paragraph()
            list_block = True
            number = item.group(2)
            paragraph.append(f"{number} {item.group(3)}" if number else item.group(3))
        elif list_block:
            paragraph[-1] = f"{paragraph[-1]} {line.strip()}"  # continuation of a list item
        else:
            paragraph.append(line.strip())  # joined with spaces below (soft wrap)
    end_paragraph()
    if code:
        blocks.append((_CODE, code))

    title = ""
    for index, (level, block_lines) in enumerate(blocks):
        if level == 1:
            title = block_lines[0]
            del blocks[index]
            break
    else:
        if blocks:
            level, first = blocks[0]
            title = first[0]
            if len(first) > 1:
                blocks[0] = (level, first[1:])
            else:
                del blocks[0]

    paragraphs = []
    for kind, block_lines in blocks:
        if kind == _CODE:
            paragraph_text = "\n".join(block_lines)
        elif kind == _PROSE:
            paragraph_text = strip_inline_markdown(" ".join(block_lines))
        else:
            text_lines = (strip_inline_markdown(line) for line in block_lines)
            paragraph_text = "\n".join(line for line in text_lines if line)
        if paragraph_text:
            paragraphs.append(paragraph_text)
    return strip_inline_markdown(title), "\n\n".join(paragraphs)


def parse_markdown(text: str, origin: str, limits: ImportLimits = DEFAULT_LIMITS) -> ParseOutcome:
    """Parse a Markdown document into one article (see the module docstring for what is kept)."""
    title, body = markdown_to_text(text)
    return ParseOutcome(records=[build_article(origin=origin, title=title, body=body, limits=limits)])
