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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from annotations import services
from annotations.anchoring import Anchor, AnchorError, reanchor
from annotations.credits import CorrectionCredit
from annotations.exports.data import (
    ReportClaim,
    article_public_url,
    claim_site_url,
    http_url,
    person_name,
    report_claims,
    site_url,
)
from annotations.models import Claim, RatingLabel
from articles.models import Article
from articles.permissions import article_policy
from factcheck.entry_points import IMPORT, entry_point

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
GENERATOR_NAME = "Factdesk"
#: Refuse absurd uploads early (each annotation is a claim with its own transaction).
MAX_IMPORT_ANNOTATIONS = 5000


def _textual_body(value: str, purpose: str, language: str) -> dict[str, Any]:
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain", "language": language}


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
        "id": claim_site_url(claim.pk),
        "type": "Annotation",
        "motivation": "assessing",
        "created": _utc(claim.created_at),
        "modified": _utc(claim.updated_at),
        "generator": {"id": site_url("/"), "type": "Software", "name": GENERATOR_NAME},
        "target": {
            "source": article_public_url(article),
            "selector": [
                {"type": "TextQuoteSelector", "exact": claim.exact, "prefix": claim.prefix, "suffix": claim.suffix},
                {"type": "TextPositionSelector", "start": claim.start, "end": claim.end},
            ],
        },
    }
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


@dataclass
class ImportedAnnotation:
    """What happened to one annotation of an import."""

    index: int
    status: str  # "created", "skipped", "failed"
    message: str = ""
    claim_id: int | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """Per-annotation outcome of :func:`import_annotations`."""

    rows: list[ImportedAnnotation] = field(default_factory=list)

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


class ImportFormatError(ValueError):
    """The uploaded document is not Web Annotation JSON at all (the message says why)."""


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
        raise ImportFormatError("Expected a JSON object or list of Web Annotations.")
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
    raise ImportFormatError("No Annotation, AnnotationPage or AnnotationCollection found (check the \"type\").")


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


def locate(body: str, annotation: dict[str, Any]) -> tuple[int, int, bool]:
    """Where the annotation's target lies in ``body`` and whether it had to be searched for.

    The TextPositionSelector wins when it still holds the quote (or there is no quote);
    otherwise the TextQuoteSelector is found again with :func:`annotations.anchoring.reanchor`,
    the same matcher that re-anchors claims after an article edit.
    """
    quote, position = _selectors(annotation)
    exact = quote.get("exact") if quote else None
    if exact is not None and not isinstance(exact, str):
        raise AnchorError("The TextQuoteSelector's exact text must be a string.")
    start = end = None
    if position is not None:
        start, end = position.get("start"), position.get("end")
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
            start = end = None
    fits = start is not None and end is not None and 0 <= start < end <= len(body)
    if fits and (exact is None or body[start:end] == exact):
        return start, end, False
    if not exact:
        raise AnchorError("No TextQuoteSelector to find the passage with, and the TextPositionSelector does not fit.")
    prefix = quote.get("prefix") if isinstance(quote.get("prefix"), str) else ""
    suffix = quote.get("suffix") if isinstance(quote.get("suffix"), str) else ""
    hint = start if isinstance(start, int) else 0
    result = reanchor(body, Anchor(hint, (end if isinstance(end, int) else hint), exact, prefix, suffix))
    if result.start is None or result.end is None:
        raise AnchorError(f"The quoted passage “{exact[:60]}” is not in this article.")
    return result.start, result.end, True


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


def _import_one(
    article: Article, annotation: Any, user: AbstractBaseUser, labels: dict[str, RatingLabel], row: ImportedAnnotation,
) -> None:
    if not isinstance(annotation, dict) or "Annotation" not in _types(annotation):
        raise ImportFormatError("Not an Annotation object.")
    start, end, searched = locate(article.body, annotation)
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


def import_annotations(article: Article, data: Any, user: AbstractBaseUser) -> ImportResult:
    """Create claims on ``article`` from W3C Web Annotations (parsed JSON).

    Each annotation is imported in its own transaction, so a bad one is reported with its
    reason and leaves nothing behind, while the good ones are kept. A claim already on the
    article at the same offsets with the same quote is skipped (re-importing an export is
    harmless). Verdicts are matched to the rating scale by name; sources go through
    ``services.add_source`` (http/https URLs only). Only editors import (the article rule
    "import_annotations"), whichever door the import comes through.
    """
    article_policy.require(user, "import_annotations")
    items = annotations_in(data)
    if len(items) > MAX_IMPORT_ANNOTATIONS:
        raise ImportFormatError(
            f"Too many annotations ({len(items)}); import at most {MAX_IMPORT_ANNOTATIONS} at once."
        )
    labels = {label.name.casefold(): label for label in RatingLabel.objects.all()}
    result = ImportResult()
    for index, annotation in enumerate(items, start=1):
        row = ImportedAnnotation(index=index, status="failed")
        try:
            with transaction.atomic(), entry_point(IMPORT):
                _import_one(article, annotation, user, labels, row)
        except PermissionDenied:
            raise
        except (AnchorError, ImportFormatError) as error:
            row.status, row.message = "failed", str(error)
        except ValidationError as error:
            row.status, row.message = "failed", "; ".join(error.messages)
        result.rows.append(row)
    return result
