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

The label of a related entry is usually the outlet, but aggregators also label entries with
the section they were filed under ("Opinion", "World", "Science & Technology"). A label made
only of newsroom section words (:data:`SECTION_WORDS`), or one that is page furniture, is
taken as a section and the outlet is left blank for the editor; so is a label that does not
look like a publication's name (a sentence, a lower-case word). A label shaped like a domain
("example.com") or a name with any other word ("Arab News", "The Ellis Gazette") is the
outlet (:func:`outlet_from_label`).

Page furniture is recognised by the small, fixed set of whole-line patterns in
:data:`BOILERPLATE_PATTERNS` (plus :data:`RELATIVE_TIME`); matching lines are dropped wherever
they appear, so they never end up inside an article body. A pattern only ever matches a
*whole* line, which is what keeps it from eating real sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.importing.formats import DEFAULT_LIMITS, ImportLimits, ParseError, ParseOutcome, build_article

__all__ = [
    "BOILERPLATE_PATTERNS",
    "RELATIVE_TIME",
    "SECTION_BREAKS",
    "SECTION_WORDS",
    "has_related_entries",
    "is_boilerplate",
    "looks_like_aggregator_page",
    "outlet_from_label",
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

#: Words newsrooms name their sections with. A label made only of these (joined by "and",
#: "&", "the", "news" ...) is the section an entry was filed under, never a publication.
SECTION_WORDS = frozenset(
    {
        "leaders", "leader", "opinion", "opinions", "comment", "commentary", "analysis", "editorial", "editorials",
        "columns", "columnists", "letters", "features", "feature", "world", "national", "international", "local",
        "regional", "domestic", "foreign", "politics", "business", "economy", "economics", "finance", "markets",
        "money", "companies", "industry", "trade", "jobs", "technology", "tech", "science", "health", "environment",
        "climate", "energy", "education", "society", "culture", "arts", "entertainment", "lifestyle", "life",
        "style", "living", "travel", "food", "fashion", "books", "film", "films", "movies", "music", "tv",
        "television", "media", "sport", "sports", "football", "soccer", "cricket", "tennis", "golf", "rugby",
        "motorsport", "briefing", "briefings", "headlines", "stories", "latest", "breaking", "live", "updates",
        "weekend", "video", "videos", "podcast", "podcasts", "photos", "pictures", "gallery", "weather",
        "obituaries", "religion", "faith", "law", "justice", "crime", "security", "defence", "defense", "military",
        "property", "homes", "motoring", "cars", "autos", "games", "gaming", "innovation", "research", "middle",
        "east", "west", "north", "south", "africa", "asia", "europe", "americas", "america", "pacific", "region",
        "regions", "us", "uk", "eu", "news",
    }
)
#: Words that join section words in a label ("Science & Technology", "World News").
_LABEL_GLUE = frozenset({"and", "the", "of", "news", "top", "more", "in", "a", "&"})
#: An outlet named by its address: "example.com", "news.example.co.uk".
_DOMAIN = re.compile(r"(?:www\.)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?:/\S*)?", re.IGNORECASE)
#: A publication's name is short; a longer label is a headline or furniture.
MAX_OUTLET_WORDS = 6


def outlet_from_label(label: str) -> tuple[str, str]:
    """``(outlet, why_not)`` for a related entry's label: the outlet, or "" and the reason.

    See the module docstring: a domain or a name is an outlet; section words, page
    furniture, and anything that does not look like a publication's name leave the outlet
    blank (the editor fills it in) with a reason for the import notes.
    """
    label = " ".join(label.split())
    if not label:
        return "", _("the entry names no outlet")
    if _DOMAIN.fullmatch(label):
        return label, ""
    if is_boilerplate(label):
        return "", _("it is page furniture, not an outlet")
    words = re.findall(r"[^\W\d_]+|&", label.casefold())
    if words and all(word in SECTION_WORDS or word in _LABEL_GLUE for word in words) and any(
        word in SECTION_WORDS for word in words
    ):
        return "", _("it looks like a section label, not an outlet")
    if (
        not words
        or len(label.split()) > MAX_OUTLET_WORDS
        or re.search(r"[!?:;]\s|[.!?]$", label)
        or label == label.lower()
    ):
        return "", _("it does not look like an outlet's name")
    return label, ""


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
            _("%(origin)s: no main article before the related articles; imported the related articles only.")
            % {"origin": origin}
        )
    elif len(main) == 1:
        message = _("main article %(title)s has no body text") % {"title": repr(main[0])}
        outcome.records.append(ParseError(origin, message))
    else:
        outcome.records.append(build_article(origin=origin, title=main[0], body="\n\n".join(main[1:]), limits=limits))

    stray = _content(lines[main_end:first_header])
    if stray:
        outcome.notes.append(
            ngettext(
                "%(origin)s: ignored %(count)s unrecognised line after the main article: %(lines)s",
                "%(origin)s: ignored %(count)s unrecognised lines after the main article: %(lines)s",
                len(stray),
            )
            % {"origin": origin, "count": f"{len(stray):,}", "lines": ", ".join(repr(line[:60]) for line in stray)}
        )

    for number, header in enumerate(headers, start=1):
        entry_origin = f"{origin} related #{number}"
        stop = headers[number].start if number < len(headers) else len(lines)
        entry = _content(lines[header.end : stop])
        if not entry:
            message = _("related entry from %(outlet)s has no title or body") % {"outlet": header.outlet}
            outcome.records.append(ParseError(entry_origin, message))
        elif len(entry) == 1:
            outcome.records.append(
                ParseError(
                    entry_origin,
                    _("related article %(title)s from %(outlet)s has a title but no body text")
                    % {"title": repr(entry[0]), "outlet": header.outlet},
                )
            )
        else:
            outlet, why_not = outlet_from_label(header.outlet)
            if why_not:
                outcome.notes.append(
                    _("%(origin)s: left the outlet blank for the editor: the entry is labelled %(label)s and %(why)s.")
                    % {"origin": entry_origin, "label": repr(header.outlet), "why": why_not}
                )
            outcome.records.append(
                build_article(
                    origin=entry_origin,
                    title=entry[0],
                    body="\n\n".join(entry[1:]),
                    outlet=outlet,
                    limits=limits,
                )
            )

    outcome.notes.append(
        (
            ngettext(
                "%(origin)s: aggregator page with a main article and %(count)s related article.",
                "%(origin)s: aggregator page with a main article and %(count)s related articles.",
                len(headers),
            )
            if main
            else ngettext(
                "%(origin)s: aggregator page with no main article and %(count)s related article.",
                "%(origin)s: aggregator page with no main article and %(count)s related articles.",
                len(headers),
            )
        )
        % {"origin": origin, "count": f"{len(headers):,}"}
    )
    return outcome
