"""Folding text for search: the same word with or without its optional marks is one word.

Why: Arabic is mostly written without short vowels (harakat) but sometimes with them, and
with kashida (tatweel, U+0640) stretching words for layout; Hebrew likewise with or without
niqqud. "كَتَبَ" and "كتب" are the same word to a reader, so a search must find either with
either. SQLite's ``unicode61 remove_diacritics 2`` folds Latin accents only, and PostgreSQL's
configurations fold nothing, so both databases index a *folded* copy of the text and every
query is folded the same way (:func:`fold`).

Only the index is folded, never the stored text: offsets of claims and of highlights point
into the canonical body, so folding (which removes characters) must never be applied to
anything whose positions are used.

Which marks: :data:`OPTIONAL_MARKS`, the nonspacing marks that are optional in their
writing system (Latin/Greek/Cyrillic combining accents, Hebrew points and cantillation,
Arabic harakat, Quranic annotation marks) plus tatweel. Not *every* ``Mn`` character: in
Indic and South-East Asian scripts nonspacing marks are vowels, and removing them would
merge different words. Hamza and madda above/below (U+0653-U+0655) are kept: "أ" and "ا"
are different letters in spelling. Pure: no Django.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "OPTIONAL_MARKS", "SQLITE_FOLD_FUNCTION", "WORD_WITH_MARKS", "fold", "fold_sql_postgres", "fold_sql_sqlite",
    "sqlite_fold",
]


def _chars(*ranges: tuple[int, int]) -> str:
    return "".join(chr(code) for low, high in ranges for code in range(low, high + 1))


#: Code points removed by :func:`fold` (after canonical decomposition).
OPTIONAL_MARKS = _chars(
    (0x0300, 0x036F),  # combining diacritical marks (Latin, Greek, Cyrillic accents)
    (0x0591, 0x05BD), (0x05BF, 0x05BF), (0x05C1, 0x05C2), (0x05C4, 0x05C5), (0x05C7, 0x05C7),  # Hebrew
    (0x0610, 0x061A),  # Arabic honorifics and small letters
    (0x0640, 0x0640),  # tatweel (kashida)
    (0x064B, 0x0652), (0x0656, 0x065F),  # harakat: tanwin, fatha, damma, kasra, shadda, sukun ...
    (0x0670, 0x0670),  # superscript alef
    (0x06D6, 0x06DC), (0x06DF, 0x06E4), (0x06E7, 0x06E8), (0x06EA, 0x06ED),  # Quranic annotation
)

#: A word including its marks: ``[^\W_]`` alone stops at a haraka (Python counts marks as
#: non-word characters), which would cut "كَتَبَ" into four "words".
WORD_WITH_MARKS = re.compile("(?:[^\\W_]|[" + re.escape(OPTIONAL_MARKS) + "])+")


def fold(text: str) -> str:
    """``text`` without its optional marks (see the module docstring), in NFC.

    Decomposes first so "é" loses its accent like "é" does, then recomposes what is left
    (an alef with hamza stays one letter). The result is usually shorter than ``text``: use
    it for matching only, never for offsets.
    """
    if text.isascii():
        return text
    # One compiled bracket of ranges: about 4x faster than str.translate on an article body,
    # and fold runs in the search index triggers of every write on SQLite.
    return unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFD", text)))


#: The SQLite function :func:`fold_sql_sqlite` calls; ``search.apps`` registers it
#: (:func:`sqlite_fold`) on every connection Django opens.
SQLITE_FOLD_FUNCTION = "factdesk_fold"


def sqlite_fold(text: str | None) -> str | None:
    """:func:`fold` as an SQLite function (NULL stays NULL)."""
    return None if text is None else fold(text)


def fold_sql_sqlite(expression: str) -> str:
    """SQL folding ``expression`` on SQLite, which has neither ``translate`` nor ``normalize``.

    A function registered from Python: nested ``replace`` calls over the marks overflow
    SQLite's parser stack. The catch: a connection Django did not open (the ``sqlite3``
    shell) cannot write articles or claims, since their index triggers call it.
    """
    return f"{SQLITE_FOLD_FUNCTION}({expression})"


def _bracket() -> str:
    """A regular-expression bracket of :data:`OPTIONAL_MARKS` as ranges of literal characters."""
    codes = sorted(ord(char) for char in OPTIONAL_MARKS)
    parts, low = [], codes[0]
    for previous, code in zip(codes, [*codes[1:], None], strict=True):
        if code != previous + 1:
            parts.append(chr(low) if low == previous else f"{chr(low)}-{chr(previous)}")
            low = code
    return "[" + "".join(parts) + "]"


#: The optional marks as one regular expression (what :func:`fold` removes).
_MARKS = re.compile(_bracket())


def fold_sql_postgres(expression: str) -> str:
    """SQL folding ``expression`` on PostgreSQL as :func:`fold` does in Python.

    ``regexp_replace`` with one bracket of ranges is linear in the text (``translate`` would
    compare every character with every mark). Needs a UTF-8 database, as Factdesk does.
    """
    return f"normalize(regexp_replace(normalize({expression}, NFD), '{_bracket()}', '', 'g'), NFC)"
