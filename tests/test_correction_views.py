"""Corrections from the claim panel: propose, publish, reject, withdraw; who may, what is answered, what it costs."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from annotations import claim_corrections
from annotations.models import Claim, ClaimCorrection, ClaimEvent, ClaimStatus, Notification, Source
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def page(response) -> HTMLParser:
    return HTMLParser(response.content.decode())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def published(fact_checker) -> Claim:
    claim = factories.ClaimFactory(
        status=ClaimStatus.PUBLISHED, verdict=rating("false"), rationale="The survey says 7.1%.",
        statement="Unemployment fell to 6%", assignee=fact_checker, verdict_by=fact_checker,
    )
    factories.SourceFactory(claim=claim, url="https://stats.example.org/q3", title="Q3 report")
    return claim


def proposal(claim: Claim, **fields) -> dict[str, object]:
    """A correction form as the panel posts it: the claim's values, with ``fields`` changed."""
    data: dict[str, object] = {
        "version": claim.version, "statement": claim.statement, "claimant": claim.claimant,
        "verdict": claim.verdict_id, "rationale": claim.rationale, "source_stance": "context",
        "note": "The office revised its figure.",
    }
    data.update(fields)
    return data


def at_version(claim: Claim, **data) -> dict[str, object]:
    """A correction step's form as the panel posts it: with the claim's current version."""
    return {"version": Claim.objects.get(pk=claim.pk).version, **data}


def propose(client: Client, claim: Claim, **fields):
    return client.post(f"/claims/{claim.pk}/corrections/", proposal(claim, **fields), headers=HTMX)


def proposed(claim: Claim, user, **changes) -> ClaimCorrection:
    claim.refresh_from_db()
    return claim_corrections.propose_correction(
        claim, user=user, changes=changes or {"verdict": rating("half-true")}, note="Revised figures.",
        expected_version=claim.version,
    )


# --- the panel of a published claim --------------------------------------------------------------


def test_a_published_claim_shows_its_values_read_only_with_propose_a_correction(checker_client, published):
    panel = page(checker_client.get(f"/claims/{published.pk}/panel/"))
    assert panel.css("#cf-save") == [] and panel.css("#vf-save") == [] and panel.css("#source-add") == []
    assert "This claim is published: propose a correction." in panel.css_first("[data-lock-note]").text()
    form = panel.css_first("details.propose-correction form")
    assert form.attributes["hx-post"] == f"/claims/{published.pk}/corrections/"
    assert panel.css_first("#corr-statement").text().strip() == "Unemployment fell to 6%"
    assert [i.attributes["value"] for i in panel.css("input[name=remove_sources]")] == [
        str(published.sources.get().pk)
    ]
    assert panel.css_first("#comment-add") is not None  # comments stay open in every state


def test_readers_see_a_published_claim_without_the_correction_form(client, published):
    client.force_login(factories.UserFactory())
    panel = page(client.get(f"/claims/{published.pk}/panel/"))
    assert panel.css("details.propose-correction") == [] and panel.css("[data-lock-note]") == []


# --- proposing --------------------------------------------------------------------------------


def test_a_fact_checker_proposes_a_correction_and_the_editors_are_told(checker_client, fact_checker, published):
    editor = factories.EditorFactory()
    response = propose(
        checker_client, published, verdict=rating("half-true").pk, rationale="The revised figure is 6.4%.",
        remove_sources=[published.sources.get().pk], source_url="https://stats.example.org/revised",
        source_title="Revised table",
    )
    assert response.status_code == 200, response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {"claim-changed": {"id": published.pk}}
    correction = ClaimCorrection.objects.get(claim=published)
    assert correction.status == ClaimCorrection.Status.PROPOSED and correction.proposed_by == fact_checker
    assert set(correction.changes) == {"verdict", "rationale", "sources_added", "sources_removed"}
    assert correction.changes["sources_added"][0]["url"] == "https://stats.example.org/revised"
    published.refresh_from_db()
    assert published.verdict.slug == "false"  # nothing changes before a second person publishes it
    assert Notification.objects.filter(recipient=editor, kind=Notification.Kind.CORRECTION_PROPOSED).exists()
    panel = page(response)
    assert "Correction proposed" in panel.css_first(".notice").text()
    rows = [[c.text(strip=True) for c in row.css("th, td")] for row in panel.css(".correction-table tbody tr")]
    assert ["Verdict", "False", "Half true"] in rows
    assert panel.css("details.propose-correction") == []  # one open proposal per claim
    assert [b.text(strip=True) for b in panel.css(".correction-proposal button")] == ["Withdraw my proposal"]


def test_a_proposal_without_a_note_or_without_a_change_is_a_field_error(checker_client, published):
    response = propose(checker_client, published, verdict=rating("true").pk, note="")
    assert response.status_code == 400
    assert "Write a public correction note" in response.content.decode()
    response = propose(checker_client, published)
    assert response.status_code == 400
    assert "A correction has to change something" in response.content.decode()
    assert "open" in page(response).css_first("details.propose-correction").attributes
    assert not ClaimCorrection.objects.exists()


def test_a_proposal_against_an_old_version_keeps_what_was_typed_and_says_why(checker_client, published):
    data = proposal(published, rationale="My corrected rationale.")
    Claim.objects.filter(pk=published.pk).update(version=published.version + 1)
    response = checker_client.post(f"/claims/{published.pk}/corrections/", data, headers=HTMX)
    assert response.status_code == 409
    panel = page(response)
    assert "Someone changed this claim since you opened it" in panel.text()
    assert panel.css_first("#corr-rationale").text().strip() == "My corrected rationale."
    assert panel.css_first("details.propose-correction input[name=version]").attributes["value"] == str(
        published.version + 1
    )
    assert not ClaimCorrection.objects.exists()


def test_an_unpublished_claim_takes_no_correction(checker_client, fact_checker):
    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=fact_checker, verdict=rating("false"))
    response = propose(checker_client, claim, rationale="Changed")
    assert response.status_code == 400
    assert "corrections are for published claims" in response.content.decode()


def test_readers_cannot_propose(client, published):
    client.force_login(factories.UserFactory())
    response = propose(client, published, rationale="Changed")
    assert response.status_code == 403
    assert not ClaimCorrection.objects.exists()


# --- reviewing --------------------------------------------------------------------------------


def test_an_editor_sees_old_and_new_and_publishes_the_correction(published, fact_checker):
    correction = proposed(published, fact_checker, rationale="The revised figure is 6.4%.")
    editor = factories.EditorFactory()
    Notification.objects.create(recipient=editor, claim=published, kind="correction_proposed", message="Look")
    client = client_for(editor)
    panel = page(client.get(f"/claims/{published.pk}/panel/"))
    rows = [[c.text(strip=True) for c in row.css("th, td")] for row in panel.css(".correction-table tbody tr")]
    assert rows == [["Rationale", "The survey says 7.1%.", "The revised figure is 6.4%."]]
    assert {"Publish correction", "Reject correction"} <= {b.text(strip=True) for b in panel.css("button")}

    response = client.post(
        f"/claims/{published.pk}/corrections/{correction.pk}/publish/", at_version(published), headers=HTMX
    )
    assert response.status_code == 200, response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {"claim-changed": {"id": published.pk}}
    published.refresh_from_db()
    assert published.rationale == "The revised figure is 6.4%." and published.status == ClaimStatus.PUBLISHED
    correction.refresh_from_db()
    assert (correction.status, correction.reviewed_by) == (ClaimCorrection.Status.PUBLISHED, editor)
    event = ClaimEvent.objects.get(claim_ref=published.pk, kind=ClaimEvent.Kind.CORRECTED)
    assert (event.field, event.is_public, event.note) == ("rationale", True, "Revised figures.")
    told = Notification.objects.get(recipient=fact_checker, kind=Notification.Kind.CORRECTED)
    assert told.claim_id == published.pk
    # Acting on the claim marked the editor's notifications about it read.
    assert not Notification.objects.filter(recipient=editor, claim=published, read_at__isnull=True).exists()
    assert "Correction published" in page(response).css_first(".notice").text()


def test_the_proposer_cannot_publish_or_reject_their_own_correction(published):
    editor = factories.EditorFactory()
    correction = proposed(published, editor)
    client = client_for(editor)
    panel = page(client.get(f"/claims/{published.pk}/panel/"))
    proposal = panel.css_first(".correction-proposal").text()
    assert "another editor must publish or reject it (two-person rule)" in proposal
    assert "Publish correction" not in {b.text(strip=True) for b in panel.css("button")}
    for action in ("publish", "reject"):
        response = client.post(f"/claims/{published.pk}/corrections/{correction.pk}/{action}/", {"note": "x"},
                               headers=HTMX)
        assert response.status_code == 403
        assert "two-person rule" in response.content.decode()
    correction.refresh_from_db()
    assert correction.status == ClaimCorrection.Status.PROPOSED


def test_fact_checkers_cannot_publish_a_correction(checker_client, published):
    correction = proposed(published, factories.FactCheckerFactory())
    response = checker_client.post(f"/claims/{published.pk}/corrections/{correction.pk}/publish/", headers=HTMX)
    assert response.status_code == 403
    assert "Only editors can publish or reject corrections." in response.content.decode()


def test_a_rejection_needs_a_reason_and_leaves_the_claim_unchanged(published, fact_checker):
    correction = proposed(published, fact_checker)
    client = client_for(factories.EditorFactory())
    url = f"/claims/{published.pk}/corrections/{correction.pk}/reject/"
    refused = client.post(url, at_version(published, note="  "), headers=HTMX)
    assert refused.status_code == 400
    assert "Say why the correction is rejected" in page(refused).css_first("#correction-errors").text()
    response = client.post(url, at_version(published, note="The old figure stands."), headers=HTMX)
    assert response.status_code == 200
    correction.refresh_from_db()
    assert (correction.status, correction.review_note) == (ClaimCorrection.Status.REJECTED, "The old figure stands.")
    published.refresh_from_db()
    assert published.verdict.slug == "false"


def test_a_correction_made_stale_by_another_is_refused_with_409(published, fact_checker):
    correction = proposed(published, fact_checker, rationale="Proposal A.")
    Claim.objects.filter(pk=published.pk).update(rationale="Changed underneath.")
    client = client_for(factories.EditorFactory())
    response = client.post(
        f"/claims/{published.pk}/corrections/{correction.pk}/publish/", at_version(published), headers=HTMX
    )
    assert response.status_code == 409
    assert "changed since this correction was proposed" in page(response).css_first("#correction-errors").text()


def test_only_the_proposer_withdraws_and_a_reviewed_correction_cannot_be_withdrawn(published, fact_checker):
    correction = proposed(published, fact_checker)
    url = f"/claims/{published.pk}/corrections/{correction.pk}/withdraw/"
    assert client_for(factories.EditorFactory()).post(url, headers=HTMX).status_code == 403
    mine = client_for(fact_checker)
    assert mine.post(url, at_version(published), headers=HTMX).status_code == 200
    correction.refresh_from_db()
    assert correction.status == ClaimCorrection.Status.WITHDRAWN
    again = mine.post(url, at_version(published), headers=HTMX)
    assert again.status_code == 400
    assert "already withdrawn" in again.content.decode()


def test_a_correction_is_reached_only_through_its_own_claim(published, fact_checker):
    correction = proposed(published, fact_checker)
    other = factories.ClaimFactory(status=ClaimStatus.PUBLISHED, verdict=rating("true"), phrase="Residents gathered")
    client = client_for(factories.EditorFactory())
    assert client.post(f"/claims/{other.pk}/corrections/{correction.pk}/publish/", headers=HTMX).status_code == 404


def test_correction_views_need_post(checker_client, published, fact_checker):
    correction = proposed(published, fact_checker)
    assert checker_client.get(f"/claims/{published.pk}/corrections/").status_code == 405
    for action in ("publish", "reject", "withdraw"):
        assert checker_client.get(f"/claims/{published.pk}/corrections/{correction.pk}/{action}/").status_code == 405


def test_the_panel_of_a_claim_with_a_proposal_costs_the_same_queries_however_many_changes(published, fact_checker):
    client = client_for(factories.EditorFactory())
    proposed(published, fact_checker, rationale="One change.")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/claims/{published.pk}/panel/").status_code == 200
        return len(captured)

    one = queries()
    ClaimCorrection.objects.filter(claim=published).update(status=ClaimCorrection.Status.WITHDRAWN)
    for index in range(5):
        factories.SourceFactory(claim=published, url=f"https://stats.example.org/extra/{index}")
    proposed(
        published, fact_checker, statement="Reworded.", rationale="Two.", verdict=rating("true"),
        sources_removed=list(Source.objects.filter(claim=published).values_list("pk", flat=True)[:3]),
    )
    assert queries() == one


@pytest.mark.parametrize("step", ["propose", "publish"])
def test_correction_steps_cost_the_same_queries_however_long_the_claims_history(published, fact_checker, step):
    editor_client = client_for(factories.EditorFactory())
    checker_client = client_for(fact_checker)

    def run() -> int:
        ClaimCorrection.objects.filter(claim=published, status="proposed").update(status="withdrawn")
        published.refresh_from_db()
        correction = None if step == "propose" else proposed(published, fact_checker, rationale=f"R{published.version}")
        with CaptureQueriesContext(connection) as captured:
            if step == "propose":
                response = propose(checker_client, published, rationale=f"New {published.version}")
            else:
                response = editor_client.post(
                    f"/claims/{published.pk}/corrections/{correction.pk}/publish/", {"version": published.version},
                    headers=HTMX,
                )
        assert response.status_code == 200, response.content.decode()
        return len(captured)

    first = run()
    for _ in range(10):
        factories.CommentFactory(claim=published)
        factories.ClaimEventFactory(claim=published, actor=factories.FactCheckerFactory())
    assert run() == first
