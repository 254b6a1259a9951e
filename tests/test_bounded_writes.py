"""Bounded writes (issue 15): length caps and the claims-per-article cap at every door, and the
version every browser write must carry (428 without it, 409 with an old one).

The caps are settings (``FACTDESK_MAX_*_CHARS``, ``FACTDESK_MAX_CLAIMS_PER_ARTICLE``); most
tests lower them with the ``settings`` fixture so the texts stay small, and one uses the
defaults with a quote longer than 5,000 characters.
"""

from __future__ import annotations

import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from annotations import claim_corrections, limits, services, workflow
from annotations.exports.w3c import import_annotations
from annotations.highlight import utf16_length
from annotations.models import AnchorState, Claim, ClaimCorrection, ClaimEvent, ClaimStatus, Comment, Source
from annotations.review_context import review_actions_for
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
VERSION_MESSAGE = "Reload the claim: this change did not say which version it was made on."


def page(response) -> HTMLParser:
    return HTMLParser(response.content.decode())


@pytest.fixture
def small_caps(settings):
    """Caps small enough to exceed with a few words."""
    settings.FACTDESK_MAX_QUOTE_CHARS = 40
    settings.FACTDESK_MAX_STATEMENT_CHARS = 40
    settings.FACTDESK_MAX_CLAIMANT_CHARS = 20
    settings.FACTDESK_MAX_RATIONALE_CHARS = 30
    settings.FACTDESK_MAX_COMMENT_CHARS = 25
    settings.FACTDESK_MAX_SOURCE_TITLE_CHARS = 15
    settings.FACTDESK_MAX_SOURCE_EXCERPT_CHARS = 30
    settings.FACTDESK_MAX_NOTE_CHARS = 20
    return settings


def researching(user) -> Claim:
    return factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=user, created_by=user)


# --- the limits themselves -----------------------------------------------------------------------


def test_the_sentence_says_how_long_the_text_is_and_what_the_limit_is(settings):
    settings.FACTDESK_MAX_QUOTE_CHARS = 5000
    assert limits.length_error("quote", "x" * 490_000) == "The quote is 490,000 characters; the limit is 5,000."
    assert limits.length_error("quote", "x" * 5000) is None


def test_the_claims_cap_sentence_names_the_count_and_the_limit(settings):
    settings.FACTDESK_MAX_CLAIMS_PER_ARTICLE = 1000
    assert limits.too_many_claims(999) is None
    assert limits.too_many_claims(1000) == "This article already has 1,000 claims, the most one article may have."
    assert limits.too_many_claims(1200) == "This article already has 1,200 claims; one article may have at most 1,000."


def test_a_setting_cannot_raise_a_cap_above_its_database_column(settings):
    settings.FACTDESK_MAX_CLAIMANT_CHARS = 10_000
    settings.FACTDESK_MAX_SOURCE_TITLE_CHARS = 10_000
    assert limits.max_chars("claimant") == Claim._meta.get_field("claimant").max_length
    assert limits.max_chars("source_title") == Source._meta.get_field("title").max_length


# --- services: every door goes through them ------------------------------------------------------


def test_a_quote_longer_than_the_default_cap_is_refused_and_nothing_is_stored(fact_checker):
    body = "Opening words. " + "The council spent money on roads and bridges. " * 150 + "Closing words."
    article = factories.ArticleFactory(body=body)
    start, end = len("Opening words. "), len(body) - len(" Closing words.")
    assert end - start > 5000
    with pytest.raises(ValidationError) as refused:
        services.create_claim(article, start, end, body[start:end], user=fact_checker)
    assert refused.value.message_dict == {"exact": [f"The quote is {end - start:,} characters; the limit is 5,000."]}
    assert not Claim.objects.exists()
    assert not ClaimEvent.objects.exists()


def test_a_new_claims_statement_and_claimant_are_capped(small_caps, fact_checker):
    article = factories.ArticleFactory()
    start = article.body.index("unemployment")
    with pytest.raises(ValidationError) as refused:
        services.create_claim(
            article, start, start + 12, "unemployment", user=fact_checker,
            statement="s" * 41, claimant="c" * 21,
        )
    assert refused.value.message_dict == {
        "statement": ["The statement is 41 characters; the limit is 40."],
        "claimant": ["The claimant is 21 characters; the limit is 20."],
    }
    assert not Claim.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("statement", "s" * 41, "The statement is 41 characters; the limit is 40."),
    ("claimant", "c" * 21, "The claimant is 21 characters; the limit is 20."),
    ("rationale", "r" * 31, "The rationale is 31 characters; the limit is 30."),
])
def test_an_edit_longer_than_its_cap_changes_nothing(small_caps, fact_checker, field, value, message):
    claim = researching(fact_checker)
    events = ClaimEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.update_claim(claim, user=fact_checker, expected_version=claim.version, changes={field: value})
    assert refused.value.message_dict == {field: [message]}
    assert Claim.objects.get(pk=claim.pk).version == claim.version
    assert ClaimEvent.objects.count() == events


def test_a_stored_text_over_a_lowered_cap_does_not_block_editing_other_fields(settings, fact_checker):
    claim = researching(fact_checker)
    settings.FACTDESK_MAX_STATEMENT_CHARS = 5  # lowered after the statement was written
    updated = services.update_claim(
        claim, user=fact_checker, expected_version=claim.version,
        changes={"statement": claim.statement, "claimant": "The mayor"},
    )
    assert updated.claimant == "The mayor"


def test_source_title_publisher_and_excerpt_are_capped_when_added_and_changed(small_caps, fact_checker):
    claim = researching(fact_checker)
    with pytest.raises(ValidationError) as refused:
        services.add_source(
            claim, user=fact_checker, expected_version=claim.version,
            url="https://stats.example.org/", title="t" * 16, publisher="p" * 201, excerpt="e" * 31,
        )
    assert refused.value.message_dict == {
        "title": ["The source title is 16 characters; the limit is 15."],
        "publisher": ["The source publisher is 201 characters; the limit is 200."],
        "excerpt": ["The source excerpt is 31 characters; the limit is 30."],
    }
    assert not Source.objects.exists()
    source = services.add_source(claim, user=fact_checker, expected_version=claim.version, url="https://x.example/")
    claim.refresh_from_db()
    with pytest.raises(ValidationError, match="The source title is 16 characters"):
        services.update_source(source, user=fact_checker, expected_version=claim.version, title="t" * 16)
    assert Source.objects.get(pk=source.pk).title == ""


def test_a_comment_longer_than_its_cap_is_refused(small_caps, fact_checker):
    claim = researching(fact_checker)
    with pytest.raises(ValidationError) as refused:
        services.add_comment(claim, user=fact_checker, body="w" * 26)
    assert refused.value.message_dict == {"body": ["The comment is 26 characters; the limit is 25."]}
    assert not Comment.objects.exists()


def test_a_workflow_note_longer_than_its_cap_is_refused_as_not_ready(small_caps, fact_checker):
    claim = factories.ClaimFactory(status=ClaimStatus.NEW)
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.apply(claim, fact_checker, "take", note="n" * 21)
    assert refused.value.reasons == ["The note is 21 characters; the limit is 20."]
    assert refused.value.status_code == 400
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.NEW


def test_the_dismissal_reason_keeps_its_own_shorter_limit_in_the_form(editor):
    claim = factories.ClaimFactory(status=ClaimStatus.NEW)
    transitions = {t.name: t for t in review_actions_for(claim, editor).transitions}
    assert transitions["dismiss"].note_limit == workflow.MAX_REASON_LENGTH
    assert transitions["assign"].note_limit == limits.max_chars("note")


def test_a_correction_is_refused_when_a_corrected_text_or_its_note_is_too_long(small_caps, fact_checker):
    claim = factories.ClaimFactory(status=ClaimStatus.PUBLISHED, verdict=rating("false"), rationale="Old.")
    factories.SourceFactory(claim=claim)
    with pytest.raises(ValidationError) as refused:
        claim_corrections.propose_correction(
            claim, user=fact_checker, expected_version=claim.version,
            changes={"rationale": "r" * 31, "sources_added": [{"url": "https://x.example/", "title": "t" * 16}]},
            note="n" * 21,
        )
    assert refused.value.messages == [
        "The rationale is 31 characters; the limit is 30.",
        "New source 1: The source title is 16 characters; the limit is 15.",
        "The note is 21 characters; the limit is 20.",
    ]
    assert not ClaimCorrection.objects.exists()


# --- claims per article ---------------------------------------------------------------------------


def _new_claim(article, user, phrase: str) -> Claim:
    start = article.body.index(phrase)
    return services.create_claim(article, start, start + len(phrase), phrase, user=user)


def test_the_claim_after_the_cap_is_refused_with_the_count(settings, fact_checker):
    settings.FACTDESK_MAX_CLAIMS_PER_ARTICLE = 2
    article = factories.ArticleFactory()
    _new_claim(article, fact_checker, "city council")
    _new_claim(article, fact_checker, "town hall")
    with pytest.raises(ValidationError) as refused:
        _new_claim(article, fact_checker, "the mayor said")
    assert refused.value.messages == ["This article already has 2 claims, the most one article may have."]
    assert article.claims.count() == 2
    # Other articles are not affected.
    _new_claim(factories.ArticleFactory(), fact_checker, "town hall")


def test_the_claims_of_an_article_are_counted_with_one_query(settings, fact_checker):
    settings.FACTDESK_MAX_CLAIMS_PER_ARTICLE = 1000
    article = factories.ArticleFactory()
    for _ in range(5):
        factories.ClaimFactory(article=article)
    with CaptureQueriesContext(connection) as captured:
        _new_claim(article, fact_checker, "town hall")
    counts = [query["sql"] for query in captured if "COUNT(" in query["sql"].upper()]
    assert len(counts) == 1


def test_a_full_article_refuses_a_browser_selection_with_a_400_alert(settings, checker_client):
    settings.FACTDESK_MAX_CLAIMS_PER_ARTICLE = 1
    article = factories.ArticleFactory()
    factories.ClaimFactory(article=article)
    quote = "town hall"
    start16 = utf16_length(article.body[: article.body.index(quote)])
    response = checker_client.post(
        f"/articles/{article.pk}/claims/", {"start": start16, "end": start16 + len(quote), "exact": quote},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#annotate-alert"
    assert "This article already has 1 claim, the most one article may have." in response.content.decode()
    assert article.claims.count() == 1


def test_accepting_a_suggestion_on_a_full_article_is_a_400_not_a_crash(settings, checker_client):
    settings.FACTDESK_MAX_CLAIMS_PER_ARTICLE = 1
    article = factories.ArticleFactory()
    factories.ClaimFactory(article=article, phrase="town hall")
    sentence = "Officials claimed that unemployment fell to 6 percent, the lowest level since 2009."
    start = article.body.index(sentence)
    response = checker_client.post(
        reverse("search:accept_suggestion", args=[article.pk]),
        {"start": start, "end": start + len(sentence), "sentence": sentence}, headers=HTMX,
    )
    assert response.status_code == 400
    assert "This article already has 1 claim, the most" in response.content.decode()
    assert article.claims.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level locking is only real on PostgreSQL")
def test_two_creates_racing_for_the_last_place_let_exactly_one_through(settings):
    settings.FACTDESK_MAX_CLAIMS_PER_ARTICLE = 1
    article = factories.ArticleFactory()
    users = [factories.FactCheckerFactory(), factories.FactCheckerFactory()]
    phrases = ["city council", "town hall"]
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[object] = []

    def create(index: int) -> None:
        try:
            barrier.wait()
            outcomes.append(_new_claim(article, users[index], phrases[index]))
        except BaseException as error:  # every outcome is inspected below
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    created = [o for o in outcomes if isinstance(o, Claim)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(created), len(refused)) == (1, 1), outcomes
    assert Claim.objects.filter(article=article).count() == 1


# --- the browser, the admin, the command, the W3C import -----------------------------------------


def test_the_panel_answers_an_over_long_edit_with_400_and_the_sentence_by_its_field(small_caps, checker_client,
                                                                                   fact_checker):
    claim = researching(fact_checker)
    response = checker_client.post(
        f"/claims/{claim.pk}/edit/", {"version": claim.version, "verdict": "", "rationale": "r" * 31}, headers=HTMX
    )
    assert response.status_code == 400
    assert "The rationale is 31 characters; the limit is 30." in page(response).text()
    assert Claim.objects.get(pk=claim.pk).version == claim.version


def test_over_long_comment_and_source_title_answer_400_and_store_nothing(small_caps, checker_client, fact_checker):
    claim = researching(fact_checker)
    comment = checker_client.post(
        f"/claims/{claim.pk}/comments/", {"version": claim.version, "body": "w" * 26}, headers=HTMX
    )
    source = checker_client.post(
        f"/claims/{claim.pk}/sources/",
        {"version": claim.version, "new-source-url": "https://x.example/", "new-source-stance": "context",
         "new-source-title": "t" * 16},
        headers=HTMX,
    )
    assert (comment.status_code, source.status_code) == (400, 400)
    assert "The comment is 26 characters; the limit is 25." in comment.content.decode()
    assert "The source title is 16 characters; the limit is 15." in source.content.decode()
    assert not Comment.objects.exists() and not Source.objects.exists()


def test_an_over_long_selection_is_a_400_alert_with_the_sentence(small_caps, checker_client):
    article = factories.ArticleFactory()
    quote = article.body.split("\n\n")[0]
    response = checker_client.post(
        f"/articles/{article.pk}/claims/", {"start": 0, "end": utf16_length(quote), "exact": quote}, headers=HTMX
    )
    assert response.status_code == 400
    assert f"The quote is {len(quote)} characters; the limit is 40." in response.content.decode()
    assert not Claim.objects.exists()


def test_the_panels_inputs_carry_the_caps_as_maxlength(checker_client, fact_checker):
    claim = researching(fact_checker)
    panel = page(checker_client.get(f"/claims/{claim.pk}/panel/"))
    maxlength = {
        element.attributes.get("name"): element.attributes.get("maxlength")
        for element in panel.css("textarea, input")
        if element.attributes.get("name") in {"statement", "claimant", "rationale", "body", "new-source-title"}
    }
    assert maxlength == {
        "statement": "5000", "claimant": "300", "rationale": "20000", "body": "10000", "new-source-title": "500",
    }


def test_the_admin_shows_an_over_long_rationale_as_a_form_error(small_caps, admin_client):
    from tests.test_write_paths import form_data

    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING)
    url = reverse("admin:annotations_claim_change", args=[claim.pk])
    data = {**form_data(admin_client.get(url)), "rationale": "r" * 31}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["rationale"] == ["The rationale is 31 characters; the limit is 30."]
    assert Claim.objects.get(pk=claim.pk).rationale == claim.rationale


def test_the_claim_command_prints_the_cap(small_caps, fact_checker):
    claim = researching(fact_checker)
    with pytest.raises(CommandError, match=r"Nothing was changed\. The rationale is 31 characters; the limit is 30\."):
        call_command("claim", "edit", str(claim.pk), "--user", fact_checker.username, "--rationale", "r" * 31,
                     stdout=io.StringIO())
    assert Claim.objects.get(pk=claim.pk).version == claim.version


def test_a_w3c_import_reports_an_over_long_annotation_and_keeps_the_others(small_caps, editor):
    article = factories.ArticleFactory()
    good = {"type": "Annotation", "target": {"selector": {"type": "TextQuoteSelector", "exact": "town hall"}}}
    long = {
        "type": "Annotation",
        "target": {"selector": {"type": "TextQuoteSelector", "exact": "the mayor said"}},
        "body": [{"type": "TextualBody", "purpose": "describing", "value": "s" * 41}],
    }
    result = import_annotations(article, [good, long], editor)
    assert [row.status for row in result.rows] == ["created", "failed"]
    assert result.rows[1].message == "The statement is 41 characters; the limit is 40."
    assert list(article.claims.values_list("exact", flat=True)) == ["town hall"]


# --- every browser write says which version it was made on ---------------------------------------


@pytest.fixture
def desk():
    """The people and claims the write endpoints act on."""
    proposer = factories.FactCheckerFactory()
    editor = factories.EditorFactory()
    claim = factories.ClaimFactory(status=ClaimStatus.NEW, created_by=proposer)
    source = factories.SourceFactory(claim=claim)
    published = factories.ClaimFactory(
        status=ClaimStatus.PUBLISHED, verdict=rating("false"), rationale="Old.", phrase="town hall",
        article=claim.article,
    )
    factories.SourceFactory(claim=published)
    correction = claim_corrections.propose_correction(
        published, user=proposer, changes={"rationale": "Revised."}, note="The office revised it.",
        expected_version=published.version,
    )
    moved = factories.ClaimFactory(phrase="city council", article=claim.article, anchor_state=AnchorState.MOVED)
    return {"proposer": proposer, "editor": editor, "claim": claim, "source": source, "published": published,
            "correction": correction, "moved": moved}


def _reattach_data(desk) -> dict[str, object]:
    body = desk["claim"].article.body
    start = body.index("the mayor said")
    return {"start": utf16_length(body[:start]), "end": utf16_length(body[:start]) + 14, "exact": "the mayor said"}


#: Every browser endpoint that writes a claim (or its sources, comments, corrections, anchor):
#: who posts, which claim it changes, the URL and the rest of the form (valid apart from the version).
WRITES = {
    "edit": ("editor", "claim", lambda d: reverse("annotations:edit", args=[d["claim"].pk]),
             lambda d: {"statement": "Reworded"}),
    "source_add": ("editor", "claim", lambda d: reverse("annotations:source_add", args=[d["claim"].pk]),
                   lambda d: {"new-source-url": "https://x.example/", "new-source-stance": "context"}),
    "source_edit": ("editor", "claim",
                    lambda d: reverse("annotations:source_edit", args=[d["claim"].pk, d["source"].pk]),
                    lambda d: {f"source-{d['source'].pk}-url": "https://y.example/",
                               f"source-{d['source'].pk}-stance": "supports"}),
    "source_remove": ("editor", "claim",
                      lambda d: reverse("annotations:source_remove", args=[d["claim"].pk, d["source"].pk]),
                      lambda d: {}),
    "source_archive": ("editor", "claim",
                       lambda d: reverse("annotations:source_archive", args=[d["claim"].pk, d["source"].pk]),
                       lambda d: {}),
    "comment_add": ("editor", "claim", lambda d: reverse("annotations:comment_add", args=[d["claim"].pk]),
                    lambda d: {"body": "Checked."}),
    "delete": ("editor", "claim", lambda d: reverse("annotations:delete", args=[d["claim"].pk]),
               lambda d: {"note": "Duplicate."}),
    "transition": ("editor", "claim", lambda d: reverse("review:transition", args=[d["claim"].pk, "take"]),
                   lambda d: {}),
    "correction_propose": ("editor", "published",
                           lambda d: reverse("annotations:correction_propose", args=[d["published"].pk]),
                           lambda d: {}),
    "correction_publish": ("editor", "published",
                           lambda d: reverse("annotations:correction_publish",
                                             args=[d["published"].pk, d["correction"].pk]),
                           lambda d: {}),
    "correction_reject": ("editor", "published",
                          lambda d: reverse("annotations:correction_reject",
                                            args=[d["published"].pk, d["correction"].pk]),
                          lambda d: {"note": "Not needed."}),
    "correction_withdraw": ("proposer", "published",
                            lambda d: reverse("annotations:correction_withdraw",
                                              args=[d["published"].pk, d["correction"].pk]),
                            lambda d: {}),
    "reattach": ("editor", "claim",
                 lambda d: reverse("articles:reattach", args=[d["claim"].article_id, d["claim"].pk]), _reattach_data),
    "checked": ("editor", "moved",
                lambda d: reverse("articles:checked", args=[d["moved"].article_id, d["moved"].pk]), lambda d: {}),
}


def _state(desk) -> tuple:
    """Everything a write could change, to compare before and after."""
    return (
        list(Claim.objects.order_by("pk").values_list("pk", "version", "statement", "anchor_state", "status")),
        ClaimEvent.objects.count(), Comment.objects.count(),
        list(Source.objects.order_by("pk").values_list("pk", "url", "archive_url")),
        list(ClaimCorrection.objects.values_list("pk", "status")),
    )


@pytest.mark.parametrize("version", [None, "", "abc", "-3", "9" * 40])
@pytest.mark.parametrize("name", list(WRITES))
def test_a_write_without_a_usable_version_is_refused_with_428_and_changes_nothing(client, desk, name, version):
    actor, _, url, data = WRITES[name]
    client.force_login(desk[actor])
    form = data(desk)
    if version is not None:
        form["version"] = version
    before = _state(desk)
    response = client.post(url(desk), form, headers=HTMX)
    assert response.status_code == 428, response.content.decode()[:500]
    assert VERSION_MESSAGE in response.content.decode()
    assert _state(desk) == before


@pytest.mark.parametrize("name", ["edit", "source_add", "comment_add", "delete", "source_remove"])
def test_the_428_of_a_panel_write_goes_to_the_pages_alert_region(client, desk, name):
    actor, _, url, data = WRITES[name]
    client.force_login(desk[actor])
    response = client.post(url(desk), data(desk), headers=HTMX)
    assert response.status_code == 428
    assert response["HX-Retarget"] == "#annotate-alert"


def test_a_review_step_without_a_version_is_428_in_the_review_partial(editor_client):
    claim = factories.ClaimFactory(status=ClaimStatus.NEW)
    response = editor_client.post(reverse("review:transition", args=[claim.pk, "take"]), headers=HTMX)
    assert response.status_code == 428
    assert VERSION_MESSAGE in page(response).css_first(f"#claim-actions-{claim.pk} [role=alert]").text()
    plain = editor_client.post(reverse("review:transition", args=[claim.pk, "take"]))
    assert plain.status_code == 428
    assert "That step was not taken" in plain.content.decode()


def test_someone_who_may_not_take_the_step_hears_that_first(checker_client):
    claim = factories.ClaimFactory(status=ClaimStatus.NEW)
    response = checker_client.post(reverse("review:transition", args=[claim.pk, "dismiss"]), headers=HTMX)
    assert response.status_code == 403


@pytest.mark.parametrize("name", [name for name in WRITES if name != "correction_propose"])
def test_a_write_with_an_old_version_is_refused_with_409_and_changes_nothing(client, desk, name):
    actor, target, url, data = WRITES[name]
    client.force_login(desk[actor])
    claim = desk[target]
    stale = Claim.objects.get(pk=claim.pk).version
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1)  # someone saved meanwhile
    before = _state(desk)
    response = client.post(url(desk), {**data(desk), "version": stale}, headers=HTMX)
    assert response.status_code == 409, response.content.decode()[:500]
    assert _state(desk) == before


@pytest.mark.parametrize("name", list(WRITES))
def test_a_write_with_the_current_version_goes_through(client, desk, name):
    if name == "source_archive":
        pytest.skip("archiving fetches the page; tests/test_snapshots.py covers the fetch with a version")
    if name == "correction_propose":
        pytest.skip("the proposal form's fields: tests/test_correction_views.py")
    actor, target, url, data = WRITES[name]
    client.force_login(desk[actor])
    response = client.post(url(desk), {**data(desk), "version": desk[target].version}, headers=HTMX)
    assert response.status_code in (200, 302), response.content.decode()[:500]


# --- every form that writes carries the version it was rendered at --------------------------------


def _posting_forms_without_a_version(html: str) -> list[str]:
    document = HTMLParser(html)
    missing = []
    for form in document.css("form"):
        posts = (form.attributes.get("method") or "").lower() == "post" or "hx-post" in form.attributes
        action = form.attributes.get("hx-post") or form.attributes.get("action") or ""
        if posts and "/claims/" in action and not form.css("input[name=version]"):
            missing.append(action)
    return missing


def test_every_panel_form_that_writes_carries_the_claims_version(client, desk):
    client.force_login(desk["editor"])
    claim = desk["claim"]
    panels = [
        client.get(reverse("annotations:panel", args=[claim.pk])),
        client.get(reverse("annotations:delete", args=[claim.pk]), headers=HTMX),
        client.get(reverse("annotations:source_edit", args=[claim.pk, desk["source"].pk]), headers=HTMX),
        client.get(reverse("annotations:panel", args=[desk["published"].pk])),
    ]
    client.force_login(desk["proposer"])
    panels.append(client.get(reverse("annotations:panel", args=[desk["published"].pk])))
    for response in panels:
        html = response.content.decode()
        assert _posting_forms_without_a_version(html) == []
        assert f'name="version" value="{Claim.objects.get(pk=response.context["claim"].pk).version}"' in html


def test_the_published_claims_panel_offers_its_correction_steps_with_the_version(client, desk):
    client.force_login(desk["editor"])
    html = client.get(reverse("annotations:panel", args=[desk["published"].pk])).content.decode()
    for step in ("publish", "reject"):
        action = reverse(f"annotations:correction_{step}", args=[desk["published"].pk, desk["correction"].pk])
        assert action in html
    assert _posting_forms_without_a_version(html) == []


def test_the_reattach_page_and_the_corrections_panel_send_the_version(editor_client, desk):
    claim, moved = desk["claim"], desk["moved"]
    reattach = editor_client.get(reverse("articles:reattach", args=[claim.article_id, claim.pk])).content.decode()
    assert reattach.count(f'name="version" value="{claim.version}"') >= 1
    article_page = editor_client.get(reverse("articles:detail", args=[claim.article_id])).content.decode()
    action = reverse("articles:checked", args=[moved.article_id, moved.pk])
    checked = HTMLParser(article_page).css_first(f"form[action='{action}']")
    assert checked.css_first("input[name=version]").attributes["value"] == str(moved.version)


# --- the admin's single-object deletes use the version their confirmation showed ------------------


def test_the_admin_delete_confirmation_carries_the_claims_version_and_a_stale_one_deletes_nothing(admin_client):
    claim = factories.ClaimFactory()
    url = reverse("admin:annotations_claim_delete", args=[claim.pk])
    confirmation = HTMLParser(admin_client.get(url).content.decode())
    assert confirmation.css_first("input[name=expected_version]").attributes["value"] == str(claim.version)
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1)
    response = admin_client.post(url, {"post": "yes", "expected_version": claim.version}, follow=True)
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert "Nothing was deleted. This claim was changed by someone else" in response.content.decode()
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert "did not say which version of the claim it showed" in response.content.decode()
    assert not ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.DELETED).exists()


def test_the_source_admin_delete_checks_its_claims_version(admin_client):
    source = factories.SourceFactory()
    url = reverse("admin:annotations_source_delete", args=[source.pk])
    confirmation = HTMLParser(admin_client.get(url).content.decode())
    assert confirmation.css_first("input[name=expected_version]").attributes["value"] == str(source.claim.version)
    Claim.objects.filter(pk=source.claim_id).update(version=F("version") + 1)
    admin_client.post(url, {"post": "yes", "expected_version": source.claim.version})
    assert Source.objects.filter(pk=source.pk).exists()
    admin_client.post(url, {"post": "yes", "expected_version": source.claim.version + 1})
    assert not Source.objects.filter(pk=source.pk).exists()


# --- commands and jobs keep acting on the current state on purpose --------------------------------


def test_services_still_accept_no_version_for_commands_and_jobs(fact_checker):
    claim = factories.ClaimFactory(created_by=fact_checker)
    services.add_comment(claim, user=fact_checker, body="From a job.")
    services.delete_claim(claim, user=fact_checker, note="Cleanup.")
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_a_comment_with_an_old_version_is_refused_by_the_service(fact_checker):
    claim = researching(fact_checker)
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1)
    with pytest.raises(services.EditConflict):
        services.add_comment(claim, user=fact_checker, body="On old values.", expected_version=claim.version)
    assert not Comment.objects.exists()


def test_a_comment_does_not_bump_the_version(fact_checker):
    claim = researching(fact_checker)
    services.add_comment(claim, user=fact_checker, body="First.", expected_version=claim.version)
    services.add_comment(claim, user=fact_checker, body="Second.", expected_version=claim.version)
    assert Claim.objects.get(pk=claim.pk).version == claim.version
