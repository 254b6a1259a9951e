"""Claims as W3C Web Annotations (JSON-LD), and importing them back.

Each claim becomes one ``Annotation`` (https://www.w3.org/TR/annotation-model/):

* ``target``: the article (its own URL, else its page here) with a ``TextQuoteSelector``
  (exact/prefix/suffix) and a ``TextPositionSelector`` (code point start/end into the
  canonical body) — the same two selectors Factdesk stores;
* ``body``: ``TextualBody`` items by ``purpose``: ``assessing`` = verdict label,
  ``commenting`` = rationale, ``describing`` = the claim statement, ``identifying`` = the
  claimant; and one ``SpecificResource`` with purpose ``linking`` per source URL.

Credits (from :mod:`annotations.credits`, as in every format): the annotation's ``creator``
is whoever marked the claim (one creator, as the model recommends); the verdict body's
``creator`` is the fact-checkers who researched it (the model allows creators on bodies) and
its ``dcterms:contributor`` the editor who reviewed and published it (the model has no
reviewer role; ``dcterms`` is a prefix of the anno.jsonld context and ``creator`` itself is
``dcterms:creator``). Each published correction is one more ``commenting`` TextualBody,
after the sources, created by the editor who published it, whose text gives the date, what
changed (old → new), the public note and who proposed it. The importer reads the first
``commenting`` body as the rationale, so corrections never replace it on the way back.

The export of one article is an ``AnnotationCollection`` whose first (only) page holds
the annotations; every annotation also carries its own ``@context`` so it stands alone.
:func:`import_annotations` reads that shape (or a page, a list, or a single annotation)
back through the claim services, so an import obeys the same anchoring rules as the browser.
Its work is bounded: equal selectors are looked up once, each quote's search has a time
budget and so has the whole import, and a file made on another article is refused once
instead of failing annotation by annotation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from annotations import services
from annotations.anchoring import Anchor, AnchorError, AnchorTimeout, reanchor
from annotations.credits import CorrectionCredit
from annotations.exports.data import (
    ReportClaim,
    article_public_url,
    article_site_url,
    claim_url,
    http_url,
    person_name,
    report_claims,
    site_url,
)
from annotations.models import Claim, RatingLabel
from articles.language import text_direction
from articles.models import Article
from articles.permissions import article_policy
from factcheck.entry_points import IMPORT, entry_point

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
GENERATOR_NAME = "Factdesk"
#: Refuse absurd uploads early (each annotation is a claim with its own transaction).
MAX_IMPORT_ANNOTATIONS = 5000


def _textual_body(value: str, purpose: str, language: str) -> dict[str, Any]:
    body = {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain", "language": language}
    if text_direction(language) == "rtl":
        body["textDirection"] = "rtl"  # W3C model 3.2.1: only said where it is not the default
    return body


def _agent(user: AbstractBaseUser) -> dict[str, Any]:
    return {"type": "Person", "name": person_name(user), "nickname": user.get_username()}


def _verdict_body(note: ReportClaim, language: str) -> dict[str, Any]:
    """The verdict, credited to the checkers (creator) and the publishing editor (contributor)."""
    body = _textual_body(note.claim.verdict.name, "assessing", language)
    credits = note.credits
    if credits.checked_by:
        body["creator"] = [_agent(user) for user in credits.checked_by]
    if credits.reviewed_by is not None:
        body["dcterms:contributor"] = _agent(credits.reviewed_by)
    return body


def _correction_body(correction: CorrectionCredit, language: str) -> dict[str, Any]:
    body = _textual_body(f"Correction: {correction.summary()}", "commenting", language)
    body["created"] = _utc(correction.date)
    if correction.corrected_by is not None:
        body["creator"] = _agent(correction.corrected_by)
    return body


def annotation_for(article: Article, note: ReportClaim) -> dict[str, Any]:
    """One claim as a W3C Annotation (a plain JSON-ready dict)."""
    claim = note.claim
    language = article.language or "en"
    bodies: list[dict[str, Any]] = []
    if claim.verdict is not None:
        bodies.append(_verdict_body(note, language))
    if claim.rationale:
        bodies.append(_textual_body(claim.rationale, "commenting", language))
    if claim.statement:
        bodies.append(_textual_body(claim.statement, "describing", language))
    if claim.claimant:
        bodies.append(_textual_body(claim.claimant, "identifying", language))
    for source in note.sources:
        url = http_url(source.url)
        if url:
            bodies.append({"type": "SpecificResource", "purpose": "linking", "source": url})
    bodies += [_correction_body(correction, language) for correction in note.corrections]
    annotation: dict[str, Any] = {
        "@context": ANNO_CONTEXT,
        "id": claim_url(claim),  # a published claim: its public page
        "type": "Annotation",
        "motivation": "assessing",
        "created": _utc(claim.created_at),
        "modified": _utc(claim.updated_at),
        "generator": {"id": site_url("/"), "type": "Software", "name": GENERATOR_NAME},
        "target": {
            "source": article_public_url(article),
            # The text the selectors point into is in the article's language (and direction).
            "language": language,
            **({"textDirection": "rtl"} if text_direction(language) == "rtl" else {}),
            "selector": [
                {"type": "TextQuoteSelector", "exact": claim.exact, "prefix": claim.prefix, "suffix": claim.suffix},
                {"type": "TextPositionSelector", "start": claim.start, "end": claim.end},
            ],
        },
    }
    if claim.canonical_iri:
        annotation["canonical"] = claim.canonical_iri
    if claim.via_iri:
        annotation["via"] = claim.via_iri
    if claim.created_by is not None:
        annotation["creator"] = _agent(claim.created_by)
    if bodies:
        annotation["body"] = bodies
    return annotation


def _utc(value: datetime) -> str:
    """An aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` (xsd:dateTime in UTC, as the model recommends)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_web_annotations(article: Article, claims: Iterable[ReportClaim]) -> dict[str, Any]:
    """An ``AnnotationCollection`` with one page holding an Annotation per claim."""
    items = [annotation_for(article, note) for note in claims]
    collection_id = site_url(f"/exports/articles/{article.pk}/w3c/")
    return {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"Fact-checks of “{article.title}”",
        "total": len(items),
        "first": {
            "id": collection_id + "#page1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }


def article_annotations(article: Article, *, published_only: bool) -> dict[str, Any]:
    """The W3C export of one article's claims."""
    return to_web_annotations(article, report_claims(article, published_only=published_only))


# --- Import ------------------------------------------------------------------------

#: Called after each annotation with (annotations done, annotations in all): a job's progress.
ProgressCallback = Callable[[int, int], None]

#: This many annotations in a row that could not be placed (quote not in the text, or not found
#: within the time budget), with none placed before them, mean the file belongs to another
#: article (or cannot be placed at all): the import stops and says so once. Only for files that
#: do not name this article.
WRONG_ARTICLE_STREAK = 10

# Why an annotation was not placed (``ImportedAnnotation.reason``), for reports that group them.
NOT_FOUND = "not_found"
OVER_BUDGET = "over_budget"
NOT_ATTEMPTED = "not_attempted"


@dataclass
class ImportedAnnotation:
    """What happened to one annotation of an import.

    ``reason`` says why one was not placed, when that is one of the import's own limits or
    its quote is missing (:data:`NOT_FOUND`, :data:`OVER_BUDGET`, :data:`NOT_ATTEMPTED`);
    ``message`` says it in words.
    """

    index: int
    status: str  # "created", "skipped", "failed"
    message: str = ""
    claim_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class ImportResult:
    """Per-annotation outcome of :func:`import_annotations`.

    ``notices`` are said once for the whole import (the time budget ran out; most quotes
    are not in this article), above the per-annotation rows.
    """

    rows: list[ImportedAnnotation] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: The import's overall time budget ran out before every annotation was tried.
    budget_exhausted: bool = False

    def _with(self, status: str) -> list[ImportedAnnotation]:
        return [row for row in self.rows if row.status == status]

    @property
    def created(self) -> list[ImportedAnnotation]:
        return self._with("created")

    @property
    def skipped(self) -> list[ImportedAnnotation]:
        return self._with("skipped")

    @property
    def failed(self) -> list[ImportedAnnotation]:
        return self._with("failed")

    @property
    def not_attempted(self) -> list[ImportedAnnotation]:
        return [row for row in self.rows if row.reason == NOT_ATTEMPTED]


class ImportFormatError(ValueError):
    """The uploaded document cannot be imported as a whole (the message says why).

    Not Web Annotation JSON at all, too many annotations, or annotations made on another
    article: said once, and nothing is imported.
    """


class QuoteNotFound(AnchorError):
    """The annotation's quoted passage is not in the article's text."""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(node: dict[str, Any]) -> set[str]:
    return {str(kind) for kind in _as_list(node.get("type") or node.get("@type"))}


def annotations_in(data: Any) -> list[Any]:
    """The annotations in a collection, a page, a list, or a single annotation."""
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise ImportFormatError(_("Expected a JSON object or list of Web Annotations."))
    kinds = _types(data)
    if "AnnotationCollection" in kinds:
        first = data.get("first")
        if isinstance(first, dict):
            return _as_list(first.get("items"))
        return _as_list(data.get("items"))
    if "AnnotationPage" in kinds:
        return _as_list(data.get("items"))
    if "Annotation" in kinds:
        return [data]
    raise ImportFormatError(_("No Annotation, AnnotationPage or AnnotationCollection found (check the \"type\")."))


def _selectors(annotation: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The first TextQuoteSelector and TextPositionSelector among the annotation's targets."""
    quote = position = None
    for target in _as_list(annotation.get("target")):
        if not isinstance(target, dict):
            continue
        for selector in _as_list(target.get("selector")):
            if not isinstance(selector, dict):
                continue
            kinds = _types(selector)
            if quote is None and "TextQuoteSelector" in kinds:
                quote = selector
            if position is None and "TextPositionSelector" in kinds:
                position = selector
    return quote, position


@dataclass(frozen=True)
class Lookup:
    """Everything locating one annotation depends on; equal selectors are looked up once per import."""

    exact: str | None
    prefix: str
    suffix: str
    start: int | None
    end: int | None


def _offset(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def lookup_for(annotation: dict[str, Any]) -> Lookup:
    """The annotation's selectors as a :class:`Lookup` (an unusable position is left out)."""
    quote, position = _selectors(annotation)
    exact = quote.get("exact") if quote else None
    if exact is not None and not isinstance(exact, str):
        raise AnchorError(_("The TextQuoteSelector's exact text must be a string."))
    start = end = None
    if position is not None:
        start, end = _offset(position.get("start")), _offset(position.get("end"))
        if start is None or end is None:
            start = end = None
    prefix = quote.get("prefix") if quote and isinstance(quote.get("prefix"), str) else ""
    suffix = quote.get("suffix") if quote and isinstance(quote.get("suffix"), str) else ""
    return Lookup(exact=exact, prefix=prefix, suffix=suffix, start=start, end=end)


def _position_holds(body: str, lookup: Lookup) -> bool:
    start, end = lookup.start, lookup.end
    if start is None or end is None or not 0 <= start < end <= len(body):
        return False
    return lookup.exact is None or body[start:end] == lookup.exact


def find(body: str, lookup: Lookup, *, deadline: float | None = None) -> tuple[int, int, bool]:
    """Where ``lookup`` lies in ``body`` and whether it had to be searched for.

    The TextPositionSelector wins when it still holds the quote (or there is no quote);
    otherwise the TextQuoteSelector is found again with :func:`annotations.anchoring.reanchor`,
    the same matcher that re-anchors claims after an article edit. Raises
    :class:`QuoteNotFound` when the passage is not there, and
    :class:`~annotations.anchoring.AnchorTimeout` when the search passes ``deadline``.
    """
    if _position_holds(body, lookup):
        assert lookup.start is not None and lookup.end is not None  # for type checkers
        return lookup.start, lookup.end, False
    exact = lookup.exact
    if not exact:
        raise AnchorError(
            _("No TextQuoteSelector to find the passage with, and the TextPositionSelector does not fit.")
        )
    hint = lookup.start if lookup.start is not None else 0
    end = lookup.end if lookup.end is not None else hint
    result = reanchor(body, Anchor(hint, end, exact, lookup.prefix, lookup.suffix), deadline=deadline)
    if result.start is None or result.end is None:
        raise QuoteNotFound(_("The quoted passage “%(quote)s” is not in this article.") % {"quote": exact[:60]})
    return result.start, result.end, True


def locate(body: str, annotation: dict[str, Any], *, deadline: float | None = None) -> tuple[int, int, bool]:
    """Where the annotation's target lies in ``body`` and whether it had to be searched for (see :func:`find`)."""
    return find(body, lookup_for(annotation), deadline=deadline)


def _bodies(annotation: dict[str, Any], purpose: str) -> list[dict[str, Any]]:
    found = []
    for body in _as_list(annotation.get("body")):
        if isinstance(body, dict) and purpose in {str(p) for p in _as_list(body.get("purpose"))}:
            found.append(body)
    return found


def _text_of(annotation: dict[str, Any], purpose: str) -> str:
    for body in _bodies(annotation, purpose):
        value = body.get("value")
        if isinstance(value, str):
            return value
    return ""


def _links_of(annotation: dict[str, Any]) -> list[str]:
    urls: list[str] = []
    for body in _bodies(annotation, "linking"):
        source = body.get("source") or body.get("id")
        if isinstance(source, dict):
            source = source.get("id")
        if isinstance(source, str) and source not in urls:
            urls.append(source)
    return urls


def _printable(text: str) -> str:
    """``text`` with any lone surrogate written as ``\\udXXX``: safe to show and to store."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _lone_surrogate(annotation: Any) -> str | None:
    """The first text in the annotation holding half of a character (a lone surrogate), if any.

    JSON allows ``"\\ud800"`` escapes that decode to a lone surrogate, which neither UTF-8
    nor PostgreSQL can hold: such an annotation fails on its own, before anything is saved.
    The walk uses a stack (a JSON document can nest as deep as the parser allowed).
    """
    stack = [annotation]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if any("\ud800" <= char <= "\udfff" for char in node):
                return node
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _refuse_surrogates(annotation: Any) -> None:
    text = _lone_surrogate(annotation)
    if text is None:
        return
    char = next(char for char in text if "\ud800" <= char <= "\udfff")
    raise ImportFormatError(
        f"The annotation contains an unpaired surrogate \\u{ord(char):04x} (in “{_printable(text[:60])}”): "
        "half of a character such as an emoji, which cannot be stored. Fix the text in the file."
    )


@dataclass
class _Run:
    """What one import needs between annotations: the look-ups done so far and the budgets."""

    body: str
    anchor_budget: float  # seconds per annotation's search
    deadline: float  # monotonic time the whole import must end by
    import_budget: float
    located: dict[Lookup, tuple[int, int, bool] | Exception] = field(default_factory=dict)
    #: Annotations placed in the text so far (whether or not their claim could then be saved).
    found: int = 0

    def find(self, lookup: Lookup) -> tuple[int, int, bool]:
        """:func:`find`, once per distinct look-up; a failure is remembered and raised again."""
        known = self.located.get(lookup)
        if known is None:
            deadline = min(time.monotonic() + self.anchor_budget, self.deadline)
            try:
                known = find(self.body, lookup, deadline=deadline)
            except (AnchorError, AnchorTimeout) as error:
                known = error
            self.located[lookup] = known
        if isinstance(known, Exception):
            raise known.with_traceback(None)  # the same answer again, without the last traceback
        self.found += 1
        return known


def _import_one(
    article: Article,
    annotation: Any,
    user: AbstractBaseUser,
    labels: dict[str, RatingLabel],
    row: ImportedAnnotation,
    run: _Run,
) -> None:
    if not isinstance(annotation, dict) or "Annotation" not in _types(annotation):
        raise ImportFormatError(_("Not an Annotation object."))
    _refuse_surrogates(annotation)
    start, end, searched = run.find(lookup_for(annotation))
    if Claim.objects.filter(article=article, start=start, end=end, exact=article.body[start:end]).exists():
        row.status, row.message = "skipped", f"A claim on “{article.body[start:end][:60]}” already exists."
        return
    claim = services.create_claim(
        article, start, end, None, user=user,
        statement=_text_of(annotation, "describing"), claimant=_text_of(annotation, "identifying")[:300],
    )
    if searched:
        row.warnings.append(f"Anchored by its quote at {start}–{end} (the given position did not match).")
    changes: dict[str, Any] = {}
    verdict_name = _text_of(annotation, "assessing").strip()
    if verdict_name:
        label = labels.get(verdict_name.casefold())
        if label is None:
            row.warnings.append(f"Unknown verdict “{verdict_name[:80]}”: left empty.")
        else:
            changes["verdict"] = label
    rationale = _text_of(annotation, "commenting")
    if rationale:
        changes["rationale"] = rationale
    if changes:
        claim = services.update_claim(claim, user=user, expected_version=claim.version, changes=changes)
    for url in _links_of(annotation):
        services.add_source(claim, user=user, url=url)
    row.status, row.claim_id = "created", claim.pk


# --- the wrong article -------------------------------------------------------------------


def _same_page(url: str) -> str:
    """A page address as compared here: no scheme, "www.", query, fragment or trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" if host else url.strip()


def _target_sources(annotation: dict[str, Any]) -> list[str]:
    """The addresses of the pages an annotation says it was made on."""
    sources: list[str] = []
    for target in _as_list(annotation.get("target")):
        source = target.get("source") if isinstance(target, dict) else target
        if isinstance(source, dict):
            source = source.get("id")
        if isinstance(source, str) and source.strip():
            sources.append(source.strip())
    return sources


def _names_this_article(article: Article, items: list[Any]) -> bool:
    """Whether any annotation says it was made on this article (its own address or its page here)."""
    own = (article.url, article_public_url(article), article_site_url(article))
    addresses = {_same_page(url) for url in own if url}
    return any(
        _same_page(source) in addresses
        for annotation in items
        if isinstance(annotation, dict)
        for source in _target_sources(annotation)
    )


def _another_page(article: Article, items: list[Any]) -> str | None:
    """Why a file that does not name this article was made on another page, when it plainly was.

    Plainly means: the annotations name the pages they were made on, and not one of their
    quoted passages is in this article's text. A verbatim look costs microseconds, so this
    is checked before any search.
    """
    body = article.body
    targets: dict[str, None] = {}
    quotes = 0
    for annotation in items:
        if not isinstance(annotation, dict):
            continue
        targets.update(dict.fromkeys(_target_sources(annotation)))
        try:
            lookup = lookup_for(annotation)
        except AnchorError:
            continue
        if _position_holds(body, lookup) or (lookup.exact and lookup.exact in body):
            return None
        quotes += bool(lookup.exact)
    if not targets or not quotes:
        return None
    pages = list(targets)
    shown = f"“{_printable(pages[0][:120])}”"
    if len(pages) > 1:
        shown += f" and {len(pages) - 1:,} other page{'s' if len(pages) > 2 else ''}"
    missing = "its quoted passage is not" if quotes == 1 else f"none of their {quotes:,} quoted passages is"
    return (
        f"These annotations were made on another page ({shown}), and {missing} in this article's text. "
        "Nothing was imported: open the article they belong to and import them there."
    )


def _not_placed_anywhere(tried: int, not_found: int, over_budget: int, example: str, budget_ms: float) -> str:
    """The one message for a file none of whose annotations could be placed (nothing was imported)."""
    reasons: list[str] = []
    if not_found == tried:
        reasons.append("not one of their quoted passages is in its text")
    elif not_found:
        reasons.append(f"{not_found:,} of their quoted passages are not in its text")
    if over_budget:
        reasons.append(f"{over_budget:,} could not be found within the time budget ({budget_ms:,.0f} ms each)")
    shown = f" (for example “{_printable(example[:60])}”)" if example else ""
    likely = " They seem to belong to another article." if not_found * 2 >= tried else ""
    return (
        f"None of the {tried:,} annotations tried could be placed on this article: {' and '.join(reasons)}{shown}."
        f"{likely} Nothing was imported: check that this is the article they were made on."
    )


# --- the import ----------------------------------------------------------------------------


def _over_budget_message(run: _Run, lookup_exact: str) -> str:
    if time.monotonic() > run.deadline:
        return (
            f"Could not be placed within the time budget: the import's {run.import_budget:g} s ran out while "
            f"its quote “{_printable(lookup_exact[:60])}” was being searched for. Nothing was saved for it."
        )
    return (
        f"Could not be placed within the time budget ({run.anchor_budget * 1000:,.0f} ms per annotation): "
        f"its quote “{_printable(lookup_exact[:60])}” is not at the given position and the search for it "
        "was stopped. Nothing was saved for it."
    )


def import_annotations(
    article: Article,
    data: Any,
    user: AbstractBaseUser,
    *,
    progress: ProgressCallback | None = None,
    anchor_budget_ms: float | None = None,
    import_budget_s: float | None = None,
) -> ImportResult:
    """Create claims on ``article`` from W3C Web Annotations (parsed JSON).

    Each annotation is imported in its own transaction, so a bad one is reported with its
    reason and leaves nothing behind, while the good ones are kept. A claim already on the
    article at the same offsets with the same quote is skipped (re-importing an export is
    harmless). Verdicts are matched to the rating scale by name; sources go through
    ``services.add_source`` (http/https URLs only). Only editors import (the article rule
    "import_annotations"), whichever door the import comes through.

    The work is bounded. Equal selectors are looked up once. Each annotation's search for
    its quote gets ``anchor_budget_ms`` (``FACTDESK_W3C_ANCHOR_BUDGET_MS``) and the whole
    import ``import_budget_s`` (``FACTDESK_W3C_IMPORT_BUDGET_S``): an annotation whose
    search runs out is reported as not placed within the time budget, and when the whole
    budget runs out the rest are reported as not attempted and ``result.budget_exhausted``
    (with a notice) says so; what was placed is kept either way.

    A file made on another article is refused once, with :class:`ImportFormatError`,
    rather than failing annotation by annotation: when the annotations name other pages
    and none of their quotes is in this article's text, or when none of the first
    :data:`WRONG_ARTICLE_STREAK` tried (or of all of them) can be found. ``progress`` is
    called with (annotations done, annotations in all) after each one.
    """
    article_policy.require(user, "import_annotations")
    items = annotations_in(data)
    if len(items) > MAX_IMPORT_ANNOTATIONS:
        raise ImportFormatError(
            f"Too many annotations ({len(items)}); import at most {MAX_IMPORT_ANNOTATIONS} at once."
        )
    if anchor_budget_ms is None:
        anchor_budget_ms = settings.FACTDESK_W3C_ANCHOR_BUDGET_MS
    if import_budget_s is None:
        import_budget_s = settings.FACTDESK_W3C_IMPORT_BUDGET_S
    # Annotations that name this article belong here whatever their quotes find; others that
    # plainly belong elsewhere are refused once, before any search.
    may_be_elsewhere = not _names_this_article(article, items)
    wrong_page = _another_page(article, items) if may_be_elsewhere else None
    if wrong_page:
        raise ImportFormatError(wrong_page)
    run = _Run(
        body=article.body,
        anchor_budget=anchor_budget_ms / 1000,
        deadline=time.monotonic() + import_budget_s,
        import_budget=import_budget_s,
    )
    labels = {label.name.casefold(): label for label in RatingLabel.objects.all()}
    result = ImportResult()
    total = len(items)
    not_found = over_budget = streak = 0
    example = ""
    for index, annotation in enumerate(items, start=1):
        if time.monotonic() > run.deadline:
            _give_up(result, range(index, total + 1), run, total)
            if progress is not None:
                progress(total, total)
            break
        row = ImportedAnnotation(index=index, status="failed")
        found_before = run.found
        try:
            with transaction.atomic(), entry_point(IMPORT):
                _import_one(article, annotation, user, labels, row, run)
        except PermissionDenied:
            raise
        except QuoteNotFound as error:
            row.message, row.reason = str(error), NOT_FOUND
            not_found += 1
            example = example or str(lookup_for(annotation).exact)
        except AnchorTimeout:
            row.message, row.reason = _over_budget_message(run, lookup_for(annotation).exact or ""), OVER_BUDGET
            over_budget += 1
            example = example or str(lookup_for(annotation).exact)
        except (AnchorError, ImportFormatError) as error:
            row.message = str(error)
        except ValidationError as error:
            row.message = "; ".join(error.messages)
        result.rows.append(row)
        if run.found > found_before:
            streak = 0
        elif row.reason in (NOT_FOUND, OVER_BUDGET):
            streak += 1
        if may_be_elsewhere and run.found == 0 and streak >= WRONG_ARTICLE_STREAK:
            raise ImportFormatError(
                _not_placed_anywhere(index, not_found, over_budget, example, run.anchor_budget * 1000)
            )
        if progress is not None:
            progress(index, total)
    tried = len(result.rows) - len(result.not_attempted)
    unplaced = not_found + over_budget
    if may_be_elsewhere and run.found == 0 and unplaced >= 2 and 2 * unplaced >= tried:
        raise ImportFormatError(_not_placed_anywhere(tried, not_found, over_budget, example, run.anchor_budget * 1000))
    if not_found >= 3 and 2 * not_found > tried:
        result.notices.insert(
            0,
            f"{not_found:,} of {tried:,} annotations quote passages that are not in this article's text: "
            "were they made on another article?",
        )
    return result


def _give_up(result: ImportResult, indexes: range, run: _Run, total: int) -> None:
    """The import's time budget ran out: the annotations from here on are reported as not attempted."""
    for index in indexes:
        result.rows.append(
            ImportedAnnotation(
                index=index,
                status="failed",
                message=f"Not attempted: the import's time budget ({run.import_budget:g} s) ran out.",
                reason=NOT_ATTEMPTED,
            )
        )
    result.budget_exhausted = True
    result.notices.append(
        f"The import stopped when its time budget of {run.import_budget:g} s ran out: {len(indexes):,} of "
        f"{total:,} annotations were not attempted. What was placed is kept; import the same file again to "
        "place the rest (claims already placed are skipped)."
    )
