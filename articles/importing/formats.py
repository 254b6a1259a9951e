"""Data shapes shared by every import parser, and the checks every record goes through.

Parsers never raise on bad input: they yield a :class:`ParseError` for the one file, row or
entry that is wrong and carry on, so an editor importing a 300-row CSV with one broken row
gets 299 articles and one precise message. Nothing here touches models or the database
(URLs are checked by the one http(s) rule, ``factcheck.validators``), so the rules can be
tested in isolation and reused by the web form, the management command and the admin.
A record whose text cannot be stored (a lone surrogate from a JSON escape, or a byte that
is not UTF-8) fails on its own, with :func:`surrogate_problem` saying which and where.

:func:`build_article` is the single place where a record's fields are cleaned and
validated; every parser funnels through it, so a title limit or URL rule lives in one place.
"""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import dataclasses
import datetime
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from articles.html_limits import DEFAULT_MAX_HTML_DEPTH
from articles.language import detect_language
from articles.text import canonicalize_body, canonicalize_line
from articles.values import normalize_language, parse_iso_date
from factcheck.validators import is_http_url

__all__ = [
    "DEFAULT_LIMITS",
    "DecodeError",
    "ImportLimits",
    "ParseError",
    "ParseOutcome",
    "ParsedArticle",
    "Record",
    "build_article",
    "decode_utf8",
    "decode_utf8_per_record",
    "human_size",
    "language_guess_deferred",
    "normalize_language",
    "parse_iso_date",
    "printable",
    "record_from_mapping",
    "surrogate_problem",
    "with_guessed_language",
]


@dataclass(frozen=True, kw_only=True)
class ParsedArticle:
    """One article ready to be saved; ``body`` is already canonical (see ``articles.text``).

    ``origin`` says where in the upload the article came from ("feed.jsonl line 3",
    "page.txt related #2") so an import report can point the editor at it.
    """

    title: str
    body: str
    outlet: str = ""
    byline: str = ""
    url: str = ""
    published_on: datetime.date | None = None
    language: str = "en"
    origin: str
    #: The record gave no language and the guess was left for later (only while parsing inside
    #: :func:`language_guess_deferred`): ``language`` is "" until :func:`with_guessed_language`.
    language_pending: bool = False


@dataclass(frozen=True)
class ParseError:
    """A file, row or entry that could not be imported, with a message an editor can act on."""

    origin: str
    message: str
    #: The article field the message is about ("title", "body", ...), when it is about one: the
    #: edit form puts the error beside that field whatever the interface language.
    field_name: str = field(default="", compare=False)


Record = ParsedArticle | ParseError


@dataclass
class ParseOutcome:
    """What parsing one upload produced: articles and per-record errors, in file order.

    ``notes`` are informational remarks that are not errors (for example that a ``.txt``
    file did not look like an aggregator page and was imported as one article).
    """

    records: list[Record] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def articles(self) -> list[ParsedArticle]:
        return [record for record in self.records if isinstance(record, ParsedArticle)]

    @property
    def errors(self) -> list[ParseError]:
        return [record for record in self.records if isinstance(record, ParseError)]

    def extend(self, other: ParseOutcome) -> None:
        self.records.extend(other.records)
        self.notes.extend(other.notes)


@dataclass(frozen=True)
class ImportLimits:
    """Upper bounds that keep one upload from exhausting memory or overflowing columns.

    The character limits on one-line fields exist so that a bad row becomes a per-row
    error here instead of a database error (PostgreSQL rejects over-long ``varchar``)
    when the service saves it; keep them in line with the model's ``max_length``.
    """

    max_file_bytes: int = 5 * 1024 * 1024
    max_body_chars: int = 500_000
    # These mirror Article's column sizes (title 500, outlet 200, byline 300, url 1000).
    max_title_chars: int = 500
    max_outlet_chars: int = 200
    max_byline_chars: int = 300
    max_url_chars: int = 1000
    #: HTML pages nested deeper than this are refused before parsing (see ``articles.html_limits``).
    max_html_depth: int = DEFAULT_MAX_HTML_DEPTH


DEFAULT_LIMITS = ImportLimits()


def human_size(count: int) -> str:
    """Bytes as people read them ("5 MB", "256 KB"), for size limits in messages and forms."""
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{count / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


class DecodeError(ValueError):
    """Raised by :func:`decode_utf8`; the message is meant for the editor."""


def _without_bom(data: bytes) -> bytes:
    """Drop a UTF-8 byte order mark; refuse UTF-16, which would decode to garbage."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        raise DecodeError("file is UTF-16, not UTF-8; re-save the file as UTF-8")
    return data.removeprefix(codecs.BOM_UTF8)


def decode_utf8(data: bytes) -> str:
    """Decode ``data`` as UTF-8 (a leading BOM is allowed and dropped).

    Anything else is reported rather than guessed: a wrong guess (say Latin-1 for a
    Windows-1252 file) silently corrupts quotes and accents, and every claim anchored on
    the article would then quote text the outlet never published.
    """
    data = _without_bom(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        raise DecodeError(
            f"not valid UTF-8 (byte 0x{byte:02x} at position {error.start}); re-save the file as UTF-8"
        ) from None


def decode_utf8_per_record(data: bytes) -> str:
    """Decode ``data`` as UTF-8, keeping each byte that is not UTF-8 as a lone surrogate.

    For formats whose records are lines or rows (CSV, JSON Lines, text pages) one bad
    byte spoils one record, not the file: ``surrogateescape`` turns byte 0xNN into
    U+DCNN, which :func:`surrogate_problem` then reports for the record that holds it.
    A UTF-16 file is still refused whole: every record of it would be garbage.
    """
    return _without_bom(data).decode("utf-8", "surrogateescape")


_SURROGATE = re.compile("[\ud800-\udfff]")
#: Where ``surrogateescape`` puts the bytes 0x80-0xFF that are not valid UTF-8.
_ESCAPED_BYTES = range(0xDC80, 0xDD00)


def printable(text: str) -> str:
    """``text`` with any lone surrogate written as ``\\udcNN``, safe to print, store and send as JSON.

    Report messages quote file names and text from the upload; a lone surrogate in them
    would crash the terminal output or the database write of the report.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def surrogate_problem(what: str, value: str, *, escaped: bool) -> str | None:
    """Describe the first lone surrogate in ``value`` for the editor, or None if there is none.

    Neither UTF-8 nor the database can hold a lone surrogate, so such a record is refused
    (whole, never silently altered). It comes either from a JSON escape for half of a
    character (``"\\ud800"``, ``escaped=True``: a tool cut an emoji in two) or from a
    byte that is not UTF-8, kept by :func:`decode_utf8_per_record` (``escaped=False``).
    """
    match = _SURROGATE.search(value)
    if match is None:
        return None
    code = ord(match.group())
    before = value[max(0, match.start() - 20) : match.start()]
    where = f"after {printable(before)!r}" if before else "at the start"
    if not escaped and code in _ESCAPED_BYTES:
        return f"{what} is not valid UTF-8 (byte 0x{code - 0xDC00:02x} {where}); re-save the file as UTF-8"
    return (
        f"{what} contains an unpaired surrogate \\u{code:04x} ({where}): half of a character such as an emoji, "
        "which cannot be stored; fix the text in the file"
    )


def _too_long(name: str, length: int, limit: int) -> str:
    """ "title is 1,234 characters; the limit is 500": ``name`` is the field's name, as in the file."""
    return _("%(field)s is %(length)s characters; the limit is %(limit)s") % {
        "field": name, "length": f"{length:,}", "limit": f"{limit:,}"
    }


#: Set by :func:`language_guess_deferred`: :func:`build_article` leaves the guess for later.
_GUESS_LATER: contextvars.ContextVar[bool] = contextvars.ContextVar("factdesk_guess_language_later", default=False)


@contextlib.contextmanager
def language_guess_deferred() -> Iterator[None]:
    """Within it, :func:`build_article` does not guess a missing language: the record is marked pending.

    The guess (``articles.language.detect_language``) is most of a record's parsing time; the
    import service makes it in a worker thread, for the next chunk while the database saves
    this one, through :func:`with_guessed_language`. Context-local: other threads and callers
    still get the guess at once.
    """
    token = _GUESS_LATER.set(True)
    try:
        yield
    finally:
        _GUESS_LATER.reset(token)


def with_guessed_language(record: Record) -> Record:
    """``record`` with its pending language guessed (see :func:`language_guess_deferred`); others as they are.

    The same guess :func:`build_article` makes, from the canonical body. Touches no database
    and no translation, so it may run in any thread.
    """
    if isinstance(record, ParsedArticle) and record.language_pending:
        return dataclasses.replace(record, language=detect_language(record.body), language_pending=False)
    return record


def build_article(
    *,
    origin: str,
    title: str,
    body: str,
    outlet: str = "",
    byline: str = "",
    url: str = "",
    published_on: datetime.date | None = None,
    language: str = "",
    limits: ImportLimits = DEFAULT_LIMITS,
) -> Record:
    """Clean and validate one record's fields; return the article or the first problem found.

    Title, outlet and byline become single canonical lines, the body becomes canonical
    body text, and the URL must be http(s) because it is rendered as a link. Text that
    holds bytes which are not UTF-8 (see :func:`decode_utf8_per_record`) is refused here.
    """
    for name, value in (
        ("title", title), ("body", body), ("outlet", outlet), ("byline", byline), ("url", url), ("language", language)
    ):
        problem = surrogate_problem(name, value, escaped=False)
        if problem:
            return ParseError(origin, problem)
    title = canonicalize_line(title)
    body = canonicalize_body(body)
    outlet = canonicalize_line(outlet)
    byline = canonicalize_line(byline)
    url = url.strip()
    if not title:
        return ParseError(origin, _("missing title"), field_name="title")
    if len(title) > limits.max_title_chars:
        return ParseError(origin, _too_long("title", len(title), limits.max_title_chars), field_name="title")
    if not body:
        return ParseError(origin, _("article %(title)s has an empty body") % {"title": repr(title)}, field_name="body")
    if len(body) > limits.max_body_chars:
        return ParseError(origin, _too_long("body", len(body), limits.max_body_chars), field_name="body")
    for name, value, limit in (
        ("outlet", outlet, limits.max_outlet_chars),
        ("byline", byline, limits.max_byline_chars),
    ):
        if len(value) > limit:
            return ParseError(origin, _too_long(name, len(value), limit), field_name=name)
    if url:
        if len(url) > limits.max_url_chars:
            return ParseError(origin, _too_long("url", len(url), limits.max_url_chars), field_name="url")
        if not is_http_url(url):
            return ParseError(
                origin, _("url %(url)s is not an http:// or https:// address") % {"url": repr(url)}, field_name="url"
            )
    pending = False
    try:
        # Not given: guessed from the body (confident or the default, see articles.language),
        # now or, inside language_guess_deferred(), by with_guessed_language.
        if language.strip():
            language = normalize_language(language)
        elif _GUESS_LATER.get():
            language, pending = "", True
        else:
            language = detect_language(body)
    except ValueError as error:
        return ParseError(origin, str(error), field_name="language")
    return ParsedArticle(
        title=title,
        body=body,
        outlet=outlet,
        byline=byline,
        url=url,
        published_on=published_on,
        language=language,
        origin=origin,
        language_pending=pending,
    )


# Accepted names for each field in CSV headers and JSON keys, in order of preference.
# Matching is case-insensitive; the first alias with a non-empty value wins.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "body": ("body", "text", "content"),
    "outlet": ("outlet", "publisher", "source"),
    "byline": ("byline", "author"),
    "url": ("url", "link"),
    "published": ("published", "date", "published_on", "published_at"),
    "language": ("language", "lang"),
}


def _field_value(record: Mapping[str, object], name: str) -> tuple[str, object]:
    """Return ``(key, value)`` for the first alias of ``name`` present with a non-empty value."""
    for alias in FIELD_ALIASES[name]:
        value = record.get(alias)
        if value is not None and value != "":
            return alias, value
    return FIELD_ALIASES[name][0], None


_JSON_KINDS = {
    "dict": "an object",
    "list": "a list",
    "bool": "true/false",
    "int": "a number",
    "float": "a number",
}


def record_from_mapping(record: Mapping[str, object], origin: str, limits: ImportLimits = DEFAULT_LIMITS) -> Record:
    """Turn one JSON object or CSV row into an article, accepting the aliases in ``FIELD_ALIASES``.

    Keys are matched case-insensitively; unknown keys are ignored so that exports from
    other tools (with ids, tags, ...) import without editing.
    """
    lowered = {str(key).strip().lower(): value for key, value in record.items()}
    values: dict[str, str] = {}
    for name in FIELD_ALIASES:
        key, value = _field_value(lowered, name)
        if value is None:
            values[name] = ""
        elif isinstance(value, str):
            values[name] = value
        else:
            kind = _JSON_KINDS.get(type(value).__name__, type(value).__name__)
            return ParseError(origin, _("field %(key)s must be text, got %(kind)s") % {"key": repr(key), "kind": kind})
    for name, value in values.items():
        # JSON values are decoded strictly and CSV rows checked for bad bytes by the parser,
        # so a lone surrogate here is a JSON escape.
        problem = surrogate_problem(f"field {name!r}", value, escaped=True)
        if problem:
            return ParseError(origin, problem)
    published_on = None
    if values["published"].strip():
        try:
            published_on = parse_iso_date(values["published"])
        except ValueError as error:
            return ParseError(origin, str(error))
    return build_article(
        origin=origin,
        title=values["title"],
        body=values["body"],
        outlet=values["outlet"],
        byline=values["byline"],
        url=values["url"],
        published_on=published_on,
        language=values["language"],
        limits=limits,
    )
