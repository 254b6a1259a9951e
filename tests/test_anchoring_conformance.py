"""Re-anchor real Hypothesis annotations with annotations.anchoring.

The fixtures (HTML pages and the annotations Hypothesis stored for them) live outside
the project in ``../shared/conformance/anchoring/hypothesis`` and are only read here.
Hypothesis records TextPositionSelector offsets over the DOM ``textContent`` of the page
body; selectolax's lexbor ``body.text(separator="")`` is the closest server-side
equivalent, so most recorded positions line up exactly and the quote+context anchoring
has to repair the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotations.anchoring import Anchor, reanchor

CONFORMANCE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance"
FIXTURES = CONFORMANCE / "anchoring" / "hypothesis"

pytestmark = pytest.mark.skipif(
    not FIXTURES.is_dir(),
    reason=f"Hypothesis anchoring conformance fixtures not found at {FIXTURES}",
)


@dataclass(frozen=True)
class RecordedAnnotation:
    page: str
    id: str
    anchor: Anchor


def page_text(html: str) -> str:
    """Approximate the browser's ``document.body.textContent``."""
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(html).body
    assert body is not None
    return body.text(separator="")


def recorded_annotations() -> list[RecordedAnnotation]:
    if not FIXTURES.is_dir():
        return []
    annotations = []
    for json_path in sorted(FIXTURES.glob("*.json")):
        for row in json.loads(json_path.read_text(encoding="utf-8"))["rows"]:
            for target in row["target"]:
                selectors = {selector["type"]: selector for selector in target.get("selector", [])}
                position = selectors.get("TextPositionSelector")
                quote = selectors.get("TextQuoteSelector")
                if not position or not quote:
                    continue
                anchor = Anchor(
                    start=position["start"],
                    end=position["end"],
                    exact=quote["exact"],
                    prefix=quote.get("prefix", ""),
                    suffix=quote.get("suffix", ""),
                )
                annotations.append(RecordedAnnotation(json_path.stem, row["id"], anchor))
    return annotations


ANNOTATIONS = recorded_annotations()


def load_page(page: str) -> str:
    return page_text((FIXTURES / f"{page}.html").read_text(encoding="utf-8"))


def normalise_whitespace(text: str) -> str:
    return " ".join(text.split())


def test_fixtures_contain_annotations_with_both_selectors():
    assert ANNOTATIONS, f"no annotation with TextPositionSelector and TextQuoteSelector in {FIXTURES}"


@pytest.mark.parametrize("annotation", ANNOTATIONS, ids=lambda a: f"{a.page}:{a.id}:{a.anchor.start}")
def test_hypothesis_annotation_anchors_to_its_quote(annotation):
    body = load_page(annotation.page)

    result = reanchor(body, annotation.anchor)

    assert result.state in ("anchored", "moved"), f"{annotation.anchor.exact!r} was orphaned"
    assert result.start is not None and result.end is not None
    found = body[result.start : result.end]
    assert found == result.exact
    assert normalise_whitespace(found) == normalise_whitespace(annotation.anchor.exact)


def test_recorded_positions_that_line_up_are_kept(record_property):
    at_recorded_position = 0
    lined_up = 0
    for annotation in ANNOTATIONS:
        body = load_page(annotation.page)
        anchor = annotation.anchor
        result = reanchor(body, anchor)
        if body[anchor.start : anchor.end] == anchor.exact:
            lined_up += 1
            # Where our text extraction agrees with the browser, the position must win.
            assert (result.state, result.start, result.end) == ("anchored", anchor.start, anchor.end)
        if (result.start, result.end) == (anchor.start, anchor.end):
            at_recorded_position += 1

    summary = f"{at_recorded_position}/{len(ANNOTATIONS)} Hypothesis annotations anchored at their recorded position"
    record_property("anchored_at_recorded_position", summary)
    print(summary)
    assert at_recorded_position == lined_up
    assert lined_up > 0, "no recorded position lines up with the extracted text; check page_text()"
