"""The report as Markdown, for pasting into a CMS: claims become footnotes.

The article text keeps its paragraphs and gets a ``[^n]`` marker after each claim's last
character (overlapping claims get all their markers); the notes follow as footnotes.
User text is untrusted and a CMS will render whatever Markdown and HTML it finds, so
every piece of user text goes through :func:`escape_markdown` (HTML special characters
become entities, Markdown punctuation is backslash-escaped) and links are only emitted
for http(s) URLs, through :func:`markdown_link`.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from annotations.exports.data import ReportClaim, http_url, report_claims
from annotations.exports.html import report_spans
from annotations.highlight import highlight
from articles.models import Article

#: Markdown punctuation that can start or end inline syntax anywhere in a line.
_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~^$])")
#: What starts a block at the beginning of a line (lists, headings underlines, quotes).
_LINE_START_SPECIAL = re.compile(r"^([ \t]*)(?:(\d+)([.)])|([-=:]))")
_INDENT = "    "


def escape_markdown(text: str, *, at_line_start: bool = True) -> str:
    """Make ``text`` render as itself in CommonMark/GFM, never as markup or raw HTML.

    ``at_line_start`` says whether ``text`` begins a line (only then can ``-``, ``=`` or
    ``1.`` start a list or heading). Newlines are kept; callers decide how to break lines.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    lines = text.split("\n")
    escaped: list[str] = []
    for index, line in enumerate(lines):
        if index > 0 or at_line_start:
            # Leading blanks would make an indented code block; they carry no meaning in a report.
            line = line.lstrip(" \t")
            line = _LINE_START_SPECIAL.sub(_escape_block_start, line, count=1)
        escaped.append(line)
    return "\n".join(escaped)


def _escape_block_start(match: re.Match[str]) -> str:
    blanks, digits, delimiter, symbol = match.groups()
    if digits is not None:
        return f"{blanks}{digits}\\{delimiter}"
    return f"{blanks}\\{symbol}"


def escape_inline(text: str) -> str:
    """Escape text that sits inside a line (a label, a field value): newlines become spaces."""
    return escape_markdown(" ".join(text.split()), at_line_start=True)


def markdown_url(url: str | None) -> str | None:
    """An http(s) URL safe inside ``(...)`` of a Markdown link, or None for anything else."""
    url = http_url(url)
    if url is None:
        return None
    for char, code in (("\\", "%5C"), (" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"),
                       ("\n", ""), ("\r", ""), ('"', "%22")):
        url = url.replace(char, code)
    return url


def markdown_link(label: str, url: str | None) -> str:
    """``[label](url)`` for http(s) URLs; just the escaped label otherwise."""
    safe_url = markdown_url(url)
    label_text = escape_inline(label) or escape_inline(url or "")
    return f"[{label_text}]({safe_url})" if safe_url else label_text


def _body_markdown(article: Article, notes: list[ReportClaim]) -> list[str]:
    blocks: list[str] = []
    for paragraph in highlight(article.body, report_spans(notes)):
        pieces: list[str] = []
        line_start = True
        for segment in paragraph.segments:
            pieces.append(escape_markdown(segment.text, at_line_start=line_start))
            pieces.extend(f"[^{number}]" for number in sorted(span.number for span in segment.ending))
            line_start = segment.text.endswith("\n")
        # A backslash before a newline is CommonMark's hard line break (keeps poems and lists).
        blocks.append("".join(pieces).replace("\n", "\\\n"))
    return blocks


def _indented(text: str) -> str:
    """User text as indented footnote continuation: paragraphs kept, single newlines hard breaks."""
    paragraphs = [chunk for chunk in re.split(r"\n\s*\n", text.strip()) if chunk.strip()]
    return "\n\n".join(_INDENT + escape_markdown(chunk).replace("\n", "\\\n" + _INDENT) for chunk in paragraphs)


def _footnote(note: ReportClaim, *, published_only: bool) -> str:
    claim = note.claim
    verdict = escape_inline(claim.verdict.name) if claim.verdict else _("No verdict yet")
    lines = [
        f"[^{note.number}]: **#{note.number} · {verdict}** — {escape_inline(claim.statement or claim.exact)}", "",
    ]
    facts = [_("Quote: “%(quote)s”") % {"quote": escape_inline(claim.exact)}]
    if not note.highlighted:
        facts.append(_("This passage is no longer in the current text of the article."))
    facts.append(_("Claimant: %(claimant)s") % {"claimant": escape_inline(claim.claimant) or "—"})
    facts.append(_("Status: %(status)s") % {"status": claim.get_status_display()})
    if note.checked_by:
        facts.append(_("Checked by: %(people)s") % {"people": escape_inline(note.checked_by)})
    if note.reviewed_by:
        facts.append(_("Reviewed by: %(people)s") % {"people": escape_inline(note.reviewed_by)})
    if note.corrected_by:
        facts.append(_("Corrected by: %(people)s") % {"people": escape_inline(note.corrected_by)})
    if not published_only and note.assignee:
        facts.append(_("Assigned to: %(person)s") % {"person": escape_inline(note.assignee)})
    # Dates stay ISO (YYYY-MM-DD): unambiguous in every language, and what a CMS parses.
    dates = [_("added %(date)s") % {"date": f"{claim.created_at:%Y-%m-%d}"}]
    if claim.published_at:
        dates.append(_("published %(date)s") % {"date": f"{claim.published_at:%Y-%m-%d}"})
    dates.append(_("updated %(date)s") % {"date": f"{claim.updated_at:%Y-%m-%d}"})
    facts.append(_("Dates: %(dates)s") % {"dates": ", ".join(dates)})
    lines.append(_INDENT + ("\\\n" + _INDENT).join(facts))
    if claim.rationale.strip():
        lines += ["", _INDENT + "**" + _("Rationale") + "**", "", _indented(claim.rationale)]
    if note.sources:
        lines += ["", _INDENT + "**" + _("Sources") + "**", ""]
        for link in note.source_links:
            item = markdown_link(link.label, link.url)
            if link.source.publisher:
                item += f" — {escape_inline(link.source.publisher)}"
            item += f" ({link.source.get_stance_display()})"
            if link.archive_url:
                item += f", {markdown_link(_('archived copy'), link.archive_url)}"
            if link.source.excerpt.strip():
                item += f": “{escape_inline(link.source.excerpt)}”"
            lines.append(f"{_INDENT}- {item}")
    if note.corrections:
        lines += ["", _INDENT + "**" + _("Corrections") + "**", ""]
        for correction in note.corrections:
            item = f"{correction.date:%Y-%m-%d}"
            if correction.note:
                item += f": {escape_inline(correction.note)}"
            lines.append(f"{_INDENT}- {item}\\")
            lines += [f"{_INDENT}  {escape_inline(str(change))}\\" for change in correction.changes]
            lines.append(f"{_INDENT}  *{escape_inline(correction.people)}.*")
    if note.linked_articles:
        titles = ", ".join(markdown_link(other.title, other.url) for other in note.linked_articles)
        lines += ["", _INDENT + _("Also appeared in: %(titles)s") % {"titles": titles}]
    if note.public_url:
        lines += ["", _INDENT + _("Fact-check: %(link)s") % {"link": markdown_link(note.public_url, note.public_url)}]
    return "\n".join(lines)


def render_report_markdown(
    article: Article, *, published_only: bool, notes: list[ReportClaim] | None = None
) -> str:
    """The report for ``article`` as Markdown (CommonMark + footnotes, as GFM renders them)."""
    if notes is None:
        notes = report_claims(article, published_only=published_only)
    blocks = [f"# {escape_inline(article.title)}"]
    meta = [escape_inline(part) for part in (article.outlet, article.byline) if part]
    if article.published_on:
        meta.append(article.published_on.isoformat())
    if meta:
        blocks.append("*" + " · ".join(meta) + "*")
    if http_url(article.url):
        blocks.append(_("Original: %(link)s") % {"link": markdown_link(article.url, article.url)})
    version = _("Published fact-checks") if published_only else _("Internal version — includes unpublished claims")
    organisation = escape_inline(settings.FACTDESK_ORGANIZATION_NAME)
    claims = ngettext("%(count)s claim", "%(count)s claims", len(notes)) % {"count": f"{len(notes):,}"}
    blocks.append(
        _("%(organisation)s fact-check report. %(version)s. %(claims)s.")
        % {"organisation": organisation, "version": version, "claims": claims}
    )
    blocks.append(
        _(
            "Two-person rule: every verdict is checked by the fact-checkers named under “Checked by” and published "
            "by a different editor (“Reviewed by”); every correction is published by an editor who did not propose it."
        )
    )
    blocks += _body_markdown(article, notes)
    orphans = [note for note in notes if not note.highlighted]
    if orphans:
        blocks.append(
            _("Claims no longer found in the text: %(claims)s")
            % {"claims": " ".join(f"[^{note.number}]" for note in orphans)}
        )
    if notes:
        blocks.append("---")
        blocks += [_footnote(note, published_only=published_only) for note in notes]
    return "\n\n".join(blocks) + "\n"
