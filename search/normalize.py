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
from functools import cache

__all__ = [
    "OPTIONAL_MARKS", "POSTGRES_FOLD_FUNCTION", "SQLITE_FOLD_FUNCTION", "WORD_WITH_MARKS", "fold", "fold_sql_postgres",
    "fold_sql_postgres_inline", "postgres_fold_function", "sqlite_fold",
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


def _bracket(chars: str = OPTIONAL_MARKS) -> str:
    """A regular-expression bracket of ``chars`` (non-ASCII, so nothing to escape) as ranges."""
    codes = sorted(ord(char) for char in chars)
    parts, low = [], codes[0]
    for previous, code in zip(codes, [*codes[1:], None], strict=True):
        if code != previous + 1:
            parts.append(chr(low) if low == previous else f"{chr(low)}-{chr(previous)}")
            low = code
    return "[" + "".join(parts) + "]"


#: The optional marks as one regular expression (what :func:`fold` removes).
_MARKS = re.compile(_bracket())


def fold_sql_postgres_inline(expression: str) -> str:
    """SQL folding ``expression`` on PostgreSQL as :func:`fold` does, written out in full.

    ``regexp_replace`` with one bracket of ranges is linear in the text (``translate`` would
    compare every character with every mark). Needs a UTF-8 database, as Factdesk does. Both
    ``normalize`` calls go over the whole text: about 0.5 ms for a 2,500-character article,
    which :func:`fold_sql_postgres` mostly avoids.
    """
    return f"normalize(regexp_replace(normalize({expression}, NFD), '{_bracket()}', '', 'g'), NFC)"


#: The PostgreSQL function :func:`fold_sql_postgres` calls (created by :func:`search.index.install`).
POSTGRES_FOLD_FUNCTION = "factdesk_fold"


def fold_sql_postgres(expression: str) -> str:
    """SQL folding ``expression`` on PostgreSQL: the same text :func:`fold_sql_postgres_inline`
    gives, through :data:`POSTGRES_FOLD_FUNCTION` (see :func:`postgres_fold_function`)."""
    return f"{POSTGRES_FOLD_FUNCTION}({expression})"


@cache
def _fold_sets() -> tuple[str, str]:
    """(``marked``, ``composing``): the characters :func:`postgres_fold_function` looks for.

    ``marked``: every character whose canonical decomposition holds an optional mark (the
    marks themselves, "é", "ǖ", Hebrew presentation forms with points ...). ``composing``:
    every character that can make a text not NFC or be changed by NFC: combining classes
    other than 0, characters NFC changes, and every character after the first in a canonical
    decomposition (the ones that combine with what precedes them, Hangul jamo included).
    Unicode's stability policy keeps both sets valid for the characters they hold;
    ``tests/test_search_fold.py`` checks them against the server's own tables.
    """
    marks = set(OPTIONAL_MARKS)
    marked, composing = set(OPTIONAL_MARKS), set()
    for code in range(0x80, 0x110000):
        char = chr(code)
        mapping = unicodedata.decomposition(char)
        if mapping.startswith("<"):
            mapping = ""  # a compatibility decomposition: NFD and NFC leave the character alone
        hangul = 0xAC00 <= code <= 0xD7A3  # decomposed by rule, not listed in the data
        combining = unicodedata.combining(char)
        if not mapping and not hangul and not combining:
            continue
        if combining:
            composing.add(char)
        if mapping or hangul:
            decomposed = unicodedata.normalize("NFD", char)
            if marks.intersection(decomposed):
                marked.add(char)
            if unicodedata.normalize("NFC", char) != char:
                composing.add(char)
            composing.update(decomposed[1:])
            composing.update(chr(int(part, 16)) for part in mapping.split()[1:])
    return "".join(sorted(marked)), "".join(sorted(composing))


def postgres_fold_function() -> str:
    """``CREATE FUNCTION`` for :data:`POSTGRES_FOLD_FUNCTION`: :func:`fold` in PostgreSQL, cheaply.

    The result is exactly :func:`fold_sql_postgres_inline`'s, which is
    ``NFC(strip(NFD(text)))``. Why the shortcuts give the same text:

    * A text with no ``marked`` and no ``composing`` character is returned as it is: its NFD
      holds no optional mark, so folding is NFC of NFD of the text, and the text is already
      NFC (every character passes NFC's quick check, all in combining class 0). Most
      articles (English, Arabic without harakat) take this path: one regular-expression scan.
    * Otherwise each distinct ``marked`` character present is replaced by its decomposition
      without the optional marks ("é" -> "e", a haraka -> ""). NFC of the result is the
      folded text: NFD of the replaced text is NFD of the original without the optional marks
      (decomposition is per character, and dropping marks commutes with canonical ordering).
      The result is then already NFC unless it holds a ``composing`` character; only then
      is ``normalize(..., NFC)`` run.

    The full ``normalize(..., NFD)`` then ``NFC`` cost about 0.5 ms per 2,500-character
    article in the index triggers; this costs about 0.08 ms.
    """
    marked, composing = _fold_sets()
    either = "".join(sorted(set(marked + composing)))
    return f"""CREATE OR REPLACE FUNCTION {POSTGRES_FOLD_FUNCTION}(t text) RETURNS text
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
        DECLARE
          c text;
        BEGIN
          IF t !~ '{_bracket(either)}' THEN
            RETURN t;
          END IF;
          FOR c IN SELECT DISTINCT m[1] FROM regexp_matches(t, '({_bracket(marked)})', 'g') AS m LOOP
            t := replace(t, c, regexp_replace(normalize(c, NFD), '{_bracket()}', '', 'g'));
          END LOOP;
          IF t ~ '{_bracket(composing)}' THEN
            RETURN normalize(t, NFC);
          END IF;
          RETURN t;
        END $$"""  # noqa: S608 (only characters and names defined here)
