"""Turn an uploaded file into articles: dispatch on the file type, then parse.

:func:`parse_file` is the entry point for the import service. It checks the things that
are true of the whole file (type, size, encoding, emptiness) and hands the decoded text to
the parser for the file type. Every parser has the same shape,
``(text, origin, limits) -> ParseOutcome``, and reports problems per record so that one
bad row never stops the others.

Origins name where a record came from, in terms an editor can find in the file:
``"feed.json item 2"``, ``"feed.jsonl line 3"``, ``"list.csv row 4"`` (spreadsheet
numbering: the header is row 1), ``"page.txt related #2"``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

from django.utils.translation import gettext as _

from articles.importing.aggregator import looks_like_aggregator_page, parse_aggregator_page
from articles.importing.formats import (
    DEFAULT_LIMITS,
    FIELD_ALIASES,
    DecodeError,
    ImportLimits,
    ParseError,
    ParseOutcome,
    Record,
    build_article,
    decode_utf8,
    decode_utf8_per_record,
    human_size,
    language_guess_deferred,
    printable,
    record_from_mapping,
    surrogate_problem,
)
from articles.importing.html_page import parse_html
from articles.importing.markdown_text import parse_markdown

__all__ = [
    "PARSERS",
    "SUPPORTED_EXTENSIONS_TEXT",
    "parse_csv",
    "parse_file",
    "parse_json",
    "parse_jsonl",
    "parse_text",
]

Parser = Callable[[str, str, ImportLimits], ParseOutcome]


def parse_text(text: str, origin: str, limits: ImportLimits = DEFAULT_LIMITS) -> ParseOutcome:
    """Parse a ``.txt`` file: an aggregator page if it has that shape, else one article.

    As a single article, the first non-empty line is the title and the rest is the body.
    If the body has no blank line at all, each line is taken as a paragraph: text copied
    out of a web page puts one paragraph per line, and a lone newline would otherwise
    glue them into one paragraph.
    """
    if looks_like_aggregator_page(text):
        return parse_aggregator_page(text, origin, limits)
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    filled = [index for index, line in enumerate(lines) if line.strip()]
    title = lines[filled[0]] if filled else ""
    rest = lines[filled[1] : filled[-1] + 1] if len(filled) > 1 else []
    if all(line.strip() for line in rest):
        rest = [part for line in rest for part in (line, "")]
    body = "\n".join(rest)
    return ParseOutcome(
        records=[build_article(origin=origin, title=title, body=body, limits=limits)],
        notes=[f"{origin}: not an aggregator page: imported as a single article."],
    )


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "null"


def _load_json(text: str, *, single_line: bool = False) -> object:
    """``json.loads`` with errors turned into editor-facing ``ValueError`` messages.

    For one JSON Lines record the origin already names the line, so only the column is given.
    """
    try:
        return _load_json_strictly(text)
    except json.JSONDecodeError as error:
        where = f"column {error.colno}" if single_line else f"line {error.lineno}, column {error.colno}"
        raise ValueError(f"not valid JSON: {error.msg} ({where})") from None


class _TooDeep(ValueError):
    """A JSON document nested deeper than the parser's recursion limit."""


def _load_json_strictly(text: str) -> object:
    """``json.loads``, with nesting too deep for it as :class:`_TooDeep` rather than RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise _TooDeep("not valid JSON: nested too deeply") from None


# A JSON string (escapes included), or a run of opening or of closing brackets.
_JSON_NESTING = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[{]++|[\]}]++', re.DOTALL)
_SPACE = re.compile(r"[ \t\n\r]*+")
#: Strings and bracket runs read to step over items too deep to parse, per document.
SKIP_TOKEN_BUDGET = 500_000
#: After stepping over a deep item the rest of the array is tried whole (in C), at most this often.
_BULK_TRIES = 3


def _end_of_value(text: str, position: int, budget: list[int]) -> int | None:
    """Where the (too deeply nested) JSON value starting at ``position`` ends; None if unknown.

    Strings are skipped whole and runs of brackets counted at once, so a value nested
    100,000 deep costs two steps; ``budget`` (shared by the document) bounds the rest.
    """
    depth = 0
    for token in _JSON_NESTING.finditer(text, position):
        budget[0] -= 1
        if budget[0] < 0:
            return None
        run = token.group()
        if run[0] in "[{":
            depth += len(run)
        elif run[0] in "]}":
            if len(run) >= depth:
                return token.start() + depth
            depth -= len(run)
    return None


def _rest_in_one_piece(text: str, position: int) -> list[object] | None:
    """The array's items from ``position`` on, decoded in one go; None if that fails."""
    try:
        rest = json.loads("[" + text[position:])
    except (ValueError, RecursionError):
        return None
    return rest if isinstance(rest, list) else None


def _json_items_one_by_one(text: str, origin: str, limits: ImportLimits) -> ParseOutcome | None:
    """A top-level array nested too deeply somewhere, read item by item; None if it is not an array.

    Each item is decoded on its own (in C, as ``json.loads`` does); an item nested too
    deeply is stepped over (:func:`_end_of_value`) and reported alone, so the others import.
    After such an item the rest of the array is first tried in one piece, which is as fast
    as the usual path when only one item is too deep.
    """
    position = _SPACE.match(text).end()
    if not text.startswith("[", position):
        return None
    decoder = json.JSONDecoder()
    budget = [SKIP_TOKEN_BUDGET]
    outcome = ParseOutcome()
    position = _SPACE.match(text, position + 1).end()
    number = 0
    bulk_left, after_deep_item = _BULK_TRIES, False
    while position < len(text) and text[position] != "]":
        if after_deep_item and bulk_left:
            bulk_left, after_deep_item = bulk_left - 1, False
            rest = _rest_in_one_piece(text, position)
            if rest is not None:
                for offset, item in enumerate(rest, start=number + 1):
                    outcome.records.append(_json_record(item, f"{origin} item {offset}", limits))
                return outcome
        number += 1
        item_origin = f"{origin} item {number}"
        try:
            item, position = decoder.raw_decode(text, position)
        except RecursionError:
            end = _end_of_value(text, position, budget)
            outcome.records.append(ParseError(item_origin, _("not valid JSON: nested too deeply")))
            after_deep_item = True
            if end is None:
                message = _("the items after item %(number)s could not be read")
                outcome.records.append(ParseError(origin, message % {"number": number}))
                return outcome
            position = end
        except json.JSONDecodeError as error:
            outcome.records.append(
                ParseError(
                    item_origin,
                    _("not valid JSON: %(error)s (line %(line)s, column %(column)s)")
                    % {"error": error.msg, "line": error.lineno, "column": error.colno},
                )
            )
            return outcome
        else:
            outcome.records.append(_json_record(item, item_origin, limits))
        position = _SPACE.match(text, position).end()
        if text.startswith(",", position):
            position = _SPACE.match(text, position + 1).end()
        elif not text.startswith("]", position):
            message = _("not valid JSON after item %(number)s: expected ',' or ']'")
            outcome.records.append(ParseError(origin, message % {"number": number}))
            return outcome
    return outcome


def _json_record(item: object, origin: str, limits: ImportLimits) -> Record:
    """One item of a JSON list or one JSON Lines line: an article object, else an error."""
    if isinstance(item, dict):
        return record_from_mapping(item, origin, limits)
    return ParseError(origin, _("expected an article object, got %(kind)s") % {"kind": _json_kind(item)})


def parse_json(text: str, origin: str, limits: ImportLimits = DEFAULT_LIMITS) -> ParseOutcome:
    """Parse a ``.json`` file: one article object, a list of them, or ``{"articles": [...]}``.

    Keys are those of the CSV columns (see ``FIELD_ALIASES``); list items are numbered
    from 1 in origins ("feed.json item 2"). An item nested too deeply to parse fails alone.
    """
    outcome = ParseOutcome()
    try:
        data = _load_json(text)
    except _TooDeep as error:
        one_by_one = _json_items_one_by_one(text, origin, limits)
        if one_by_one is not None:
            return one_by_one
        outcome.records.append(ParseError(origin, str(error)))
        return outcome
    except ValueError as error:
        outcome.records.append(ParseError(origin, str(error)))
        return outcome
    if isinstance(data, dict):
        lowered = {str(key).lower(): value for key, value in data.items()}
        if isinstance(lowered.get("articles"), list) and "title" not in lowered:
            data = lowered["articles"]
        else:
            outcome.records.append(record_from_mapping(data, origin, limits))
            return outcome
    if not isinstance(data, list):
        outcome.records.append(
            ParseError(
                origin, _("expected a JSON object or a list of objects, got %(kind)s") % {"kind": _json_kind(data)}
            )
        )
        return outcome
    if not data:
        outcome.records.append(ParseError(origin, _("the JSON list is empty: no articles to import")))
    for number, item in enumerate(data, start=1):
        outcome.records.append(_json_record(item, f"{origin} item {number}", limits))
    return outcome


def parse_jsonl(text: str, origin: str, limits: ImportLimits = DEFAULT_LIMITS) -> ParseOutcome:
    """Parse JSON Lines: one article object per line; blank lines are skipped.

    Lines are split on ``\\n`` only (not ``str.splitlines``): JSON strings may legally
    contain U+2028, which must not split a record. A line holding bytes that are not
    UTF-8 (see ``decode_utf8_per_record``) is reported on its own; the other lines import.
    """
    outcome = ParseOutcome()
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        line_origin = f"{origin} line {number}"
        problem = surrogate_problem("the line", line, escaped=False)
        if problem:
            outcome.records.append(ParseError(line_origin, problem))
            continue
        try:
            item = _load_json(line, single_line=True)
        except ValueError as error:
            outcome.records.append(ParseError(line_origin, str(error)))
            continue
        outcome.records.append(_json_record(item, line_origin, limits))
    return outcome


def _csv_delimiter(text: str) -> str:
    """Comma, unless the header line has none but has semicolons or tabs (European Excel)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    if "," not in header:
        if ";" in header:
            return ";"
        if "\t" in header:
            return "\t"
    return ","


#: Every header name that maps to an article field; other columns are ignored.
_KNOWN_COLUMNS = frozenset(alias for aliases in FIELD_ALIASES.values() for alias in aliases)


def _csv_record(row: dict[str, str], origin: str, limits: ImportLimits) -> Record:
    """One CSV row as an article; a used cell with bytes that are not UTF-8 fails the row alone."""
    for name, cell in row.items():
        problem = surrogate_problem(f"column {name!r}", cell, escaped=False) if name in _KNOWN_COLUMNS else None
        if problem:
            return ParseError(origin, problem)
    return record_from_mapping(row, origin, limits)


def parse_csv(text: str, origin: str, limits: ImportLimits = DEFAULT_LIMITS) -> ParseOutcome:
    """Parse a CSV file with a header row naming the columns (case-insensitive).

    Columns: title, body (required), outlet, byline, url, published (ISO date), language,
    or their aliases in ``FIELD_ALIASES``; other columns are ignored. Rows are numbered as
    a spreadsheet shows them: the header is row 1. Blank rows are skipped; a row with
    more non-empty cells than the header has columns is an error (usually an unquoted
    comma), a shorter row has its missing cells treated as empty.
    """
    outcome = ParseOutcome()
    # The csv module's per-cell limit (128 KiB) is below the body limit; the file size
    # limit bounds every cell anyway. Raised once, process-wide, never lowered.
    if csv.field_size_limit() < limits.max_file_bytes:
        csv.field_size_limit(limits.max_file_bytes)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=_csv_delimiter(text))
    header: list[str] | None = None
    row_number = 0
    try:
        for row_number, row in enumerate(reader, start=1):
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in row]
                missing = [
                    name for name in ("title", "body") if not any(alias in header for alias in FIELD_ALIASES[name])
                ]
                if missing:
                    found = ", ".join(repr(cell) for cell in header if cell) or _("nothing")
                    outcome.records.append(
                        ParseError(
                            origin,
                            _(
                                "the CSV header has no %(columns)s column (found %(found)s); the first row must "
                                "name the columns, and title and body are required"
                            ) % {"columns": _(" or ").join(repr(m) for m in missing), "found": found},
                        )
                    )
                    return outcome
                continue
            row_origin = f"{origin} row {row_number}"
            if any(cell.strip() for cell in row[len(header) :]):
                outcome.records.append(
                    ParseError(
                        row_origin,
                        _(
                            "row has %(cells)s cells but the header has %(columns)s columns "
                            "(is there an unquoted comma in a cell?)"
                        ) % {"cells": len(row), "columns": len(header)},
                    )
                )
                continue
            record: dict[str, str] = {}
            for name, cell in zip(header, row, strict=False):
                if name and name not in record:
                    record[name] = cell
            outcome.records.append(_csv_record(record, row_origin, limits))
    except csv.Error as error:
        outcome.records.append(
            ParseError(
                f"{origin} row {row_number + 1}",
                _("the CSV could not be read from here on: %(error)s") % {"error": error},
            )
        )
    if header is None:
        outcome.records.append(ParseError(origin, _("the CSV has no header row")))
    elif not outcome.records:
        outcome.records.append(ParseError(origin, _("the CSV has a header but no rows: no articles to import")))
    return outcome


PARSERS: dict[str, Parser] = {
    ".txt": parse_text,
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".html": parse_html,
    ".htm": parse_html,
    ".json": parse_json,
    ".jsonl": parse_jsonl,
    ".ndjson": parse_jsonl,
    ".csv": parse_csv,
}
SUPPORTED_EXTENSIONS_TEXT = ".txt, .md, .html, .json, .jsonl or .csv"
#: Formats whose records are lines, rows or entries of plain text: a byte that is not
#: UTF-8 fails only the record holding it. A .json file is one document and .md/.html one
#: article, so there the file is the record and a bad byte fails the file.
DECODED_PER_RECORD = frozenset({".txt", ".csv", ".jsonl", ".ndjson"})


def _base_name(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _extension(name: str) -> str:
    base = _base_name(name)
    stem, dot, extension = base.rpartition(".")
    return f".{extension.lower()}" if dot and stem else ""


def parse_file(
    name: str, data: bytes, limits: ImportLimits = DEFAULT_LIMITS, *, guess_language: bool = True
) -> ParseOutcome:
    """Parse one uploaded file into articles and per-record errors.

    ``name`` is the uploaded file name (only its extension and base name are used).
    File-level problems (unsupported type, too large, not UTF-8, empty) come back as a
    single :class:`ParseError` for the whole file; nothing here raises on bad input. For
    the formats in :data:`DECODED_PER_RECORD` a byte that is not UTF-8 fails only its record.
    With ``guess_language=False`` an article that names no language comes back with
    ``language_pending`` set, to be guessed by ``formats.with_guessed_language`` (the import
    service does it in a worker thread while it saves, see ``service.save_outcome``).
    """
    origin = printable(_base_name(name))
    extension = _extension(name)
    parser = PARSERS.get(extension)
    if parser is None:
        shown = f"'{extension}'" if extension else _("(no extension)")
        return ParseOutcome(
            records=[
                ParseError(
                    origin,
                    _("Unsupported file type %(type)s: use %(supported)s.")
                    % {"type": shown, "supported": SUPPORTED_EXTENSIONS_TEXT},
                )
            ]
        )
    if len(data) > limits.max_file_bytes:
        return ParseOutcome(
            records=[
                ParseError(
                    origin,
                    _("file is too large (%(size)s); the limit is %(limit)s")
                    % {"size": human_size(len(data)), "limit": human_size(limits.max_file_bytes)},
                )
            ]
        )
    try:
        text = decode_utf8_per_record(data) if extension in DECODED_PER_RECORD else decode_utf8(data)
    except DecodeError as error:
        return ParseOutcome(records=[ParseError(origin, str(error))])
    if not text.strip():
        return ParseOutcome(records=[ParseError(origin, _("file is empty"))])
    if guess_language:
        outcome = parser(text, origin, limits)
    else:
        with language_guess_deferred():
            outcome = parser(text, origin, limits)
    if printable(text) != text:
        outcome.notes.append(
            f"{origin}: the file is not entirely UTF-8; the records with other bytes were not imported "
            "(re-save the file as UTF-8 and import it again to add them)."
        )
    # Messages may quote text from the file; none may carry a lone surrogate into the report.
    outcome.records = [
        ParseError(printable(record.origin), printable(record.message)) if isinstance(record, ParseError) else record
        for record in outcome.records
    ]
    outcome.notes = [printable(note) for note in outcome.notes]
    return outcome
