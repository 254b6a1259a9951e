"""The claim panel endpoints: create from a selection, edit with optimistic locking, sources,
comments, delete; permissions, error answers and the htmx contract (HX-Trigger claim-changed)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from annotations.highlight import utf16_length
from annotations.models import Claim, ClaimEvent, ClaimStatus, Comment, Source
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PHRASE = "unemployment fell to 6 percent"


def trigger(response) -> dict:
    return json.loads(response["HX-Trigger"])


def page(response) -> HTMLParser:
    return HTMLParser(response.content.decode())


def post_selection(client, article, quote: str, *, start16: int | None = None, end16: int | None = None, **extra):
    if start16 is None:
        index = article.body.index(quote.strip())
        start16 = utf16_length(article.body[:index])
        end16 = start16 + utf16_length(quote)
    return client.post(
        f"/articles/{article.pk}/claims/",
        {"start": start16, "end": end16, "exact": quote, **extra},
        headers=HTMX,
    )


def edit(client, claim, **data):
    return client.post(f"/claims/{claim.pk}/edit/", data, headers=HTMX)


def with_version(claim_id: int, data: dict | None = None) -> dict:
    """Form data as the panel sends it: with the claim's current version (every write says it)."""
    return {"version": Claim.objects.get(pk=claim_id).version, **(data or {})}


# --- creating ------------------------------------------------------------------------------


def test_a_selection_becomes_a_claim_and_the_panel_opens_with_a_change_event(checker_client, article, fact_checker):
    response = post_selection(checker_client, article, PHRASE)
    assert response.status_code == 201
    claim = Claim.objects.get()
    start = article.body.index(PHRASE)
    assert (claim.start, claim.end, claim.exact, claim.created_by) == (start, start + len(PHRASE), PHRASE, fact_checker)
    assert trigger(response) == {"claim-changed": {"id": claim.pk}}
    panel = page(response).css_first(".claim-panel")
    assert panel.attributes["data-claim-id"] == str(claim.pk)
    assert panel.attributes["data-focus"] == "cf-statement"
    assert ClaimEvent.objects.get(claim_ref=claim.pk).kind == ClaimEvent.Kind.CREATED


def test_browser_utf16_offsets_after_an_emoji_are_stored_as_code_points(checker_client):
    body = "The 🏥 clinic reported 9 days.\n\nIt 🎉 worked."
    article = factories.ArticleFactory(body=body)
    response = post_selection(checker_client, article, "clinic reported")
    assert response.status_code == 201
    claim = Claim.objects.get()
    assert (claim.start, claim.end) == (6, 21)
    assert body[claim.start:claim.end] == "clinic reported"


def test_a_backwards_selection_with_spaces_across_paragraphs_is_stored_in_order_and_trimmed(checker_client, article):
    quote = " the mayor said.\n\nOfficials "
    index = article.body.index(quote)
    response = post_selection(checker_client, article, quote, start16=index + len(quote), end16=index)
    assert response.status_code == 201
    assert Claim.objects.get().exact == "the mayor said.\n\nOfficials"


def test_a_quote_whose_paragraph_break_arrives_as_crlf_still_matches(checker_client, article):
    quote = "the mayor said.\n\nOfficials"
    index = article.body.index(quote)
    response = post_selection(
        checker_client, article, quote.replace("\n", "\r\n"), start16=index, end16=index + len(quote)
    )
    assert response.status_code == 201
    assert Claim.objects.get().exact == quote


def test_a_quote_that_does_not_match_the_body_is_refused_with_a_clear_message(checker_client, article):
    index = article.body.index(PHRASE)
    response = post_selection(checker_client, article, "unemployment rose to 6 percent", start16=index,
                              end16=index + len(PHRASE))
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#annotate-alert"
    assert "does not match the article text" in response.content.decode()
    assert not Claim.objects.exists()


def test_an_empty_post_asks_for_a_selection(checker_client, article):
    response = checker_client.post(f"/articles/{article.pk}/claims/", {}, headers=HTMX)
    assert response.status_code == 400
    assert "Select some text in the article first." in response.content.decode()


def test_readers_cannot_create_claims(client, article):
    client.force_login(factories.UserFactory())
    response = post_selection(client, article, PHRASE)
    assert response.status_code == 403
    assert "Only fact-checkers and editors" in response.content.decode()
    assert not Claim.objects.exists()


def test_anonymous_posts_are_redirected_to_login_and_change_nothing(client, article):
    response = post_selection(client, article, PHRASE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Claim.objects.exists()


def test_creating_a_claim_needs_post(checker_client, article):
    assert checker_client.get(f"/articles/{article.pk}/claims/").status_code == 405


def test_a_plain_form_post_without_htmx_goes_back_to_the_article(checker_client, article):
    index = article.body.index(PHRASE)
    response = checker_client.post(
        f"/articles/{article.pk}/claims/", {"start": index, "end": index + len(PHRASE), "exact": PHRASE}
    )
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.pk}/?claim={claim.pk}#claim-{claim.pk}"


# --- the panel -------------------------------------------------------------------------------


def test_the_panel_shows_forms_review_actions_and_history_to_fact_checkers(checker_client, fact_checker):
    claim = factories.ClaimFactory(created_by=fact_checker)
    factories.ClaimEventFactory(claim=claim, actor=fact_checker, field="statement", old_value="old", new_value="new")
    panel = page(checker_client.get(f"/claims/{claim.pk}/panel/"))
    buttons = {button.text(deep=True).strip() for button in panel.css("button")}
    assert {"Save", "Save verdict", "Add source", "Add comment", "Delete claim…"} <= buttons
    assert panel.css_first("[data-review-actions]") is not None
    assert panel.css_first("input[name=version]").attributes["value"] == str(claim.version)
    history = panel.css_first(".timeline").text(deep=True)
    assert fact_checker.username in history and "old" in history and "new" in history


def test_readers_see_the_panel_of_a_published_claim_without_any_form(client):
    client.force_login(factories.UserFactory())
    claim = factories.ClaimFactory(
        statement="Visible to readers", status=ClaimStatus.PUBLISHED, verdict=factories.rating("false")
    )
    panel = page(client.get(f"/claims/{claim.pk}/panel/"))
    assert "Visible to readers" in panel.text()
    assert panel.css("form[hx-post*='/claims/']") == []


@pytest.mark.parametrize("status", [ClaimStatus.NEW, ClaimStatus.RESEARCHING, ClaimStatus.IN_REVIEW])
def test_readers_do_not_find_the_panel_of_a_claim_still_being_checked(client, status):
    client.force_login(factories.UserFactory())
    claim = factories.ClaimFactory(status=status, rationale="Internal reasoning")
    response = client.get(f"/claims/{claim.pk}/panel/")
    assert response.status_code == 404
    assert "Internal reasoning" not in response.content.decode()


def test_the_panel_names_the_claim_by_its_permanent_number_for_every_reader(client, article):
    client.force_login(factories.UserFactory())
    factories.ClaimFactory(article=article, phrase="approved a budget", status=ClaimStatus.IN_REVIEW)
    published = factories.ClaimFactory(article=article, status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"))
    panel = page(client.get(f"/claims/{published.pk}/panel/"))
    assert panel.css_first("#panel-title").text() == f"Claim #{published.pk}"


def test_an_unknown_claim_is_not_found(checker_client):
    assert checker_client.get("/claims/424242/panel/").status_code == 404


def test_the_panel_costs_the_same_queries_however_long_its_history(checker_client, fact_checker):
    claim = factories.ClaimFactory(created_by=fact_checker)

    def grow(n: int) -> None:
        for _ in range(n):
            factories.SourceFactory(claim=claim, added_by=factories.FactCheckerFactory())
            factories.CommentFactory(claim=claim)
            factories.ClaimEventFactory(claim=claim, actor=factories.FactCheckerFactory())

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert checker_client.get(f"/claims/{claim.pk}/panel/").status_code == 200
        return len(captured)

    grow(1)
    one = queries()
    grow(20)
    assert queries() == one


# --- editing with optimistic locking -------------------------------------------------------


def test_saving_the_statement_form_changes_only_its_fields_and_records_who(checker_client, fact_checker):
    claim = factories.ClaimFactory(rationale="Keep me")
    response = edit(checker_client, claim, version=claim.version, statement="New\r\nwording", claimant="The mayor")
    assert response.status_code == 200
    assert trigger(response) == {"claim-changed": {"id": claim.pk}}
    claim.refresh_from_db()
    assert (claim.statement, claim.claimant, claim.rationale) == ("New\nwording", "The mayor", "Keep me")
    assert claim.version == 2
    events = ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.EDITED)
    assert {(e.field, e.actor_id) for e in events} == {("statement", fact_checker.pk), ("claimant", fact_checker.pk)}
    assert "Claim saved." in response.content.decode()


def test_setting_a_verdict_and_rationale_records_who_set_it(checker_client, fact_checker):
    claim = factories.ClaimFactory(statement="Stays")
    false = factories.rating("false")
    response = edit(checker_client, claim, version=1, verdict=false.pk, rationale="The survey says 7.1%.")
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.verdict, claim.rationale, claim.verdict_by, claim.statement) == (
        false, "The survey says 7.1%.", fact_checker, "Stays"
    )


def test_a_stale_version_is_refused_showing_both_values_and_a_reapply_button(checker_client, editor):
    claim = factories.ClaimFactory(statement="Original")
    factories_update = edit_as(editor, claim, statement="Editor's wording")
    assert factories_update.status_code == 200

    response = edit(checker_client, claim, version=1, statement="My wording", claimant="City officials")
    assert response.status_code == 409
    assert "HX-Trigger" not in response
    claim.refresh_from_db()
    assert claim.statement == "Editor's wording"
    conflict = page(response).css_first(".conflict")
    rows = [[cell.text(strip=True) for cell in row.css("th, td")] for row in conflict.css("tbody tr")]
    assert rows[0][1:] == ["Editor's wording", "My wording"]
    assert editor.username in conflict.text()
    reapply = {i.attributes["name"]: i.attributes["value"] for i in conflict.css("input[type=hidden]")
               if i.attributes["name"] != "csrfmiddlewaretoken"}
    assert reapply == {"version": "2", "statement": "My wording", "claimant": "City officials"}
    # The statement field itself shows what is stored now.
    assert page(response).css_first("#cf-statement").text().strip() == "Editor's wording"

    again = edit(checker_client, claim, **reapply)
    assert again.status_code == 200
    claim.refresh_from_db()
    assert claim.statement == "My wording"


def edit_as(user, claim, **data):
    from django.test import Client

    client = Client()
    client.force_login(user)
    claim.refresh_from_db()
    return edit(client, claim, version=claim.version, **data)


def test_a_stale_verdict_form_is_refused_too(checker_client, editor):
    claim = factories.ClaimFactory()
    edit_as(editor, claim, verdict=factories.rating("true").pk, rationale="Editor says true")
    response = edit(checker_client, claim, version=1, verdict=factories.rating("false").pk, rationale="Mine")
    assert response.status_code == 409
    claim.refresh_from_db()
    assert claim.verdict.slug == "true"


def test_an_empty_statement_is_a_field_error(checker_client):
    claim = factories.ClaimFactory()
    response = edit(checker_client, claim, version=1, statement="  ", claimant="")
    assert response.status_code == 400
    assert "Write the claim in your own words." in response.content.decode()
    assert page(response).css_first("#cf-statement").attributes.get("aria-invalid") == "true"


def test_editing_a_published_claim_offers_a_correction_holding_the_attempted_change(checker_client):
    """A panel opened before publication and saved after: nothing changes, nothing typed is lost."""
    claim = factories.ClaimFactory(
        status=ClaimStatus.PUBLISHED, verdict=factories.rating("true"), rationale="The budget says so."
    )
    false = factories.rating("false")
    response = edit(checker_client, claim, version=1, verdict=false.pk, rationale="The budget was revised.")
    assert response.status_code == 403
    assert "HX-Trigger" not in response
    panel = page(response)
    assert "This claim is published: propose a correction." in panel.css_first("#lock-message").text()
    assert "open" in panel.css_first("details.propose-correction").attributes
    assert panel.css_first("#corr-rationale").text().strip() == "The budget was revised."
    assert panel.css_first("#corr-verdict option[selected]").text() == "False"
    assert panel.css("#vf-save") == [] and panel.css("#cf-save") == []
    claim.refresh_from_db()
    assert (claim.verdict.slug, claim.rationale, claim.version) == ("true", "The budget says so.", 1)


def test_inactive_verdicts_are_not_offered_unless_the_claim_has_one(checker_client):
    retired = factories.RatingLabelFactory(name="Retired label", is_active=False)
    other = factories.ClaimFactory()
    options = [o.text() for o in page(checker_client.get(f"/claims/{other.pk}/panel/")).css("#vf-verdict option")]
    assert "Retired label" not in options and "Unrated" in options and "False" in options
    claim = factories.ClaimFactory(verdict=retired, phrase="Residents gathered")
    options = [o.text() for o in page(checker_client.get(f"/claims/{claim.pk}/panel/")).css("#vf-verdict option")]
    assert "Retired label" in options


def test_readers_cannot_edit(client):
    client.force_login(factories.UserFactory())
    claim = factories.ClaimFactory(
        statement="Untouched", status=ClaimStatus.PUBLISHED, verdict=factories.rating("false")
    )
    response = edit(client, claim, version=1, statement="Changed")
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.statement == "Untouched"


def test_a_post_without_claim_fields_is_refused(checker_client):
    claim = factories.ClaimFactory()
    response = edit(checker_client, claim, version=1)
    assert response.status_code == 400
    assert "Nothing to save" in response.content.decode()


# --- sources -------------------------------------------------------------------------------------


def source_data(prefix: str = "new-source", **fields) -> dict:
    data = {"url": "https://stats.example.org/report", "title": "Report", "publisher": "Statistics Office",
            "stance": "refutes", "accessed_on": "2024-03-05", "archive_url": "", "excerpt": "Unemployment: 7.1%"}
    data.update(fields)
    return {f"{prefix}-{key}": value for key, value in data.items()}


def test_adding_a_source_saves_it_records_it_and_renders_a_safe_link(checker_client, fact_checker):
    claim = factories.ClaimFactory()
    response = checker_client.post(f"/claims/{claim.pk}/sources/", with_version(claim.pk, source_data()), headers=HTMX)
    assert response.status_code == 200
    assert trigger(response) == {"claim-changed": {"id": claim.pk}}
    source = Source.objects.get(claim=claim)
    assert (source.url, source.stance, str(source.accessed_on), source.added_by) == (
        "https://stats.example.org/report", "refutes", "2024-03-05", fact_checker
    )
    assert ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.SOURCE_ADDED, actor=fact_checker).exists()
    link = page(response).css_first(f"#source-{source.pk} a")
    assert link.attributes["href"] == "https://stats.example.org/report"
    assert link.attributes["rel"] == "noopener noreferrer nofollow"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example.org/x", "data:text/html,hi", "not a url"])
def test_only_http_and_https_source_urls_are_accepted(checker_client, url):
    claim = factories.ClaimFactory()
    response = checker_client.post(
        f"/claims/{claim.pk}/sources/", with_version(claim.pk, source_data(url=url)), headers=HTMX
    )
    assert response.status_code == 400
    assert "Enter an http:// or https:// URL." in response.content.decode()
    assert not Source.objects.exists()


def test_a_bad_archive_url_is_refused_too(checker_client):
    claim = factories.ClaimFactory()
    response = checker_client.post(
        f"/claims/{claim.pk}/sources/", with_version(claim.pk, source_data(archive_url="javascript:alert(1)")),
        headers=HTMX,
    )
    assert response.status_code == 400
    assert not Source.objects.exists()


def test_editing_a_source_opens_its_form_and_saves_changed_fields_to_history(checker_client):
    source = factories.SourceFactory(title="Old title")
    claim = source.claim
    form = page(checker_client.get(f"/claims/{claim.pk}/sources/{source.pk}/edit/", headers=HTMX))
    assert form.css_first(f"#id_source-{source.pk}-title").attributes["value"] == "Old title"
    data = source_data(f"source-{source.pk}", url=source.url, title="New title", stance="supports")
    response = checker_client.post(
        f"/claims/{claim.pk}/sources/{source.pk}/edit/", with_version(claim.pk, data), headers=HTMX
    )
    assert response.status_code == 200
    source.refresh_from_db()
    assert (source.title, source.stance) == ("New title", "supports")
    fields = set(ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.SOURCE_CHANGED)
                 .values_list("field", flat=True))
    assert {"source.title", "source.stance"} <= fields


def test_removing_a_source_keeps_a_record_of_its_url(checker_client):
    source = factories.SourceFactory()
    response = checker_client.post(
        f"/claims/{source.claim_id}/sources/{source.pk}/remove/", with_version(source.claim_id), headers=HTMX
    )
    assert response.status_code == 200
    assert not Source.objects.filter(pk=source.pk).exists()
    event = ClaimEvent.objects.get(claim_ref=source.claim_id, kind=ClaimEvent.Kind.SOURCE_REMOVED)
    assert event.old_value == source.url


@pytest.mark.parametrize("action", ["edit", "remove"])
def test_a_source_cannot_be_changed_through_another_claims_url(checker_client, action):
    source = factories.SourceFactory(title="Someone else's")
    other_article_claim = factories.ClaimFactory()
    url = f"/claims/{other_article_claim.pk}/sources/{source.pk}/{action}/"
    response = checker_client.post(url, source_data(f"source-{source.pk}", title="Hijacked"), headers=HTMX)
    assert response.status_code == 404
    source.refresh_from_db()
    assert source.title == "Someone else's"


def test_readers_cannot_add_sources(client):
    client.force_login(factories.UserFactory())
    claim = factories.ClaimFactory(status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"))
    assert client.post(f"/claims/{claim.pk}/sources/", source_data(), headers=HTMX).status_code == 403
    assert not Source.objects.exists()


# --- comments ------------------------------------------------------------------------------------


def test_adding_a_comment_saves_it_and_records_it(checker_client, fact_checker):
    claim = factories.ClaimFactory()
    response = checker_client.post(
        f"/claims/{claim.pk}/comments/", with_version(claim.pk, {"body": "Check <b>Q2</b>"}), headers=HTMX
    )
    assert response.status_code == 200
    assert Comment.objects.get(claim=claim).body == "Check <b>Q2</b>"
    assert "Check &lt;b&gt;Q2&lt;/b&gt;" in response.content.decode()
    assert ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.COMMENTED, actor=fact_checker).exists()


def test_an_empty_comment_is_a_field_error(checker_client):
    claim = factories.ClaimFactory()
    response = checker_client.post(
        f"/claims/{claim.pk}/comments/", with_version(claim.pk, {"body": "   "}), headers=HTMX
    )
    assert response.status_code == 400
    assert "Write something before adding a comment." in response.content.decode()
    assert not Comment.objects.exists()


# --- deleting ------------------------------------------------------------------------------------


def test_delete_asks_for_confirmation_first(checker_client, fact_checker):
    claim = factories.ClaimFactory(created_by=fact_checker)
    response = checker_client.get(f"/claims/{claim.pk}/delete/", headers=HTMX)
    assert response.status_code == 200
    assert "Delete this claim?" in response.content.decode()
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_fact_checkers_delete_their_own_unpublished_claims_and_the_history_remembers(checker_client, fact_checker):
    claim = factories.ClaimFactory(created_by=fact_checker)
    response = checker_client.post(
        f"/claims/{claim.pk}/delete/", with_version(claim.pk, {"note": "Duplicate"}), headers=HTMX
    )
    assert response.status_code == 200
    assert trigger(response) == {"claim-changed": {"id": claim.pk}}
    assert not Claim.objects.filter(pk=claim.pk).exists()
    event = ClaimEvent.objects.get(claim_ref=claim.pk, kind=ClaimEvent.Kind.DELETED)
    assert (event.actor, event.note) == (fact_checker, "Duplicate")


@pytest.mark.parametrize("mine, status", [(False, ClaimStatus.NEW), (True, ClaimStatus.PUBLISHED)])
def test_fact_checkers_cannot_delete_others_or_published_claims(checker_client, fact_checker, mine, status):
    claim = factories.ClaimFactory(
        created_by=fact_checker if mine else factories.FactCheckerFactory(),
        status=status,
        verdict=factories.rating("true"),
    )
    response = checker_client.post(f"/claims/{claim.pk}/delete/", headers=HTMX)
    assert response.status_code == 403
    assert "only your own claims that are not published" in response.content.decode()
    assert Claim.objects.filter(pk=claim.pk).exists()
    panel = page(checker_client.get(f"/claims/{claim.pk}/panel/"))
    assert "Delete claim…" not in panel.text()


def test_editors_may_delete_any_claim(editor_client):
    claim = factories.ClaimFactory()
    assert editor_client.post(f"/claims/{claim.pk}/delete/", with_version(claim.pk), headers=HTMX).status_code == 200
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_claim_permalink_opens_the_article_with_the_panel(checker_client):
    claim = factories.ClaimFactory()
    response = checker_client.get(f"/claims/{claim.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{claim.article_id}/?claim={claim.pk}#claim-{claim.pk}"
    assert checker_client.get("/claims/999999/").status_code == 404


# --- the htmx answers live in one module -----------------------------------------------------


def test_claim_changed_adds_the_event_to_whatever_the_response_already_triggers(rf):
    from django.http import HttpResponse

    from annotations.htmx import claim_changed

    response = HttpResponse()
    response["HX-Trigger"] = json.dumps({"other-event": {}})
    assert claim_changed(response, 7) is response
    assert json.loads(response["HX-Trigger"]) == {"other-event": {}, "claim-changed": {"id": 7}}


def test_alert_goes_to_the_pages_alert_region_with_its_error_status(rf):
    from annotations.htmx import alert

    response = alert(rf.get("/"), "Not <allowed>", 403)
    assert response.status_code == 403
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#annotate-alert", "innerHTML")
    assert "Not &lt;allowed&gt;" in response.content.decode()


def test_no_view_builds_htmx_headers_or_the_claim_changed_event_by_hand():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = [
        str(path.relative_to(root))
        for app in ("factcheck", "annotations", "articles", "search")
        for path in (root / app).rglob("*.py")
        if path.name != "htmx.py"
        and any(marker in path.read_text() for marker in ('["HX-', "django_htmx.http import"))
    ]
    assert offenders == []


# --- locked claims: read-only with the way out ------------------------------------------------


def test_an_in_review_claim_shows_its_checker_withdraw_instead_of_edit_forms(checker_client, fact_checker):
    claim = factories.ClaimFactory(
        status=ClaimStatus.IN_REVIEW, assignee=fact_checker, verdict=factories.rating("false")
    )
    panel = page(checker_client.get(f"/claims/{claim.pk}/panel/"))
    assert panel.css("#cf-save") == [] and panel.css("#vf-save") == [] and panel.css("#source-add") == []
    assert "withdraw it from review to change it" in panel.css_first("[data-lock-note]").text()
    assert "Withdraw from review" in panel.css_first("[data-review-actions]").text()
    assert panel.css_first("#comment-add") is not None


def test_a_claim_assigned_to_another_checker_is_read_only_to_me(checker_client):
    someone = factories.FactCheckerFactory(first_name="Sam", last_name="Other")
    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=someone)
    panel = page(checker_client.get(f"/claims/{claim.pk}/panel/"))
    assert panel.css("#cf-save") == []
    assert "assigned to Sam Other" in panel.css_first("[data-lock-note]").text()
    response = edit(checker_client, claim, version=claim.version, statement="Mine now")
    assert response.status_code == 403
    assert page(response).css("details.propose-correction") == []  # not published: no correction to offer
    claim.refresh_from_db()
    assert claim.statement != "Mine now"


def test_adding_a_source_to_a_published_claim_offers_a_correction_with_that_source(checker_client):
    claim = factories.ClaimFactory(status=ClaimStatus.PUBLISHED, verdict=factories.rating("true"))
    response = checker_client.post(
        f"/claims/{claim.pk}/sources/", with_version(claim.pk, source_data(title="New evidence")), headers=HTMX
    )
    assert response.status_code == 403
    panel = page(response)
    assert panel.css_first("#corr-source_url").attributes["value"] == "https://stats.example.org/report"
    assert panel.css_first("#corr-source_title").attributes["value"] == "New evidence"
    assert not Source.objects.filter(claim=claim).exists()


def test_removing_a_source_of_a_published_claim_offers_a_correction_removing_it(checker_client):
    claim = factories.ClaimFactory(status=ClaimStatus.PUBLISHED, verdict=factories.rating("true"))
    source = factories.SourceFactory(claim=claim)
    response = checker_client.post(
        f"/claims/{claim.pk}/sources/{source.pk}/remove/", with_version(claim.pk), headers=HTMX
    )
    assert response.status_code == 403
    checked = page(response).css("input[name=remove_sources][checked]")
    assert [box.attributes["value"] for box in checked] == [str(source.pk)]
    assert Source.objects.filter(pk=source.pk).exists()


def test_a_dismissed_claim_is_locked_until_reopened(editor_client):
    claim = factories.ClaimFactory(status=ClaimStatus.DISMISSED, dismissal_reason="Opinion.")
    panel = page(editor_client.get(f"/claims/{claim.pk}/panel/"))
    assert "This claim is dismissed: reopen it to change it." in panel.css_first("[data-lock-note]").text()
    assert panel.css("details.propose-correction") == []
    assert "Reopen" in panel.css_first("[data-review-actions]").text()


def test_changes_requested_sit_at_the_top_of_the_panel(checker_client, fact_checker, editor):
    from annotations import workflow

    claim = factories.ClaimFactory(
        status=ClaimStatus.IN_REVIEW, assignee=fact_checker, verdict=factories.rating("false"), rationale="R.",
        verdict_by=fact_checker,
    )
    workflow.apply(claim, editor, "request_changes", note="Cite the <Q3> table.")
    panel = page(checker_client.get(f"/claims/{claim.pk}/panel/"))
    box = panel.css_first(".changes-requested")
    assert "Changes requested" in box.text() and "Cite the <Q3> table." in box.text()
    assert "&lt;Q3&gt;" in box.html  # escaped
    order = [node.attributes.get("class", "") for node in panel.css_first(".claim-panel").iter()]
    assert order.index("changes-requested") < order.index("claim-tags")


def test_a_withdrawal_by_the_checker_is_not_shown_as_changes_requested(checker_client, fact_checker):
    from annotations import workflow

    claim = factories.ClaimFactory(
        status=ClaimStatus.IN_REVIEW, assignee=fact_checker, verdict=factories.rating("false"), rationale="R.",
    )
    workflow.apply(claim, fact_checker, "withdraw", note="Found a better source.")
    panel = page(checker_client.get(f"/claims/{claim.pk}/panel/"))
    assert panel.css(".changes-requested") == []


# --- the stale panel ----------------------------------------------------------------------------


def changes(client, claim, since: int, after: int = 0):
    return client.get(f"/claims/{claim.pk}/changes/", {"since": since, "after": after}, headers=HTMX)


def test_the_panel_polls_for_changes_with_its_version_and_latest_history_entry(checker_client, fact_checker):
    claim = factories.ClaimFactory(version=4)
    event = factories.ClaimEventFactory(claim=claim, actor=fact_checker)
    poller = page(checker_client.get(f"/claims/{claim.pk}/panel/")).css_first(f"#stale-{claim.pk}")
    assert poller.attributes["hx-get"] == f"/claims/{claim.pk}/changes/?since=4&after={event.pk}"
    assert poller.attributes["hx-trigger"].startswith("every 15s")
    assert "claim-changed from:body" in poller.attributes["hx-trigger"]


def test_an_unchanged_claim_answers_204_with_one_query(checker_client, fact_checker, django_assert_num_queries):
    claim = factories.ClaimFactory()
    changes(checker_client, claim, claim.version)  # warm the session
    # signing in (session, user and role in one query) + the claim's version: one of the view's own.
    with django_assert_num_queries(2):
        response = changes(checker_client, claim, claim.version)
    assert response.status_code == 204
    assert response.content == b""


def test_a_stale_panel_gets_a_banner_of_who_changed_what_since(checker_client, fact_checker, editor):
    claim = factories.ClaimFactory(statement="Old wording")
    seen = factories.ClaimEventFactory(claim=claim, actor=fact_checker, field="claimant", new_value="Before")
    opened_at = claim.version
    assert edit_as(editor, claim, statement="New <b>wording</b>").status_code == 200
    response = changes(checker_client, claim, opened_at, seen.pk)
    assert response.status_code == 200
    banner = page(response).css_first(".stale-banner")
    text = banner.text()
    assert "This claim changed since you opened it" in text
    assert editor.username in text and "Old wording" in text and "New <b>wording</b>" in text
    assert "Before" not in text  # entries the panel already showed are not repeated
    assert "<b>" not in banner.html
    reload = banner.css_first("button")
    assert reload.text() == "Reload the claim" and reload.attributes["hx-get"] == f"/claims/{claim.pk}/panel/"


def test_the_stale_check_needs_a_version_and_hides_unpublished_claims_from_readers(client, checker_client):
    claim = factories.ClaimFactory()
    assert checker_client.get(f"/claims/{claim.pk}/changes/").status_code == 400
    assert changes(checker_client, claim, "x").status_code == 400
    client.force_login(factories.UserFactory())
    assert changes(client, claim, 1).status_code == 404
    assert changes(checker_client, Claim(pk=424242), 1).status_code == 404


# --- comments: @mentions and #numbers -------------------------------------------------------------


def test_a_number_in_a_comment_links_to_that_claim_and_readers_never_see_the_discussion(client, fact_checker, article):
    published = factories.ClaimFactory(article=article, status=ClaimStatus.PUBLISHED, verdict=factories.rating("true"))
    hidden = factories.ClaimFactory(article=article, phrase="Residents gathered", status=ClaimStatus.RESEARCHING)
    factories.CommentFactory(
        claim=published, body=f"Same as #{hidden.pk} and #{published.pk}; see page#3 <script>x</script>"
    )
    client.force_login(factories.UserFactory())  # a reader: the desk's discussion is internal
    html = client.get(f"/claims/{published.pk}/panel/").content.decode()
    assert "Same as" not in html and f"#{hidden.pk}" not in html
    client.force_login(fact_checker)  # the desk sees both, linked, and the rest escaped
    body = page(client.get(f"/claims/{published.pk}/panel/")).css_first(".comment-list .pre")
    assert [a.text() for a in body.css("a.claim-ref")] == [f"#{hidden.pk}", f"#{published.pk}"]
    assert [a.attributes["href"] for a in body.css("a")] == [f"/claims/{hidden.pk}/", f"/claims/{published.pk}/"]
    assert "<script>" not in body.html and "&lt;script&gt;" in body.html


def test_claim_numbers_in_comments_are_resolved_in_one_query(checker_client):
    claim = factories.ClaimFactory()
    others = [factories.ClaimFactory() for _ in range(5)]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert checker_client.get(f"/claims/{claim.pk}/panel/").status_code == 200
        return len(captured)

    factories.CommentFactory(claim=claim, body=f"See #{others[0].pk}")
    one = queries()
    for other in others[1:]:
        factories.CommentFactory(claim=claim, body=f"And #{other.pk} and #{other.pk + 1000}")
    assert queries() == one


def test_a_comment_mentioning_someone_tells_them_if_they_may_see_the_claim(checker_client, fact_checker):
    from annotations.models import Notification

    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING)
    erin = factories.EditorFactory(username="erin")
    reader = factories.UserFactory(username="rita")
    body = f"@erin please check this; @rita too; not @nobody; and me @{fact_checker.username}."
    response = checker_client.post(
        f"/claims/{claim.pk}/comments/", with_version(claim.pk, {"body": body}), headers=HTMX
    )
    assert response.status_code == 200
    told = Notification.objects.filter(kind=Notification.Kind.MENTIONED)
    assert [(n.recipient, n.claim_id) for n in told] == [(erin, claim.pk)]
    assert f"#{claim.pk}" in told.get().message
    assert not Notification.objects.filter(recipient__in=[reader, fact_checker]).exists()


def test_the_stale_banner_costs_the_same_queries_however_many_changes_were_missed(checker_client, editor):
    claim = factories.ClaimFactory()
    opened_at = claim.version

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert changes(checker_client, claim, opened_at).status_code == 200
        return len(captured)

    edit_as(editor, claim, statement="First change")
    one = queries()
    for index in range(30):
        factories.ClaimEventFactory(claim=claim, actor=factories.EditorFactory(), new_value=f"Change {index}")
    Claim.objects.filter(pk=claim.pk).update(version=claim.version + 30)
    assert queries() == one


# --- sources carry the claim's version: a stale panel cannot overwrite newer work ---------------


def test_a_source_change_from_a_stale_panel_is_refused_with_409_and_nothing_changes(checker_client, fact_checker):
    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=fact_checker)
    source = factories.SourceFactory(claim=claim, title="Original title")
    stale = claim.version
    Claim.objects.filter(pk=claim.pk).update(version=stale + 1)  # someone saved since the panel opened
    events = ClaimEvent.objects.count()
    edit = checker_client.post(
        f"/claims/{claim.pk}/sources/{source.pk}/edit/",
        {
            "version": stale,
            f"source-{source.pk}-url": "https://example.org/new",
            f"source-{source.pk}-stance": "refutes",
            f"source-{source.pk}-title": "Overwritten",
        },
        HTTP_HX_REQUEST="true",
    )
    remove = checker_client.post(
        f"/claims/{claim.pk}/sources/{source.pk}/remove/", {"version": stale}, HTTP_HX_REQUEST="true"
    )
    add = checker_client.post(
        f"/claims/{claim.pk}/sources/",
        {"version": stale, "new-source-url": "https://example.org/x", "new-source-stance": "supports"},
        HTTP_HX_REQUEST="true",
    )
    assert [edit.status_code, remove.status_code, add.status_code] == [409, 409, 409]
    assert "changed since you opened it" in edit.content.decode()
    source.refresh_from_db()
    assert source.title == "Original title"
    assert claim.sources.count() == 1
    assert ClaimEvent.objects.count() == events


def test_the_panels_source_forms_carry_the_claims_version(checker_client, fact_checker):
    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=fact_checker)
    factories.SourceFactory(claim=claim)
    html = checker_client.get(f"/claims/{claim.pk}/panel/").content.decode()
    assert html.count(f'name="version" value="{claim.version}"') >= 3
