"""Parse what someone typed in the search box into a query both databases understand alike.

SQLite FTS5 and PostgreSQL full-text search each have their own query syntax, tokenizer and
stop words. To give the same results for the same simple query (one word, several words, a
quoted phrase) on both, the search box text is parsed here, once, into plain words and
phrases, and each backend compiles that structure into its own syntax
(:mod:`search.index`). Parsing rules, deliberately small:

* words are runs of letters and digits (``[^\\W_]+``), lower-cased, after folding optional
  marks away (Arabic harakat and tatweel, Hebrew points, accents: :mod:`search.normalize`);
* text in double quotes is a phrase (its words must appear in that order);
* every word and phrase must match (AND);
* stop words ("the", "of", ...) are dropped from plain words and trimmed from the ends of
  phrases, exactly as PostgreSQL's ``english`` configuration would drop them; a query of
  nothing but stop words is empty.

Nothing the user types reaches a database as syntax: only these word tokens, which the
backends quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.normalize import fold

#: PostgreSQL's (Snowball's) English stop word list, so both databases ignore the same words.
_STOP_WORDS_TEXT = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
herself it its itself they them their theirs themselves what which who whom this that these those am is
are was were be been being have has had having do does did doing a an the and but if or because as until
while of at by for with about against between into through during before after above below to from up
down in out on off over under again further then once here there when where why how all any both each
few more most other some such no nor not only own same so than too very s t can will just don should now
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

#: Longer input is cut: a search box is not a document, and this bounds the work per query.
MAX_QUERY_CHARS = 200
#: At most this many words and phrases are used.
MAX_PARTS = 16

WORD = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r'"([^"]*)"?')


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """Words and phrases that must all appear; ``phrases`` hold two or more words each."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)


def tokenize(text: str) -> list[str]:
    """Lower-cased, folded words of ``text``: the units both databases' tokenizers agree on.

    Folded (:func:`search.normalize.fold`) because the index holds folded text: "كَتَبَ" and
    "كتب" are one word, and a haraka would otherwise cut a word in pieces (``WORD`` stops at
    nonspacing marks).
    """
    return [word.lower() for word in WORD.findall(fold(text))]


def significant_words(text: str) -> list[str]:
    """Distinct non-stop words of ``text``, in order of first appearance."""
    seen: dict[str, None] = {}
    for word in tokenize(text):
        if word not in STOP_WORDS:
            seen.setdefault(word, None)
    return list(seen)


def _trim_stop_words(words: list[str]) -> list[str]:
    while words and words[0] in STOP_WORDS:
        words = words[1:]
    while words and words[-1] in STOP_WORDS:
        words = words[:-1]
    return words


def parse_query(text: str) -> ParsedQuery:
    """Parse search box text into :class:`ParsedQuery` (see the module docstring for the rules)."""
    text = (text or "")[:MAX_QUERY_CHARS]
    words: dict[str, None] = {}
    phrases: dict[tuple[str, ...], None] = {}
    position = 0
    for match in _QUOTED.finditer(text):
        for word in significant_words(text[position:match.start()]):
            words.setdefault(word, None)
        phrase = _trim_stop_words(tokenize(match.group(1)))
        if len(phrase) == 1:
            words.setdefault(phrase[0], None)
        elif phrase:
            phrases.setdefault(tuple(phrase), None)
        position = match.end()
    for word in significant_words(text[position:]):
        words.setdefault(word, None)
    kept_phrases = list(phrases)[:MAX_PARTS]
    kept_words = list(words)[: max(0, MAX_PARTS - len(kept_phrases))]
    return ParsedQuery(words=tuple(kept_words), phrases=tuple(kept_phrases))


def fts5_match(query: ParsedQuery) -> str:
    """The query as an FTS5 MATCH expression: every token double-quoted, parts ANDed."""
    parts = [f'"{word}"' for word in query.words]
    parts += ['"' + " ".join(phrase) + '"' for phrase in query.phrases]
    return " AND ".join(parts)


def websearch_text(query: ParsedQuery) -> str:
    """The query as input for PostgreSQL's ``websearch_to_tsquery`` (words, "phrases", AND)."""
    parts = list(query.words)
    parts += ['"' + " ".join(phrase) + '"' for phrase in query.phrases]
    return " ".join(parts)
