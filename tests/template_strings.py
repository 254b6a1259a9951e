"""Find user-facing text in templates that is not marked for translation (tests/test_i18n.py).

A template is read with Django's own lexer; every template token is replaced by a run of
placeholder characters of the same length (so positions still match the source), text
inside ``{% blocktranslate %}`` counts as marked, and the result is read as HTML. What is
left in text nodes, and in the attributes people read (``title``, ``aria-label``,
``placeholder``, ``alt``, ``hx-confirm``, the label of a submit button), must be marked
unless it has no letters (punctuation, symbols, numbers) or is on :data:`ALLOWED`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import DebugLexer, TokenType

#: Words that are the same in every language: the product's name, formats, standards.
ALLOWED = frozenset(
    {
        "Factdesk",
        "CSV",
        "PDF",
        "JSON",
        "JSONL",
        "HTML",
        "Markdown",
        "ZIP",
        "W3C",
        "ClaimReview",
        "API",
        "URL",
        "RSS",
        "Atom",
        "WARC",
        "oEmbed",
        "JSON-LD",
        "ID",
        "OK",
        "Token",
        "Swagger",
    }
)
#: Attributes whose value a person reads (or hears from a screen reader).
READ_ATTRIBUTES = frozenset(
    {"title", "aria-label", "placeholder", "alt", "hx-confirm", "hx-prompt", "aria-description"}
)
#: Elements whose text is code or data, not interface.
SKIPPED_ELEMENTS = frozenset({"script", "style", "code", "pre", "kbd", "samp"})

BLOCK, VAR, MARKED, NOTHING = "\x01", "\x02", "\x03", "\x04"
PLACEHOLDERS = BLOCK + VAR + MARKED + NOTHING
TRANSLATE_TAG = re.compile(r"^(translate|trans)\s")
BLOCKTRANSLATE_START = re.compile(r"^(blocktranslate|blocktrans)\b")
#: Blocks that hold class names or other markup values, never words a person reads.
VALUE_BLOCKS = frozenset({"bodyclass", "main_class", "extrastyle", "extrahead"})
BLOCK_TAG = re.compile(r"^block\s+(\w+)")
BLOCKTRANSLATE_END = re.compile(r"^(endblocktranslate|endblocktrans)\b")


@dataclass(frozen=True)
class Unmarked:
    path: Path
    line: int
    text: str
    where: str  # "text" or the attribute's name
    has_variables: bool

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.where}: {self.text!r}"


def skeleton(source: str) -> str:
    """``source`` with template syntax replaced by placeholders of the same length."""
    parts: list[str] = []
    in_blocktranslate = in_comment = in_value_block = False
    for token in DebugLexer(source).tokenize():
        raw = source[token.position[0] : token.position[1]]
        contents = token.contents.strip()
        is_block = token.token_type == TokenType.BLOCK
        if is_block and (contents == "comment" or contents.startswith("comment ")):
            in_comment = True
        block = BLOCK_TAG.match(contents) if is_block else None
        if block and block.group(1) in VALUE_BLOCKS:
            in_value_block = True
        if in_value_block:
            parts.append(NOTHING * len(raw))
            in_value_block = not (is_block and contents.startswith("endblock"))
            continue
        if in_comment:
            parts.append(NOTHING * len(raw))
            if is_block and contents == "endcomment":
                in_comment = False
            continue
        if is_block and BLOCKTRANSLATE_START.match(contents):
            in_blocktranslate = True
        if in_blocktranslate:
            parts.append(MARKED * len(raw))
            if is_block and BLOCKTRANSLATE_END.match(contents):
                in_blocktranslate = False
            continue
        if token.token_type == TokenType.TEXT:
            parts.append(raw)
        elif token.token_type == TokenType.VAR:
            parts.append(VAR * len(raw))
        elif token.token_type == TokenType.BLOCK and TRANSLATE_TAG.match(contents):
            parts.append(MARKED * len(raw))
        elif token.token_type == TokenType.BLOCK:
            parts.append(BLOCK * len(raw))
        else:
            parts.append(NOTHING * len(raw))
    return "".join(parts)


def needs_marking(text: str) -> bool:
    """Whether ``text`` (placeholders removed) holds words a person reads."""
    words = re.split(f"[{PLACEHOLDERS}]+", text)
    for word in words:
        stripped = word.strip()
        if not any(character.isalpha() for character in stripped):
            continue
        if all(part in ALLOWED or not any(c.isalpha() for c in part) for part in re.split(r"[\s·,/()]+", stripped)):
            continue
        return True
    return False


class _Finder(HTMLParser):
    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.skipping: list[str] = []
        self.found: list[Unmarked] = []

    def _add(self, text: str, where: str) -> None:
        if needs_marking(text):
            cleaned = re.sub(f"[{PLACEHOLDERS}]+", "…", " ".join(text.split()))
            self.found.append(Unmarked(self.path, self.getpos()[0], cleaned, where, VAR in text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self.skipping.append(tag)
        values = dict(attrs)
        for name, value in attrs:
            if value and name in READ_ATTRIBUTES:
                self._add(value, name)
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self._add(values["value"] or "", "value")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._add(data, "text")


def unmarked_strings(path: Path) -> list[Unmarked]:
    """Every piece of user-facing text in the template at ``path`` that is not marked."""
    finder = _Finder(path)
    finder.feed(skeleton(path.read_text(encoding="utf-8")))
    finder.close()
    return finder.found
