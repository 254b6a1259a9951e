"""Markdown files: reduce to plain-text paragraphs with a CommonMark parser (markdown-it-py).

The article body is plain text, so the Markdown is parsed (CommonMark, plus ``~~strikethrough~~`` and pipe tables)
and its blocks are written out as paragraphs rather than rendered:

* headings become their own paragraph; the first level-1 heading (ATX ``#`` or setext
  ``===``) is the title, otherwise the first line of the first block is;
* a paragraph's soft-wrapped lines are joined with a space, as Markdown renders them; a
  hard break (two spaces or a backslash at the end of a line) stays a line break;
* a list is one paragraph with one item per line (bullets dropped, numbers kept, nested
  items on lines of their own);
* block quotes are read as their paragraphs; code blocks keep their lines;
* inline markup is reduced to its text: links to their text, images dropped, emphasis,
  code spans and escapes resolved as CommonMark defines them;
* a table (GitHub's pipe tables) is one paragraph with a line per row, cells joined by " | ";
* horizontal rules and link reference definitions disappear; HTML written into the file is
  kept as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from articles.importing.formats import DEFAULT_LIMITS, ImportLimits, ParseOutcome, build_article

__all__ = ["markdown_to_text", "parse_markdown"]

_PARSER = MarkdownIt("commonmark").enable(["strikethrough", "table"])


def _inline_text(token: Token) -> str:
    """An inline token's plain text; soft breaks are ``\\n`` here (callers decide how to join)."""
    parts: list[str] = []
    for child in token.children or []:
        # An image's alt text (its own children) is not article text.
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append("\n")
        elif child.type == "hardbreak":
            parts.append("\x00")  # a kept line break, told apart from a soft one
    return "".join(parts)


def _prose(text: str) -> str:
    """Soft breaks joined with a space and spaces collapsed; hard breaks kept as line breaks."""
    lines = (" ".join(part.split()) for part in text.replace("\n", " ").split("\x00"))
    return "\n".join(line for line in lines if line)


@dataclass
class _Block:
    kind: str  # "heading", "prose", "list", "table", "code", "html"
    level: int = 0  # heading level
    lines: list[str] = field(default_factory=list)  # list items, code lines, or the raw inline text


def _blocks(tokens: list[Token]) -> list[_Block]:
    blocks: list[_Block] = []
    list_block: _Block | None = None  # the outermost list being read
    list_depth = 0
    numbers: list[str] = []  # the pending ordered-list number of each open list item
    row: list[str] = []
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            blocks.append(_Block("table"))
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            row.append(_prose(_inline_text(tokens[index + 1])).replace("\n", " "))
        elif token.type == "tr_close":
            blocks[-1].lines.append(" | ".join(row))
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            if list_depth == 0:
                list_block = _Block("list")
                blocks.append(list_block)
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            if list_depth == 0:
                list_block = None
        elif token.type == "list_item_open":
            numbers.append(f"{token.info}{token.markup}" if token.info else "")
        elif token.type == "list_item_close":
            numbers.pop()
        elif token.type == "heading_open":
            blocks.append(_Block("heading", level=int(token.tag[1]), lines=[_inline_text(tokens[index + 1])]))
        elif token.type == "paragraph_open":
            text = _inline_text(tokens[index + 1])
            if list_block is not None:
                number = numbers[-1] if numbers else ""
                if number:
                    numbers[-1] = ""  # the number goes on the item's first paragraph only
                line = _prose(text).replace("\n", " ")
                list_block.lines.append(f"{number} {line}".strip())
            else:
                blocks.append(_Block("prose", lines=[text]))
        elif token.type in ("fence", "code_block"):
            lines = [line.rstrip() for line in token.content.split("\n") if line.strip()]
            if lines:
                blocks.append(_Block("code", lines=lines))
        elif token.type == "html_block":
            blocks.append(_Block("html", lines=[token.content.strip()]))
    return blocks


def _paragraph(block: _Block) -> str:
    if block.kind in ("heading", "prose"):
        return _prose(block.lines[0])
    return "\n".join(line for line in block.lines if line)


def markdown_to_text(text: str) -> tuple[str, str]:
    """Return ``(title, body)`` for a Markdown document; ``body`` is paragraphs split by blank lines."""
    blocks = [block for block in _blocks(_PARSER.parse(text.lstrip("\ufeff"))) if any(block.lines)]
    title = ""
    for index, block in enumerate(blocks):
        if block.kind == "heading" and block.level == 1:
            title = _paragraph(block)
            del blocks[index]
            break
    else:
        if blocks:
            first = blocks[0]
            if first.kind in ("heading", "prose"):
                head, _soft, rest = first.lines[0].partition("\n")
                title = _prose(head)
                if rest.strip():
                    first.lines[0] = rest
                else:
                    del blocks[0]
            else:
                title = first.lines[0]
                if len(first.lines) > 1:
                    first.lines = first.lines[1:]
                else:
                    del blocks[0]
    paragraphs = (_paragraph(block) for block in blocks)
    return title, "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def parse_markdown(text: str, origin: str, limits: ImportLimits = DEFAULT_LIMITS) -> ParseOutcome:
    """Parse a Markdown document into one article (see the module docstring for what is kept)."""
    title, body = markdown_to_text(text)
    return ParseOutcome(records=[build_article(origin=origin, title=title, body=body, limits=limits)])
