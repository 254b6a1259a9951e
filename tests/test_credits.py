"""True credits: who checked, reviewed and corrected a claim, from its history (issue 14, item 3)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import User
from pypdf import PdfReader
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from annotations import claim_corrections, services, workflow
from annotations.credits import credits, credits_for, researchers
from annotations.exports import render_export_bytes
from annotations.models import ClaimEvent, ClaimStatus
from factcheck.entry_points import IMPORT, entry_point
from tests import factories

pytestmark = pytest.mark.django_db


def _researched_by(checker, **claim_fields):
    """A claim the checker took, gave a verdict, rationale and a source, and submitted."""
    claim = factories.ClaimFactory(**claim_fields)
    claim = workflow.apply(claim, checker, "take")
    claim = services.update_claim(
        claim, user=checker, expected_version=claim.version,
        changes={"verdict": factories.rating("false"), "rationale": "The statistics office says 7.1%."},
    )
    services.add_source(claim, user=checker, url="https://stats.example.org/q2", title="Labour market, Q2")
    claim.refresh_from_db()
    return workflow.apply(claim, checker, "submit")


def _publication(claim):
    return ClaimEvent.objects.get(claim_ref=claim.pk, kind=ClaimEvent.Kind.TRANSITION, to_status=ClaimStatus.PUBLISHED)


# --- researchers -------------------------------------------------------------------------


def test_whoever_edits_the_verdict_or_sources_and_submits_is_a_researcher():
    checker = factories.FactCheckerFactory()
    claim = _researched_by(checker)
    assert researchers(claim) == [checker]


def test_taking_assigning_and_commenting_do_not_make_a_researcher():
    checker, editor, commenter = (
        factories.FactCheckerFactory(), factories.EditorFactory(), factories.FactCheckerFactory()
    )
    claim = factories.ClaimFactory()
    claim = workflow.apply(claim, editor, "assign", assignee=checker)
    services.add_comment(claim, user=commenter, body="Is this the Q2 figure?")
    assert researchers(claim) == []


def test_an_editor_who_rewrites_the_rationale_in_review_becomes_a_researcher():
    checker, editor = factories.FactCheckerFactory(), factories.EditorFactory()
    claim = _researched_by(checker)
    services.update_claim(
        claim, user=editor, expected_version=claim.version, changes={"statement": "Unemployment fell to 6%."}
    )
    assert researchers(claim) == [checker, editor]


def test_the_round_restarts_after_publication_and_until_looks_back_at_an_earlier_round():
    checker, editor = factories.FactCheckerFactory(), factories.EditorFactory()
    claim = workflow.apply(_researched_by(checker), editor, "publish")
    assert researchers(claim) == []
    assert researchers(claim, until=_publication(claim)) == [checker]
    assert researchers(claim, until=_publication(claim).created_at) == [checker]


def test_changes_nobody_is_on_record_for_credit_nobody():
    claim = factories.ClaimFactory()
    with entry_point(IMPORT):
        services.record_event(claim, ClaimEvent.Kind.EDITED, None, field="verdict", new_value="False")
    assert researchers(claim) == []


def test_researchers_cost_one_query(django_assert_num_queries):
    claim = _researched_by(factories.FactCheckerFactory())
    with django_assert_num_queries(1):
        researchers(claim)


# --- credits -----------------------------------------------------------------------------


def test_credits_name_the_checker_and_the_publishing_editor_not_the_last_to_touch_the_verdict():
    checker, editor = factories.FactCheckerFactory(), factories.EditorFactory()
    claim = workflow.apply(_researched_by(checker), editor, "publish")
    # Whoever touched the verdict last is irrelevant: the fields are not where credits come from.
    type(claim).objects.filter(pk=claim.pk).update(verdict_by=editor, reviewed_by=checker)
    result = credits(claim)
    assert result.checked_by == [checker]
    assert result.reviewed_by == editor
    assert result.corrections == []


def test_credits_of_an_unpublished_claim_name_its_researchers_and_no_reviewer():
    checker = factories.FactCheckerFactory()
    claim = _researched_by(checker)
    result = credits(claim)
    assert result.checked_by == [checker]
    assert result.reviewed_by is None


def test_corrections_recorded_only_in_the_history_are_still_credited():
    """Corrections made before proposals existed: one per run of public entries with the same note."""
    checker, editor = factories.FactCheckerFactory(), factories.EditorFactory()
    claim = workflow.apply(_researched_by(checker), editor, "publish")
    for field, old, new in (("verdict", "False", "Mostly false"), ("rationale", "Old", "New")):
        services.record_event(
            claim, ClaimEvent.Kind.CORRECTED, editor, field=field, old_value=old, new_value=new,
            note="We misread the table.", is_public=True,
        )
    services.record_event(claim, ClaimEvent.Kind.CORRECTED, editor, field="verdict", note="internal", is_public=False)
    result = credits(claim)
    assert result.checked_by == [checker] and result.reviewed_by == editor
    [correction] = result.corrections
    assert (correction.corrected_by, correction.proposed_by, correction.note) == (editor, None, "We misread the table.")
    assert [str(change) for change in correction.changes] == [
        "Verdict: “False” → “Mostly false”", "Rationale: “Old” → “New”",
    ]


def test_credits_for_many_claims_cost_two_queries(django_assert_num_queries):
    checker, editor = factories.FactCheckerFactory(), factories.EditorFactory()
    claims = [workflow.apply(_researched_by(checker), editor, "publish") for _ in range(3)]
    claims.append(factories.ClaimFactory())
    with django_assert_num_queries(2):
        batch = credits_for(claims)
    assert [batch[claim.pk].reviewed_by for claim in claims] == [editor, editor, editor, None]
    assert batch[claims[0].pk].checked_by == [checker]
    assert batch[claims[3].pk].checked_by == []


# --- credits in every export after a correction --------------------------------------------


@pytest.fixture
def corrected_claim():
    """Casey researched it, Erin published it; Casey proposed a correction that Dana published."""
    checker = factories.FactCheckerFactory(first_name="Casey", last_name="Checker")
    editor = factories.EditorFactory(first_name="Erin", last_name="Editor")
    corrector = factories.EditorFactory(first_name="Dana", last_name="Corrector")
    article = factories.ArticleFactory()
    claim = workflow.apply(_researched_by(checker, article=article), editor, "publish")
    correction = claim_corrections.propose_correction(
        claim, user=checker, expected_version=claim.version, note="We misread the quarter.",
        changes={"verdict": factories.rating("mostly-false"), "sources_added": [
            {"url": "https://stats.example.org/q3", "title": "Labour market, Q3"},
        ]},
    )
    claim_corrections.publish_correction(correction, user=corrector)
    claim.refresh_from_db()
    return claim


def test_credits_after_a_correction_name_checker_reviewer_and_corrector(corrected_claim):
    result = credits(corrected_claim)
    assert [user.get_full_name() for user in result.checked_by] == ["Casey Checker"]
    assert result.reviewed_by.get_full_name() == "Erin Editor"
    [correction] = result.corrections
    assert (correction.corrected_by_name, correction.proposed_by_name) == ("Dana Corrector", "Casey Checker")
    assert correction.note == "We misread the quarter."
    assert [str(change) for change in correction.changes] == [
        "Verdict: “False” → “Mostly false”",
        "Source added: Labour market, Q3 (https://stats.example.org/q3)",
    ]
    assert [user.get_full_name() for user in result.corrected_by] == ["Dana Corrector"]


def _text_exports(article) -> dict[str, str]:
    exports = {
        fmt: render_export_bytes(article, fmt, published_only=True).decode("utf-8-sig")
        for fmt in ("html", "md", "csv", "claimreview", "w3c")
    }
    pdf = PdfReader(io.BytesIO(render_export_bytes(article, "pdf", published_only=True)))
    exports["pdf"] = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    return exports


def test_every_export_credits_the_checker_reviewer_and_corrector_and_shows_the_correction(corrected_claim):
    exports = _text_exports(corrected_claim.article)
    for fmt in ("html", "md", "pdf"):
        text = exports[fmt]
        assert "Checked by" in text and "Casey Checker" in text, fmt
        assert "Reviewed by" in text and "Erin Editor" in text, fmt
        assert "Corrected by" in text and "Dana Corrector" in text, fmt
        assert "proposed by Casey Checker" in text, fmt
        assert "We misread the quarter." in text, fmt
        assert "Mostly false" in text, fmt
        assert "Two-person rule" in text, fmt
    for fmt in ("html", "md", "pdf"):
        assert "“False” → “Mostly false”" in exports[fmt], fmt
    # Each credit names the right person (nobody is credited with checking their own publication).
    note = HTMLParser(exports["html"]).css_first("article.note")
    fields = dict(zip(
        (dt.text(strip=True) for dt in note.css("dl.fields dt")),
        (dd.text(strip=True) for dd in note.css("dl.fields dd")), strict=True,
    ))
    assert (fields["Checked by"], fields["Reviewed by"], fields["Corrected by"]) == (
        "Casey Checker", "Erin Editor", "Dana Corrector",
    )
    hard_break = "\\\n    "
    assert hard_break.join(
        ["Checked by: Casey Checker", "Reviewed by: Erin Editor", "Corrected by: Dana Corrector"]
    ) in exports["md"]
    assert "Checked by Casey Checker Reviewed by Erin Editor Corrected by Dana Corrector" in exports["pdf"]


def test_csv_credits_after_a_correction(corrected_claim):
    [row] = csv.DictReader(io.StringIO(_text_exports(corrected_claim.article)["csv"]))
    users = {user.get_full_name(): user.username for user in User.objects.all()}
    assert (row["checked_by"], row["reviewed_by"], row["corrected_by"]) == (
        users["Casey Checker"], users["Erin Editor"], users["Dana Corrector"],
    )
    assert "Verdict: “False” → “Mostly false”" in row["corrections"]
    assert "We misread the quarter. (Corrected by Dana Corrector, proposed by Casey Checker)" in row["corrections"]


def test_claim_review_credits_after_a_correction(corrected_claim):
    [review] = json.loads(_text_exports(corrected_claim.article)["claimreview"])
    assert review["author"]["@type"] == "Organization"
    assert review["reviewRating"]["alternateName"] == "Mostly false"
    assert review["contributor"] == [{"@type": "Person", "name": "Casey Checker"}]
    assert review["editor"] == {"@type": "Person", "name": "Erin Editor"}
    [correction] = review["correction"]
    assert correction["@type"] == "CorrectionComment"
    assert correction["author"] == {"@type": "Person", "name": "Dana Corrector"}
    assert correction["contributor"] == {"@type": "Person", "name": "Casey Checker"}
    assert correction["text"].startswith("We misread the quarter. Verdict: “False” → “Mostly false”.")


def test_w3c_credits_after_a_correction(corrected_claim):
    [annotation] = json.loads(_text_exports(corrected_claim.article)["w3c"])["first"]["items"]
    [verdict] = [body for body in annotation["body"] if body.get("purpose") == "assessing"]
    assert verdict["value"] == "Mostly false"
    assert [agent["name"] for agent in verdict["creator"]] == ["Casey Checker"]
    assert verdict["dcterms:contributor"]["name"] == "Erin Editor"
    correction = [body for body in annotation["body"] if body.get("purpose") == "commenting"][-1]
    assert correction["creator"]["name"] == "Dana Corrector"
    assert "Verdict: “False” → “Mostly false”" in correction["value"]
    assert "We misread the quarter." in correction["value"]
