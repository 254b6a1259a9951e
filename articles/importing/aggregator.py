"""Pages scraped from a news aggregator and saved as plain text.

Editors paste or save whole aggregator pages. Such a page is laid out line by line::

    Main article title
    First paragraph of the main article.
    Second paragraph ...
    Hashtags                                   <- page furniture starts here
    Try Our AI Features
    Explore what <Site> AI can do for you:
    Comments
    No comments yet...
    Related Articles

    Some Outlet                                <- related entry header:
    2 hours ago                                <-   outlet, relative time,
    - Some Outlet                              <-   "- outlet"
    Related article title
    Teaser text of the related article (often truncated), one paragraph per line.

    Other Outlet
    ...

The main article ends at the first page-furniture heading (:data:`SECTION_BREAKS`) or the
first related-entry header. A related entry is recognised by its header: a relative-time
line followed by a ``- Outlet`` line, optionally preceded by the outlet's name on its own
line. Everything after the header up to the next header is that entry's title (first line)
and body (each further line a paragraph).

Page furniture is recognised by the small, fixed set of whole-line patterns in
:data:`BOILERPLATE_PATTERNS` (plus :data:`RELATIVE_TIME`); matching lines are dropped wherever
they appear, so they never end up inside an article body. A pattern only ever matches a
*whole* line, which is what keeps it from eating real sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from articles.importing.formats import DEFAULT_LIMITS, ImportLimits, ParseError, ParseOutcome, build_article

__all__ = [
    "BOILERPLATE_PATTERNS",
    "RELATIVE_TIME",
    "SECTION_BREAKS",
    "has_related_entries",
    "is_boilerplate",
    "looks_like_aggregator_page",
    "parse_aggregator_page",
]

# "an hour ago", "3 hours ago", "5 min ago", "2d ago", "yesterday", "just now".
RELATIVE_TIME = re.compile(
    r"""
    just\ now | today | yesterday | (?:a\ )?moments?\ ago
    | (?:about\ )? (?:an?|one|a\ few|few|\d+) \s* (?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?
                                      |weeks?|months?|years?|[smhdw]) \s+ ago
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Headings that end the main article: the page furniture between the article and the
# related entries always starts with one of them.
SECTION_BREAKS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"hashtags?",
        r"try our ai features?",
        r"comments?",
        r"no comments yet\W*",
        r"related (?:articles|stories|news)",
    )
)

# Whole-line patterns for page furniture, dropped wherever they occur. Keep this list
# small and specific: every entry is a line an outlet would never print as a paragraph.
BOILERPLATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    *SECTION_BREAKS,
    *(
        re.compile(pattern, re.IGNORECASE)
        for pattern in (
            # Comment widget.
            r"\d+ comments?|be the first to comment\W*|(?:leave|add|write) a comment\W*",
            # Promotion of the aggregator's own AI features.
            r"explore what .{1,60} can do for you\W*",
            # Hashtag lists: "#Economy #Energy, #Oil".
            r"(?:#\w+[\s,;]*)+",
            # Navigation and sharing widgets.
            r"read more\W*|continue reading\W*|read (?:the )?full (?:article|story)\W*",
            r"share(?: this(?: article| story)?| on \w+)?\W*",
            r"follow us(?: on .{1,40})?\W*",
            r"(?:see|view|load|show) more\W*|back to top\W*",
            r"advertisement|sponsored(?: content)?",
            r"subscribe(?: now)?\W*|sign up for our newsletter\W*",
            # Site footer.
            r"©.*",
        )
    ),
)

# Furniture that scraped teasers carry at the END of a text line (the source site's own
# related-links box, share link and view counter): cut from the first marker onwards.
TRAILING_FURNITURE: re.Pattern[str] = re.compile(
    r"\s*(?:\bRelated Topics:|\bShort link\s*:|\bPost Views:\s*\d).*$", re.IGNORECASE
)

# The "- Outlet" line of a related entry header (hyphen, en dash or em dash).
_OUTLET_LINE = re.compile(r"[-\u2013\u2014]\s+(\S.*)")


def is_boilerplate(line: str) -> bool:
    """Whether a whole (stripped) line is aggregator page furniture rather than article text."""
    line = " ".join(line.split())
    if RELATIVE_TIME.fullmatch(line):
        return True
    return any(pattern.fullmatch(line) for pattern in BOILERPLATE_PATTERNS)


def _is_section_break(line: str) -> bool:
    return any(pattern.fullmatch(line) for pattern in SECTION_BREAKS)


@dataclass(frozen=True)
class _Header:
    start: int  # index of the header's first line
    end: int  # index just after the "- Outlet" line
    outlet: str


def _lines(text: str) -> list[str]:
    """Split into stripped lines with internal whitespace collapsed; CR, CRLF and BOM tolerated."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [" ".join(line.split()) for line in text.split("\n")]


def _find_headers(lines: list[str]) -> list[_Header]:
    """Locate related-entry headers: [outlet line] + relative time + "- outlet" (blank lines allowed)."""
    filled = [index for index, line in enumerate(lines) if line]
    headers: list[_Header] = []
    for position, index in enumerate(filled[:-1]):
        if not RELATIVE_TIME.fullmatch(lines[index]):
            continue
        dash_index = filled[position + 1]
        match = _OUTLET_LINE.fullmatch(lines[dash_index])
        if not match:
            continue
        outlet = match.group(1)
        start = index
        previous_end = headers[-1].end if headers else 0
        if position > 0:
            previous = filled[position - 1]
            if previous >= previous_end and lines[previous].casefold() == outlet.casefold():
                start = previous
        headers.append(_Header(start=start, end=dash_index + 1, outlet=outlet))
    return headers


def looks_like_aggregator_page(text: str) -> bool:
    """Whether ``text`` has the aggregator shape described in the module docstring.

    It does if it has a related-entry header, a "Related Articles" line, or at least two
    different page-furniture headings (a page whose related list is empty still has its
    "Hashtags" and "Comments" furniture). A single stray "Comments" line is not enough.
    """
    lines = _lines(text)
    if _find_headers(lines):
        return True
    found = {pattern.pattern for line in lines if line for pattern in SECTION_BREAKS if pattern.fullmatch(line)}
    return SECTION_BREAKS[-1].pattern in found or len(found) >= 2


def has_related_entries(text: str) -> bool:
    """Whether ``text`` lists related entries under aggregator headers ("2 hours ago" / "- Outlet").

    The strict half of :func:`looks_like_aggregator_page`, for text read off a web page: a
    news site's own "Related articles" and "Comments" headings are everywhere, but the
    relative-time-and-outlet header is the aggregator's alone.
    """
    return bool(_find_headers(_lines(text)))


def strip_trailing_furniture(line: str) -> str:
    """Cut a "Related Topics: … Short link : Post Views: 8" tail off a line of article text."""
    return TRAILING_FURNITURE.sub("", line)


def _content(lines: list[str]) -> list[str]:
    kept = (strip_trailing_furniture(line) for line in lines if line and not is_boilerplate(line))
    return [line for line in kept if line]


def parse_aggregator_page(text: str, origin: str, limits: ImportLimits = DEFAULT_LIMITS) -> ParseOutcome:
    """Split an aggregator page into its main article and one article per related entry.

    The main article's origin is ``origin``; related entries are ``"<origin> related #N"``
    (N counts entries from 1, in page order). The main article's outlet is left blank: the
    page does not state it. Relative times ("3 hours ago") are not turned into dates
    because the moment the page was saved is unknown.

    A related entry with a title but no body becomes a :class:`ParseError` rather than
    being skipped, so the import report shows the editor exactly which entry is missing
    and why; nothing is saved for it.
    """
    outcome = ParseOutcome()
    lines = _lines(text)
    headers = _find_headers(lines)
    first_header = headers[0].start if headers else len(lines)
    main_end = next(
        (index for index, line in enumerate(lines[:first_header]) if _is_section_break(line)),
        first_header,
    )

    main = _content(lines[:main_end])
    if not main:
        outcome.notes.append(
            f"{origin}: no main article before the related articles; imported the related articles only."
        )
    elif len(main) == 1:
        outcome.records.append(ParseError(origin, f"main article {main[0]!r} has no body text"))
    else:
        outcome.records.append(build_article(origin=origin, title=main[0], body="\n\n".join(main[1:]), limits=limits))

    stray = _content(lines[main_end:first_header])
    if stray:
        outcome.notes.append(
            f"{origin}: ignored {len(stray)} unrecognised line(s) after the main article: "
            + ", ".join(repr(line[:60]) for line in stray)
        )

    for number, header in enumerate(headers, start=1):
        entry_origin = f"{origin} related #{number}"
        stop = headers[number].start if number < len(headers) else len(lines)
        entry = _content(lines[header.end : stop])
        if not entry:
            outcome.records.append(ParseError(entry_origin, f"related entry from {header.outlet} has no title or body"))
        elif len(entry) == 1:
            outcome.records.append(
                ParseError(
                    entry_origin,
                    f"related article {entry[0]!r} from {header.outlet} has a title but no body text",
                )
            )
        else:
            outcome.records.append(
                build_article(
                    origin=entry_origin,
                    title=entry[0],
                    body="\n\n".join(entry[1:]),
                    outlet=header.outlet,
                    limits=limits,
                )
            )

    outcome.notes.append(
        f"{origin}: aggregator page with {'a' if main else 'no'} main article and {len(headers)} related article(s)."
    )
    return outcome
