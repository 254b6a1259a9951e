"""Check-worthiness suggestions: which sentences of an article deserve a fact-check?

Fact-checkers read long articles; this module points at the sentences most likely to hold a
verifiable factual claim, so nothing important is missed. It is deliberately *transparent and
offline*: every score is the sum of a few hand-written features from :data:`FEATURES`, and
every suggestion carries the human-readable reasons that produced it ("contains a figure;
attributed to a named person"). An editor can always see why a sentence was suggested, and
nothing leaves the server.

Pure Python (no Django), so the browser view, the admin and tests all call the same functions:

* :func:`split_sentences` -- sentences with code point offsets into the canonical body
  (``body[start:end] == text`` always, never crossing a paragraph break);
* :func:`score_sentence` -- a :class:`Score` with value and reasons;
* :func:`present_features` -- which features a sentence shows (also the explainable inputs
  of the trained model, :mod:`annotations.checkworthiness_model`);
* :func:`suggest` -- the best sentences not already covered by a claim nor dismissed, scored
  by any :class:`Scorer` (these features by default, or a trained model);
* :func:`evaluate`, :func:`precision_at_k`, :func:`average_precision` -- quality of the scorer on
  labelled sentences, used by the tests' floors and by docs/checkworthiness.md
  (``python -m annotations.checkworthiness FILE...`` prints them).
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Protocol

import pysbd

__all__ = [
    "DEFAULT_THRESHOLD",
    "FEATURES",
    "FEATURE_SCORER",
    "LANGUAGE_NEUTRAL_FEATURES",
    "NEUTRAL_FEATURE_SCORER",
    "Feature",
    "FeatureScorer",
    "Metrics",
    "Score",
    "Scorer",
    "Sentence",
    "Suggestion",
    "average_precision",
    "evaluate",
    "feature_scorer_for",
    "precision_at_k",
    "present_features",
    "rank_by_score",
    "score_sentence",
    "split_sentences",
    "suggest",
]


# --------------------------------------------------------------------------------------
# Sentence splitting
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a body: ``body[start:end] == text`` (code point offsets)."""

    start: int
    end: int
    text: str


#: Languages pysbd has rules for (its abbreviations, numbering and punctuation); others fall
#: back to :func:`_punctuation_segments`. Arabic is left out on purpose: pysbd's Arabic rules
#: end a sentence at every Arabic comma "،", which would suggest half-sentences.
PYSBD_LANGUAGES = frozenset({
    "am", "bg", "da", "de", "el", "en", "es", "fa", "fr", "hi", "hy", "it", "ja", "kk", "mr", "my", "nl",
    "pl", "ru", "sk", "ur", "zh",
})

#: Sentence-final punctuation of many scripts: . ! ? and the Arabic question mark ؟ (U+061F),
#: the Arabic/Urdu full stop ۔ (U+06D4), the Devanagari danda । ॥, CJK 。！？, the Armenian ։,
#: the Ethiopic ።, the Greek question mark ; (U+037E), optionally followed by closing quotes.
_SENTENCE_END = re.compile(
    "[.!?\u061f\u06d4\u0964\u0965\u3002\uff01\uff1f\u0589\u1362\u037e]+[\"'\u201d\u2019\u00bb)\\]]*(?=\\s)"
)


def _language_key(language: str) -> str:
    """The primary subtag in lower case ("pt-BR" -> "pt"): sentence rules are per language."""
    return (language or "en").strip().replace("_", "-").split("-")[0].lower() or "en"


@lru_cache(maxsize=8)
def _segmenter(language: str = "en") -> pysbd.Segmenter | None:
    """pysbd's segmenter for ``language``, or None where pysbd has no rules for it.

    Building a segmenter compiles many regexes; one per language per process is enough.
    """
    key = _language_key(language)
    if key not in PYSBD_LANGUAGES:
        return None
    return pysbd.Segmenter(language=key, clean=False, char_span=False)


def _punctuation_segments(paragraph: str) -> list[str]:
    """Sentences cut after sentence-final punctuation followed by a space (any script).

    The fallback for languages pysbd does not know: it knows no abbreviations, so "Dr. Smith"
    may be cut in two, which costs a suggestion, never an offset.
    """
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        pieces.append(paragraph[start:match.end()])
        start = match.end()
    pieces.append(paragraph[start:])
    return pieces


def _boundaries(paragraph: str, language: str = "en") -> list[int]:
    """End offsets (within ``paragraph``) of the sentences pysbd (or the fallback) finds.

    pysbd's own character spans drift on repeated sentences and on text it rewrites
    internally, so its segments are only used as a guide: each one is located with
    ``str.find`` from a cursor, and a segment that cannot be found is merged into the next.
    """
    segmenter = _segmenter(_language_key(language))
    try:
        segments = segmenter.segment(paragraph) if segmenter is not None else _punctuation_segments(paragraph)
    except Exception:  # pysbd raises on some pathological inputs; keep the paragraph whole.
        segments = []
    ends: list[int] = []
    cursor = 0
    for segment in segments:
        piece = segment.strip()
        if not piece:
            continue
        found = paragraph.find(piece, cursor)
        if found == -1:
            continue
        cursor = found + len(piece)
        ends.append(cursor)
    if not ends or ends[-1] != len(paragraph):
        ends.append(len(paragraph))
    return ends


def split_sentences(body: str, language: str = "en") -> list[Sentence]:
    """Split ``body`` (written in ``language``) into sentences whose offsets index ``body`` exactly.

    Each paragraph (text between ``\\n\\n`` breaks) is segmented on its own with pysbd's rules
    for the article's language (a punctuation splitter that knows ؟ and ۔ where pysbd has none), which
    knows abbreviations ("Mr.", "U.S.", "No. 10"), decimals ("3.5%") and quotations. The
    paragraph is then cut at the located sentence ends, so the sentences tile the paragraph
    with nothing lost and nothing overlapping; each is trimmed of surrounding whitespace and
    empty pieces are dropped. Why so careful: suggestions become claim anchors, and anchors
    are offsets into the canonical body.
    """
    sentences: list[Sentence] = []
    offset = 0
    for paragraph in body.split("\n\n"):
        if paragraph.strip():
            start = 0
            for end in _boundaries(paragraph, language):
                piece = paragraph[start:end]
                stripped = piece.strip()
                if stripped:
                    lead = len(piece) - len(piece.lstrip())
                    absolute = offset + start + lead
                    sentences.append(Sentence(absolute, absolute + len(stripped), stripped))
                start = end
        offset += len(paragraph) + 2
    return sentences


# --------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Feature:
    """A scoring feature: its weight and the reason shown to the fact-checker."""

    name: str
    weight: float
    reason: str


#: Every feature the scorer knows, with its weight. A sentence's score is the sum of the
#: weights of the features it shows; positive features explain a suggestion, negative ones
#: hold back sentences that are questions, opinions, small talk or promotion.
FEATURES: dict[str, Feature] = {
    feature.name: feature
    for feature in (
        Feature("percentage", 1.5, "contains a percentage"),
        Feature("money", 1.5, "mentions money"),
        Feature("figure", 1.5, "contains a figure"),
        Feature("date", 0.75, "contains a date"),
        Feature("comparison", 1.0, "makes a comparison"),
        Feature("record", 1.0, "reports an action on the record"),
        Feature("attributed_named", 1.0, "attributed to a named person"),
        Feature("attributed", 0.25, "attributed to a source"),
        Feature("quote", 0.25, "quotes someone"),
        Feature("named_entity", 0.75, "names a person, place or organisation"),
        Feature("question", -1.0, "is a question"),
        Feature("opinion", -1.25, "expresses an opinion, feeling or hope"),
        Feature("speculation", -0.5, "speculates about the future"),
        Feature("promotion", -2.0, "reads as a greeting, promotion or instruction"),
        Feature("short", -0.75, "is very short"),
    )
}

#: Sentences scoring at least this much are suggested. Set from the measurements reported
#: in docs/checkworthiness.md: one strong feature, or two weaker ones, is enough.
DEFAULT_THRESHOLD = 1.25

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _caseless(pattern: str) -> re.Pattern[str]:
    """Compile a lower-case ``pattern`` that is matched against ASCII-lowered text.

    Why not ``re.IGNORECASE``: CPython's engine tries every alternative of a long word list
    case-insensitively at every position, which made the features the slowest part of scoring
    (about 2,500 sentences/s). Lowering the text once with :data:`_ASCII_LOWER` keeps its length,
    so match offsets still index the original text, and the patterns run 3-6 times faster.
    The pattern must therefore contain no upper-case letter outside an escape (``\\b``, ``\\d``...).
    """
    if re.search(r"[A-Z]", re.sub(r"\\.", "", pattern)):
        raise ValueError(f"caseless patterns must be written in lower case: {pattern[:60]!r}")
    return re.compile(pattern)


_NUMBER_WORDS = (
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|"
    r"dozens?|scores of|half|a third|a quarter|two-thirds|three-quarters|twice|thrice"
)
_MONEY = _caseless(
    r"[$€£¥]\s?\d"
    r"|\b\d[\d,.]*\s?(?:dollars?|euros?|pounds?|pence|p|cents?|bucks|yen|rupees?|francs?)\b"
    r"|\b(?:usd|eur|gbp)\s?\d"
    r"|\b(?:millions|billions|trillions|thousands) of (?:dollars|euros|pounds)\b"
)
# "12 million" is money only where the sentence is about money ("a budget of 12 million").
_LARGE_AMOUNT = _caseless(r"\b\d[\d,.]*\s?(?:million|billion|trillion|bn|m)\b")
_MONEY_CONTEXT = _caseless(
    r"\b(?:budget|funding|funds?|spending|spend|spent|taxe?s?|salary|wages?|pay|paid|"
    r"prices?|costs?|revenue|profits?|debt|deficit|investment|invested|loans?|grants?|fines?|"
    r"earn(?:s|ed)?|subsid(?:y|ies))\b"
)
_PERCENT = _caseless(
    r"\d\s?[%\u066a]|\b\d[\d,.]*\s?(?:per\s?cent|percent|percentage points?)\b"
    r"|\b(?:" + _NUMBER_WORDS + r")\s+(?:per\s?cent|percent)\b"
)
_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
)
_DATE = re.compile(
    r"\b(?:1[6-9]\d\d|20\d\d)s?\b"
    r"|\b(?:" + _MONTHS + r")\.?\s+\d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:" + _MONTHS + r")\b"
    r"|\bin\s+(?:" + _MONTHS + r")\b"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b(?:last|this|next|past)\s+(?:year|month|week|decade|century|quarter|summer|winter|"
    r"spring|autumn|fall)\b"
    r"|\b(?:yesterday|since|ago|decades?|centur(?:y|ies))\b"
)
# Clock times ("7 p.m.", "15:30") are scheduling, not claims: they neither count as a figure
# nor as a date.
_TIME = _caseless(r"\b\d{1,2}(?::\d\d)?\s?(?:a\.m\.|p\.m\.|am\b|pm\b)|\b\d{1,2}:\d\d\b")
_DIGITS = re.compile(r"\d[\d,.]*")
_ANY_DIGIT = re.compile(r"\d")
_FIGURE_WORDS = _caseless(
    r"\b(?:" + _NUMBER_WORDS + r"|(?:one|a)\s+in\s+(?:\d+|" + _NUMBER_WORDS + r")|"
    r"(?:a|the)\s+majority\s+of|(?:a|the)\s+minority\s+of)\b"
)
_COMPARISON = _caseless(
    r"\b(?:more|less|fewer|higher|lower|greater|larger|smaller|bigger|faster|slower|worse|"
    r"better|cheaper|dearer)\s+than\b"
    r"|\b(?:highest|lowest|largest|smallest|biggest|fastest|slowest|fewest|record (?:high|low)|"
    r"all-time|unprecedented|for the first time|the (?:first|only) (?:\w+ )?(?:to|since|in))\b"
    r"|\b(?:doubled|tripled|trebled|halved|quadrupled)\b"
    r"|\b(?:increas|decreas|declin|dropp|fell|fall|fallen|falling|rise|rose|risen|rising|"
    r"grew|grow|climb|plung|soar|surg|jump|slump|tumbl|shrank|shrink|cut|cuts|"
    r"gain|los[est]|lost|up|down)\w*\s+(?:by|to|from|more|less|\d|[$€£]|a|an|about|nearly|"
    r"almost|around|over|roughly|some|sharply|significantly)\b"
    r"|\b(?:increased|decreased|declined|dropped|plummeted|soared|surged|slumped|tumbled|"
    r"compared (?:with|to)|as (?:many|much|high|low) as|twice as|times as|"
    r"up from|down from|outpac\w+|exceed\w*|outnumber\w*)\b"
    r"|\b\w+est\s+(?:in|since|on|ever|of|for)\b"
)
_RECORD = _caseless(
    r"\b(?:voted|passed|signed|vetoed|approved|rejected|banned|banning|bans|closed|opened|"
    r"built|founded|elected|appointed|resigned|fired|sued|convicted|charged|arrested|"
    r"sentenced|killed|died|won|lost|scored|raised|cut|funded|spent|paid|received|"
    r"imported|exported|generates?|generated|produced|recorded|reported|increased|"
    r"reduced|eliminated|abolished|introduced|launched|invaded|overturned|ruled|supported|"
    r"opposed|proposed|promised|pledged|created|added|invested|borrowed|owed|ousted|"
    r"blocked|repealed|expanded|privatised|privatized|nationalised|nationalized)\b"
)
_ATTRIBUTION = _caseless(
    r"\b(?:said|says|say|told|tells|claimed|claims|announced|announces|argued|argues|"
    r"insisted|insists|stated|states|reported|reports|confirmed|confirms|warned|warns|"
    r"admitted|admits|revealed|reveals|estimated|estimates|found|finds|showed|shows|"
    r"wrote|writes|testified|alleged|alleges|denied|denies|acknowledged|noted)\b"
    r"|\baccording to\b|\b(?:figures|data|documents|filings|records|statistics) show\b"
)
_QUOTE = re.compile(r"[\"“”«»„]\s*\S[^\"“”«»„]{8,}[\"“”«»„]|\u2018[^\u2019]{12,}\u2019")
_TITLES = (
    r"Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame|Lord|Lady|Senator|Sen|Rep|Representative|"
    r"Governor|Gov|Mayor|President|Minister|Chancellor|Secretary|Judge|Justice|Councillor|"
    r"Councilman|Councilwoman|Chief|Inspector|Sheriff|General|Gen|Captain|Coach|"
    r"Spokesperson|Spokesman|Spokeswoman|Director|Commissioner|Chairman|Chairwoman|Leader"
)
_CAPITALISED = re.compile(r"\b[A-Z][\w'\u2019\-]*[a-z][\w'\u2019\-]*\b")
# The (?=[A-Z]) look-aheads only make the engine give up early at lower-case positions.
_ACRONYM = re.compile(r"\b(?=[A-Z])(?:(?:[A-Z]\.){2,}|[A-Z]{2,}s?\b)")
_PERSON_NAME = re.compile(
    r"\b(?=[A-Z])(?:(?:(?:" + _TITLES + r")\.?\s+)?[A-Z][a-z]+(?:[\s\-][A-Z][a-z]+)+\b"
    r"|(?:" + _TITLES + r")\.?\s+[A-Z][a-z]+)"
)
_NOT_NAMES = frozenset(
    {
        "I",
        "I'm",
        "I\u2019m",
        "I've",
        "I\u2019ve",
        "I'd",
        "I\u2019d",
        "I'll",
        "I\u2019ll",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "God",
        "Sir",
        "Madam",
        "Okay",
        "OK",
        "Yes",
        "No",
        "Well",
        "Oh",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    }
)
_OPINION = _caseless(
    r"\b(?:i|we)\s+(?:really\s+|just\s+|truly\s+|strongly\s+|do\s+|don't\s+|don\u2019t\s+)?"
    r"(?:think|believe|feel|hope|wish|guess|suppose|love|hate|want|like|trust|expect|"
    r"am (?:sure|confident|proud|glad|happy|pleased)|are (?:proud|glad|happy|pleased|confident))\b"
    r"|\b(?:in my (?:view|opinion)|my (?:view|opinion) is|personally|frankly|honestly|"
    r"of course|needless to say|it seems|seems to me|arguably|i'm sure|i\u2019m sure)\b"
    r"|\b(?:should|ought to|must)\b"
    r"|\b(?:proud|thrilled|delighted|excited|devastated|heartbroken|disappointed|saddened|"
    r"honoured|honored|grateful|incredible|amazing|wonderful|beautiful|terrible|awful|"
    r"fantastic|lovely|special|welcoming|sad|happy|glad|feelings?|felt|fear|fears)\b"
)
_SPECULATION = _caseless(
    r"\b(?:could|might|would|perhaps|maybe|possibly|remains to be seen|expected to|"
    r"likely to|is due to|are due to|will)\b"
)
# "may" speculates only in lower case; "May" is the month.
_MAY = re.compile(r"\bmay\b")
_PROMOTION = _caseless(
    r"^\s*(?:please\s+)?(?:subscribe|sign up|click|read|join|follow|share|watch|listen|"
    r"visit|download|register|tap|call|email|contact|find out|don't miss|don\u2019t miss|"
    r"let's|let\u2019s|check out|see|learn|discover|get|buy|order|book|try)\b"
    r"|\b(?:good (?:morning|afternoon|evening|night)|welcome to|thank you|thanks for|"
    r"newsletter|subscribe|click here|this story has been updated|"
    r"reporting by|editing by|additional reporting|stay tuned|sponsored)\b"
)
_WORD = re.compile(r"[\w'\u2019\-]+")
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class _Trigger:
    """Words (whole tokens, or their beginnings or endings) that every match of a pattern
    contains. A pattern only runs on a sentence that has one of them: a set look-up instead of
    a scan of the sentence, for the patterns that long word lists make slow. The triggers
    never change an answer (tests/test_checkworthiness_model.py checks them against the
    plain patterns on the team fixture and, where present, the conformance sentences)."""

    words: frozenset[str]
    #: Searched in " token token ... " for the word beginnings and endings a pattern allows.
    parts: re.Pattern[str] | None = None
    #: Or one word of each of these sets ("I" or "we", and "think", "hope"...).
    together: tuple[frozenset[str], ...] = ()

    def fires(self, tokens: Collection[str], spaced: str) -> bool:
        """``spaced`` is the tokens joined and surrounded by single spaces."""
        if not self.words.isdisjoint(tokens):
            return True
        if self.together and all(not words.isdisjoint(tokens) for words in self.together):
            return True
        return self.parts is not None and self.parts.search(spaced) is not None


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_COMPARISON_TRIGGER = _Trigger(
    _words(
        "than highest lowest largest smallest biggest fastest slowest fewest record time unprecedented first "
        "only doubled tripled trebled halved quadrupled many much high low twice times"
    ),
    # Word beginnings of the rises and falls ("increas\w*"), and any longer word ending in -est.
    re.compile(
        r" (?:increas|decreas|declin|dropp|fell|fall|rise|rose|risen|rising|grew|grow|climb|plung|soar|surg|jump|"
        r"slump|tumbl|shrank|shrink|cut|gain|los|up|down|plummet|compar|outpac|exceed|outnumber)|\west "
    ),
)
_DATE_TRIGGER = _Trigger(
    _words(
        "january february march april may june july august september october november december jan feb mar "
        "apr jun jul aug sep sept oct nov dec year month week decade century quarter summer winter spring "
        "autumn fall yesterday since ago decades centuries"
    )
)
_FIGURE_TRIGGER = _Trigger(
    _words(
        "two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty sixty "
        "seventy eighty ninety hundred hundreds thousand thousands million millions billion billions trillion "
        "trillions dozen dozens scores half third quarter thirds quarters twice thrice majority minority"
    )
)
_PROMOTION_TRIGGER = _Trigger(
    _words(
        "please subscribe sign click read join follow share watch listen visit download register tap call "
        "email contact find don let check see learn discover get buy order book try good welcome thank thanks "
        "newsletter story reporting editing stay sponsored"
    )
)
_RECORD_TRIGGER = _Trigger(
    _words(
        "voted passed signed vetoed approved rejected banned banning bans closed opened built founded elected "
        "appointed resigned fired sued convicted charged arrested sentenced killed died won lost scored "
        "raised cut funded spent paid received imported exported generate generates generated produced "
        "recorded reported increased reduced eliminated abolished introduced launched invaded overturned "
        "ruled supported opposed proposed promised pledged created added invested borrowed owed ousted "
        "blocked repealed expanded privatised privatized nationalised nationalized"
    )
)
_ATTRIBUTION_TRIGGER = _Trigger(
    _words(
        "said says say told tells claimed claims announced announces argued argues insisted insists stated "
        "states reported reports confirmed confirms warned warns admitted admits revealed reveals estimated "
        "estimates found finds showed shows wrote writes testified alleged alleges denied denies acknowledged "
        "noted according show"
    )
)
_OPINION_TRIGGER = _Trigger(
    _words(
        "view opinion personally frankly honestly course needless seems arguably sure should ought must proud "
        "thrilled delighted excited devastated heartbroken disappointed saddened honoured honored grateful "
        "incredible amazing wonderful beautiful terrible awful fantastic lovely special welcoming sad happy glad "
        "feeling feelings felt fear fears"
    ),
    together=(
        _words("i we"),
        _words("think believe feel hope wish guess suppose love hate want like trust expect am are"),
    ),
)
# Number words before "percent"; "millions of dollars" and the like.
_PERCENT_WORDS = _words("per percent")
_MONEY_WORDS = _words("millions billions trillions thousands")
_SPECULATION_TRIGGER = _Trigger(
    _words(
        "could might would perhaps maybe possibly will remains expected likely due may"
    )
)
_SHORT_WORDS = 6


@dataclass(frozen=True, slots=True)
class Score:
    """A sentence's check-worthiness: the summed weights and the reasons behind them."""

    value: float
    reasons: tuple[str, ...]


def _names_someone(text: str) -> bool:
    """True when ``text`` has a capitalised word that is not just its first word, or an acronym.

    A heuristic stand-in for a named-entity tagger: no model, no download, and good enough
    to tell "Senator Maria Lopez said" from "she said".
    """
    first = _WORD.search(text)
    first_start = first.start() if first else -1
    for match in _CAPITALISED.finditer(text):
        if (
            match.start() != first_start
            and match.group() not in _NOT_NAMES
            and not _after_sentence_opener(text, match.start())
        ):
            return True
    return any(match.group() != "I" for match in _ACRONYM.finditer(text))


_OPENERS = frozenset(('"', "“", "\u2018", ":", "(", "—"))


def _after_sentence_opener(text: str, position: int) -> bool:
    """True when the word at ``position`` opens a quotation or a clause after a colon."""
    index = position - 1
    while index >= 0 and text[index].isspace():
        index -= 1
    return index >= 0 and text[index] in _OPENERS


def _has_named_person(text: str) -> bool:
    """True when ``text`` names someone outside quotation marks ("Senator Maria Lopez")."""
    for match in _PERSON_NAME.finditer(_QUOTE.sub(" ", text)):
        if not any(word in _NOT_NAMES for word in match.group().split()):
            return True
    return False


def _figures(text: str, lowered: str, consumed: Iterable[re.Match[str]], number_words: bool) -> bool:
    """True when a number remains once percentages, money and dates are accounted for.

    ``number_words`` is False when the sentence cannot hold one ("two", "half", "one in 5").
    """
    spans = [match.span() for match in consumed]
    for match in _DIGITS.finditer(text):
        if not any(start <= match.start() < end for start, end in spans):
            return True
    return number_words and _FIGURE_WORDS.search(lowered) is not None


def present_features(text: str) -> list[str]:
    """Names of the :data:`FEATURES` that ``text`` shows, in table order.

    The same names are the explainable inputs of the trained model
    (:mod:`annotations.checkworthiness_model`), so both scorers explain a sentence alike.

    Patterns that cannot match are skipped (no digit: no clock time, no "12 million"; no
    attribution: no need to look for the speaker). The skips never change the answer; they
    are what lets the trained model score thousands of sentences a second.
    """
    stripped = text.strip()
    lowered = stripped.translate(_ASCII_LOWER)  # same length: offsets agree with ``stripped``
    has_digit = _ANY_DIGIT.search(stripped) is not None
    tokens = set(_TOKEN.findall(lowered))
    percentages = list(_PERCENT.finditer(lowered)) if has_digit or not _PERCENT_WORDS.isdisjoint(tokens) else []
    money = list(_MONEY.finditer(lowered)) if has_digit or not _MONEY_WORDS.isdisjoint(tokens) else []
    if has_digit and _MONEY_CONTEXT.search(lowered):
        money += _LARGE_AMOUNT.finditer(lowered)
    spaced = " " + " ".join(tokens) + " "
    dates = list(_DATE.finditer(stripped)) if has_digit or _DATE_TRIGGER.fires(tokens, spaced) else []
    attributed = _ATTRIBUTION_TRIGGER.fires(tokens, spaced) and _ATTRIBUTION.search(lowered) is not None
    quote = _QUOTE.search(stripped) is not None

    present: set[str] = set()
    if percentages:
        present.add("percentage")
    if money:
        present.add("money")
    times = list(_TIME.finditer(lowered)) if has_digit else []
    number_words = has_digit or _FIGURE_TRIGGER.fires(tokens, spaced)
    if _figures(stripped, lowered, percentages + money + dates + times, number_words):
        present.add("figure")
    if dates:
        present.add("date")
    if _COMPARISON_TRIGGER.fires(tokens, spaced) and _COMPARISON.search(lowered):
        present.add("comparison")
    if _RECORD_TRIGGER.fires(tokens, spaced) and _RECORD.search(lowered):
        present.add("record")
    if attributed and (_has_named_person(stripped) or _names_someone(_QUOTE.sub(" ", stripped) if quote else stripped)):
        present.add("attributed_named")
    elif attributed:
        present.add("attributed")
    if quote:
        present.add("quote")
    if "attributed_named" not in present and _names_someone(stripped):
        present.add("named_entity")
    if stripped.rstrip("\"”»’'").endswith(("?", "\u061f")):  # ؟ is the Arabic-script question mark
        present.add("question")
    if _OPINION_TRIGGER.fires(tokens, spaced) and _OPINION.search(lowered):
        present.add("opinion")
    if _SPECULATION_TRIGGER.fires(tokens, spaced) and (_SPECULATION.search(lowered) or _MAY.search(stripped)):
        present.add("speculation")
    if _PROMOTION_TRIGGER.fires(tokens, spaced) and _PROMOTION.search(lowered):
        present.add("promotion")
    if len(list(islice(_WORD.finditer(stripped), _SHORT_WORDS))) < _SHORT_WORDS:
        present.add("short")
    return [name for name in FEATURES if name in present]


def score_sentence(text: str) -> Score:
    """Score one sentence for check-worthiness.

    The value is the sum of the weights of the features the sentence shows (see
    :data:`FEATURES`); the reasons list only the positive features, in table order, because
    they are what a fact-checker needs to see next to a suggestion.
    """
    names = present_features(text)
    value = round(sum(FEATURES[name].weight for name in names), 4)
    reasons = tuple(FEATURES[name].reason for name in names if FEATURES[name].weight > 0)
    return Score(value=value, reasons=reasons)


# --------------------------------------------------------------------------------------
# Suggestions
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A sentence worth checking: where it is, what it says, and why it was suggested."""

    start: int
    end: int
    text: str
    score: float
    reasons: tuple[str, ...]
    #: What the score is, in words ("feature points", "probability, model en v3").
    basis: str = ""


class Scorer(Protocol):
    """What :func:`suggest` needs from a scorer: the feature table, or a trained model.

    ``values`` scores many sentences at once (a model is much faster in bulk); ``reasons``
    explains one sentence and is only asked for the few sentences actually shown.
    """

    threshold: float
    basis: str

    def values(self, texts: Sequence[str]) -> Sequence[float]: ...

    def reasons(self, text: str) -> tuple[str, ...]: ...


class FeatureScorer:
    """The hand-written features of :data:`FEATURES` as a :class:`Scorer` (the fallback where a
    language has no trained model)."""

    threshold = DEFAULT_THRESHOLD
    basis = "feature points"

    def values(self, texts: Sequence[str]) -> list[float]:
        return [score_sentence(text).value for text in texts]

    def reasons(self, text: str) -> tuple[str, ...]:
        return score_sentence(text).reasons


FEATURE_SCORER = FeatureScorer()

#: Features that read the same in any language (digits, %, ٪, question marks, length); the
#: others look for English words and would only ever fire on English names in other text.
LANGUAGE_NEUTRAL_FEATURES = frozenset({"percentage", "money", "figure", "date", "quote", "question", "short"})


class NeutralFeatureScorer(FeatureScorer):
    """The language-neutral features only: the fallback for languages without a trained model
    or English word lists, so an Arabic sentence is not rewarded for quoting an English name."""

    basis = "feature points (language-neutral)"

    @staticmethod
    def _names(text: str) -> list[str]:
        return [name for name in present_features(text) if name in LANGUAGE_NEUTRAL_FEATURES]

    def values(self, texts: Sequence[str]) -> list[float]:
        return [round(sum(FEATURES[name].weight for name in self._names(text)), 4) for text in texts]

    def reasons(self, text: str) -> tuple[str, ...]:
        return tuple(FEATURES[name].reason for name in self._names(text) if FEATURES[name].weight > 0)


NEUTRAL_FEATURE_SCORER = NeutralFeatureScorer()


def feature_scorer_for(language: str) -> FeatureScorer:
    """The hand-written features for ``language``: all of them for English, the neutral ones otherwise."""
    return FEATURE_SCORER if _language_key(language) == "en" else NEUTRAL_FEATURE_SCORER


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


@dataclass(frozen=True, slots=True)
class ScoredSentence:
    """A sentence of a body (by offsets) and its score: what is worth caching per body version."""

    start: int
    end: int
    value: float


def score_sentences(body: str, scorer: Scorer = FEATURE_SCORER, language: str = "en") -> list[ScoredSentence]:
    """Every sentence of ``body`` with its score, in body order.

    This is the expensive half of :func:`suggest` (segmentation and scoring); it depends only
    on the body and the scorer, so callers cache it per article version and apply the cheap
    half (:func:`pick_suggestions`) on every request, when claims and dismissals change.
    """
    sentences = split_sentences(body, language)
    values = scorer.values([sentence.text for sentence in sentences])
    return [
        ScoredSentence(sentence.start, sentence.end, round(float(value), 4))
        for value, sentence in zip(values, sentences, strict=True)
    ]


def pick_suggestions(
    body: str,
    scored: Iterable[ScoredSentence],
    covered: Sequence[tuple[int, int]] = (),
    dismissed: Collection[tuple[int, int]] = (),
    limit: int = 5,
    threshold: float | None = None,
    scorer: Scorer = FEATURE_SCORER,
) -> list[Suggestion]:
    """The best of ``scored`` (from :func:`score_sentences` over this ``body``), as in :func:`suggest`."""
    if limit <= 0:
        return []
    dismissed_spans = set(dismissed)
    floor = scorer.threshold if threshold is None else threshold
    ranked = sorted(
        (
            sentence
            for sentence in scored
            if sentence.value >= floor
            and (sentence.start, sentence.end) not in dismissed_spans
            and not _overlaps(sentence.start, sentence.end, covered)
        ),
        key=lambda sentence: (-sentence.value, sentence.start),
    )
    shown = []
    for sentence in ranked[:limit]:
        text = body[sentence.start : sentence.end]
        shown.append(Suggestion(sentence.start, sentence.end, text, sentence.value, scorer.reasons(text), scorer.basis))
    return shown


def suggest(
    body: str,
    covered: Sequence[tuple[int, int]] = (),
    dismissed: Collection[tuple[int, int]] = (),
    limit: int = 5,
    threshold: float | None = None,
    scorer: Scorer = FEATURE_SCORER,
    language: str = "en",
) -> list[Suggestion]:
    """The best check-worthy sentences of ``body``, best first, at most ``limit``.

    ``covered`` are the ``(start, end)`` spans of existing claims: a sentence that intersects
    any of them is never suggested, because the fact-checker has already marked it.
    ``dismissed`` are sentence spans a user has waved away; they stay away. Sentences scoring
    below ``threshold`` (default: the scorer's own) are dropped. Order is score descending,
    then position in the body, so the same body always yields the same list. ``scorer`` is
    the feature table unless a trained model is given; only the shown sentences are explained.
    """
    if limit <= 0:
        return []
    return pick_suggestions(
        body, score_sentences(body, scorer, language), covered, dismissed,
        limit=limit, threshold=threshold, scorer=scorer,
    )


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Metrics:
    """How well the scorer's yes/no (score >= threshold) matches human labels."""

    precision: float
    recall: float
    f1: float
    n: int


def evaluate(labelled: Iterable[tuple[str, int]], threshold: float = DEFAULT_THRESHOLD) -> Metrics:
    """Precision, recall and F1 of "score >= threshold" against labels (1 = check-worthy).

    Used by the test suite to guard a quality floor and by docs/checkworthiness.md to report
    the measured numbers, so both always describe the same computation.
    """
    true_positive = false_positive = false_negative = n = 0
    for text, label in labelled:
        n += 1
        predicted = score_sentence(text).value >= threshold
        if predicted and label:
            true_positive += 1
        elif predicted:
            false_positive += 1
        elif label:
            false_negative += 1
    precision = true_positive / (true_positive + false_positive) if true_positive else 0.0
    recall = true_positive / (true_positive + false_negative) if true_positive else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Metrics(precision=precision, recall=recall, f1=f1, n=n)


def rank_by_score(texts: Iterable[str]) -> list[int]:
    """Indices of ``texts`` from most to least check-worthy (ties keep input order)."""
    scores = [score_sentence(text).value for text in texts]
    return sorted(range(len(scores)), key=lambda index: -scores[index])


def precision_at_k(labelled: Sequence[tuple[str, int]], k: int) -> float:
    """Share of check-worthy sentences among the ``k`` best-scored: what a reader of the
    top of the suggestion list actually sees."""
    ranking = rank_by_score(text for text, _ in labelled)[:k]
    return sum(labelled[index][1] for index in ranking) / k if k > 0 else 0.0


def average_precision(labelled: Sequence[tuple[str, int]]) -> float:
    """Average precision of the score ranking (the CLEF CheckThat! measure, per debate)."""
    hits = 0
    total = 0.0
    for rank, index in enumerate(rank_by_score(text for text, _ in labelled), start=1):
        if labelled[index][1]:
            hits += 1
            total += hits / rank
    return total / hits if hits else 0.0


def _load_rows(path: str) -> list[dict[str, str]]:
    """Read labelled rows (``text``, ``label``, optionally ``file_name``) from .jsonl, .json or .csv."""
    import csv
    import json
    from pathlib import Path

    file = Path(path)
    if file.suffix == ".csv":
        with file.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    if file.suffix == ".jsonl":
        return [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    return json.loads(file.read_text(encoding="utf-8"))


def _main(paths: Sequence[str]) -> None:
    """Print the numbers reported in docs/checkworthiness.md for each labelled file.

    Files whose rows carry a ``file_name`` (CLEF CheckThat! debates) are also ranked per
    debate, and the mean average precision (MAP) and mean P@10 over debates are printed.
    """
    print("file\tn\tP\tR\tF1\tP@10\tAP")
    for path in paths:
        rows = _load_rows(path)
        labelled = [(row["text"], int(row["label"])) for row in rows]
        metrics = evaluate(labelled)
        print(
            f"{path}\t{metrics.n}\t{metrics.precision:.3f}\t{metrics.recall:.3f}\t{metrics.f1:.3f}\t"
            f"{precision_at_k(labelled, 10):.3f}\t{average_precision(labelled):.3f}"
        )
        debates: dict[str, list[tuple[str, int]]] = {}
        for row, pair in zip(rows, labelled, strict=True):
            if row.get("file_name"):
                debates.setdefault(row["file_name"], []).append(pair)
        if debates:
            mean_ap = sum(map(average_precision, debates.values())) / len(debates)
            mean_p10 = sum(precision_at_k(lines, 10) for lines in debates.values()) / len(debates)
            print(f"  per debate ({len(debates)}): MAP={mean_ap:.3f} mean P@10={mean_p10:.3f}")


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:] or ["tests/fixtures/checkworthiness.jsonl"])
