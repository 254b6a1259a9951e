"""Exported annotations against the W3C Web Annotation Data Model test suite (JSON Schema).

The suite lives outside the project in ``../shared/conformance/w3c-web-annotation``: every
assertion with ``"assertionType": "must"`` has to give its ``expectedResult``; the optional
("should"/"may") ones we implement are checked too, so a regression is noticed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations.exports.w3c import article_annotations
from tests.exports_helpers import checked_article

SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "w3c-web-annotation"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (SUITE / "annotations").is_dir(),
        reason=f"W3C Web Annotation test suite not found at {SUITE} (shared conformance material is absent)",
    ),
]

#: Optional assertions Factdesk's export implements (kept in sync with the export; see the report).
IMPLEMENTED_OPTIONALS = {
    # should
    "3.1-bodyKeyFound.json",
    "3.3.1-annotationCreatedImplemented.json",
    "3.3.1-annotationSingleCreatorImplemented.json",
    "3.3.1-singleAnnotationCreatorImplemented.json",
    "3.3.2-annotationCreatorAgentNicknameImplemented.json",
    "3.3.2-annotationCreatorAgentSingleNameImplemented.json",
    "3.3.2-annotationCreatorAgentTypeImplemented.json",
    "3.3.2-annotationGeneratorAgentIdImplemented.json",
    "3.3.2-annotationGeneratorAgentSingleNameImplemented.json",
    "3.3.2-annotationGeneratorAgentTypeImplemented.json",
    "3.3.5-annotationSingleMotivationImplemented.json",
    "3.2.1-bodySingleFormat.json",
    "3.2.1-bodySingleLanguage.json",
    "3.2.4-bodyETBTypeTextualBody.json",
    "4.2.4-prefix.json",
    "4.2.4-suffix.json",
    # may
    "3.3.1-annotationCreatorImplemented.json",
    "3.3.1-annotationGeneratorImplemented.json",
    "3.3.1-annotationModifiedImplemented.json",
    "3.3.2-annotationCreatorAgentNameImplemented.json",
    "3.3.2-annotationGeneratorAgentNameImplemented.json",
    "3.3.5-annotationMotivationImplemented.json",
    "3.2.1-bodyFormat.json",
    "3.2.1-bodyLanguage.json",
    "3.2.4-bodyETB.json",
    "3.3.5-bodyPurpose.json",
    "4-targSpecificResource.json",
    "4.2-selectorFound.json",
    "4.2.4-textQuoteSelector.json",
    "4.2.5-textPositionSelector.json",
}
#: Holds for annotations whose claim has sources (a SpecificResource body per source URL).
WITH_SOURCES = "4-bodySpecificResource.json"


def _assertion_files() -> list[Path]:
    return sorted((SUITE / "annotations").rglob("*.json")) if SUITE.is_dir() else []


def _validator_factory():
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    resources = []
    for path in sorted((SUITE / "definitions").glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["id"], Resource.from_contents(schema, default_specification=DRAFT4)))
    registry = Registry().with_resources(resources)
    checker = FormatChecker()
    assert "uri" in checker.checkers, "rfc3987 must be installed so format: uri is checked"

    def validator(schema: dict) -> Draft4Validator:
        return Draft4Validator(schema, registry=registry, format_checker=checker)

    return validator


def _assertions(kind: str) -> list[tuple[str, dict]]:
    found = []
    for path in _assertion_files():
        schema = json.loads(path.read_text(encoding="utf-8"))
        if schema.get("assertionType") == kind:
            found.append((path.name, schema))
    return found


@pytest.fixture
def exported_annotations() -> list[dict]:
    data = checked_article()
    collection = article_annotations(data.article, published_only=False)
    # Round-trip through JSON text, as a consumer would read the file.
    annotations = json.loads(json.dumps(collection))["first"]["items"]
    assert len(annotations) == 4
    return annotations


def _result(validator, schema: dict, annotation: dict) -> str:
    return "valid" if validator(schema).is_valid(annotation) else "invalid"


def test_every_must_assertion_holds_for_every_exported_annotation(exported_annotations):
    validator = _validator_factory()
    musts = _assertions("must")
    assert len(musts) >= 50, "the suite's must assertions were found"
    failures = [
        f"{name} (annotation {annotation['id']}): {schema.get('errorMessage', '')}"
        for name, schema in musts
        for annotation in exported_annotations
        if _result(validator, schema, annotation) != schema.get("expectedResult", "valid")
    ]
    assert failures == []


def test_the_optional_features_we_implement_hold(exported_annotations):
    validator = _validator_factory()
    optionals = {name: schema for kind in ("should", "may") for name, schema in _assertions(kind)}
    missing = (IMPLEMENTED_OPTIONALS | {WITH_SOURCES}) - optionals.keys()
    assert not missing, f"unknown assertion files listed: {missing}"
    failures = [
        f"{name} (annotation {annotation['id']})"
        for name in sorted(IMPLEMENTED_OPTIONALS)
        for annotation in exported_annotations
        if _result(validator, optionals[name], annotation) != "valid"
    ]
    assert failures == []
    with_sources = [a for a in exported_annotations if any(b["type"] == "SpecificResource" for b in a["body"])]
    assert with_sources
    assert all(_result(validator, optionals[WITH_SOURCES], annotation) == "valid" for annotation in with_sources)


def test_conformance_check_rejects_a_broken_annotation(exported_annotations):
    """The harness itself works: an annotation without @context and with a bad id fails musts."""
    validator = _validator_factory()
    broken = dict(exported_annotations[0])
    del broken["@context"]
    broken["id"] = "not a uri"
    failed = {name for name, schema in _assertions("must") if _result(validator, schema, broken) != "valid"}
    assert {"3.1-annotationContextValidated.json", "3.1-annotationIdValidated.json"} <= failed
