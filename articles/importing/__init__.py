"""Parsing layer of article import: uploaded files in, :class:`ParsedArticle` records out.

No models and no database (only Django's URL validator, through ``factcheck.validators``)
so that the web form, the management command and tests share one set of rules; the service that saves articles builds on
:func:`parse_file`. See ``parsers`` for dispatch and origins, ``aggregator`` for pages
scraped from news aggregators, ``html_page`` and ``markdown_text`` for those formats and
``formats`` for the record types and per-field validation.
"""

from articles.importing.aggregator import (
    BOILERPLATE_PATTERNS,
    is_boilerplate,
    looks_like_aggregator_page,
    parse_aggregator_page,
)
from articles.importing.formats import (
    DEFAULT_LIMITS,
    ImportLimits,
    ParsedArticle,
    ParseError,
    ParseOutcome,
    Record,
)
from articles.importing.html_page import parse_html
from articles.importing.markdown_text import parse_markdown
from articles.importing.parsers import (
    PARSERS,
    parse_csv,
    parse_file,
    parse_json,
    parse_jsonl,
    parse_text,
)

__all__ = [
    "BOILERPLATE_PATTERNS",
    "DEFAULT_LIMITS",
    "PARSERS",
    "ImportLimits",
    "ParseError",
    "ParseOutcome",
    "ParsedArticle",
    "Record",
    "is_boilerplate",
    "looks_like_aggregator_page",
    "parse_aggregator_page",
    "parse_csv",
    "parse_file",
    "parse_html",
    "parse_json",
    "parse_jsonl",
    "parse_markdown",
    "parse_text",
]
