"""Canonical article text.

Every claim anchor is a pair of character offsets into ``Article.body``; those offsets only
stay meaningful if every writer of the body produces exactly the same string for the same
text. This module is the single definition of that canonical form:

* Unicode NFC,
* ``\\n`` line endings only,
* no trailing whitespace on any line, no leading/trailing blank lines,
* paragraphs separated by exactly one blank line (``\\n\\n``); single newlines inside a
  paragraph are kept (poems, lists), runs of blank lines collapse to one.

Control characters other than ``\\n`` and ``\\t`` (including NUL) are dropped because
databases and browsers disagree about them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


def canonicalize_body(text: str) -> str:
    """Return ``text`` in Factdesk's canonical body form (see module docstring)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _CONTROL_CHARS.sub("", text)
    text = unicodedata.normalize("NFC", text)
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip("\n").strip()


#: Bidi embedding, override and isolate controls, and invisible characters with no place in a
#: one-line field: in a name or title they only disguise text (a name rendered backwards).
_SHORT_FIELD_INVISIBLES = re.compile("[\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069\u061c\u200e\u200f]")
#: Zero-width (non-)joiners spell words in Persian, Urdu and Indic scripts and join emoji: kept
#: inside a word, dropped where they join nothing (at either end, next to a space).
_STRAY_JOINERS = re.compile("(?:^|(?<=\\s))[\u200c\u200d]+|[\u200c\u200d]+(?=\\s|$)")


def canonicalize_line(text: str) -> str:
    """Canonical form for one-line fields (titles, names, claimants, outlets): NFC, single spaces.

    Control characters, bidi overrides/isolates/marks and stray invisible characters are
    removed: in a one-line field they only disguise text. Article bodies do not come here:
    they keep legitimate right-to-left marks and are rendered with their own direction.
    """
    text = _CONTROL_CHARS.sub("", unicodedata.normalize("NFC", text))
    text = _STRAY_JOINERS.sub("", _SHORT_FIELD_INVISIBLES.sub("", text))
    return " ".join(text.split())


def strip_control_chars(text: str) -> str:
    """Drop NUL and other control characters (keeping ``\n`` and ``\t``) from user text.

    PostgreSQL refuses NUL in text columns, so every service that stores user text passes
    it through here: a pasted NUL becomes nothing instead of a server error.
    """
    return _CONTROL_CHARS.sub("", text)


def split_paragraphs(body: str) -> list[tuple[int, str]]:
    """Split a canonical body into ``(start_offset, paragraph_text)`` pairs.

    Offsets are code point offsets into ``body`` so that renderers can map claim anchors
    onto paragraphs without re-searching the text.
    """
    paragraphs: list[tuple[int, str]] = []
    position = 0
    for chunk in body.split("\n\n"):
        if chunk:
            paragraphs.append((position, chunk))
        position += len(chunk) + 2
    return paragraphs


def content_hash(body: str) -> str:
    """SHA-256 of the canonical body: the de-duplication key for imports."""
    return hashlib.sha256(canonicalize_body(body).encode("utf-8")).hexdigest()
