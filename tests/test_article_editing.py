"""Browser pages for adding and correcting articles: new, upload, edit, revisions, re-attach, panel."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory, override_settings
from django.urls import reverse

from annotations.anchoring import index_to_utf16
from annotations.models import AnchorState, Claim, ClaimStatus
from annotations.services import create_claim
from articles import corrections
from articles.models import Article, ArticleRevision
from tests import factories

pytestmark = pytest.mark.django_db

BODY = (
    "The ferry company said on Friday that fares would rise by 4 percent in spring.\n\n"
    "Its chief executive claimed the route had carried 1.2 million passengers last year.\n\n"
    "Unions said they had not been consulted about the changes."
)

AGGREGATOR_PAGE = """
Island ferry fares to rise in spring
PORT AVEN: The island ferry company said fares would rise by four percent from April.
The company blamed higher fuel costs and new safety rules.
Hashtags

Comments
No comments yet...
Related Articles


Harbour Times
2 hours ago
- Harbour Times
Dock workers vote on new contract
Dock workers at the main terminal began voting on a two-year pay deal on Monday, their union said.


Coastal Daily
5 hours ago
- Coastal Daily
Lighthouse restoration finished ahead of schedule
Volunteers completed the restoration of the old lighthouse three weeks early, the trust said.
"""


def new_article_data(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Ferry fares to rise",
        "outlet": "Harbour Times",
        "byline": "Sam Reporter",
        "url": "https://harbour.example/fares",
        "published_on": "2024-03-01",
        "language": "en",
        "body": BODY,
    }
    data.update(overrides)
    return data


def claim_on(article: Article, phrase: str, user=None) -> Claim:
    start = article.body.index(phrase)
    return create_claim(article, start, start + len(phrase), phrase, user=user, check_permission=False)


# ------------------------------------------------------------------ new article


def test_editor_adds_a_pasted_article_with_canonical_body(editor_client, editor):
    raw = BODY.replace("\n\n", "   \r\n\r\n\r\n")
    response = editor_client.post(reverse("editing:new"), new_article_data(body=raw))
    article = Article.objects.get(url="https://harbour.example/fares")
    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url()
    assert article.body == BODY
    assert (article.outlet, article.byline) == ("Harbour Times", "Sam Reporter")
    assert str(article.published_on) == "2024-03-01"
    assert article.added_by == editor


def test_fact_checkers_cannot_open_or_post_the_new_article_page(checker_client):
    assert checker_client.get(reverse("editing:new")).status_code == 403
    assert checker_client.post(reverse("editing:new"), new_article_data()).status_code == 403
    assert not Article.objects.exists()


def test_duplicate_url_is_refused_with_a_link_to_the_existing_article(editor_client):
    existing = factories.ArticleFactory(url="https://harbour.example/fares", body="Other text entirely.")
    response = editor_client.post(reverse("editing:new"), new_article_data())
    content = response.content.decode()
    assert response.status_code == 200
    assert "already on the desk (same URL)" in content
    assert existing.get_absolute_url() in content
    assert Article.objects.count() == 1


def test_duplicate_text_under_another_url_is_refused(editor_client):
    factories.ArticleFactory(body=BODY)
    response = editor_client.post(reverse("editing:new"), new_article_data(url="https://elsewhere.example/x"))
    assert "already on the desk (same text)" in response.content.decode()
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"url": "javascript:alert(1)"}, "url", "http"),
        ({"body": " \n\n "}, "body", "empty body"),
        ({"title": ""}, "title", "required"),
        ({"language": "not a language"}, "language", "language code"),
        ({"published_on": "03/04/2024"}, "published_on", "valid date"),
    ],
)
def test_bad_input_gets_a_specific_message_on_its_field(editor_client, overrides, field, message):
    response = editor_client.post(reverse("editing:new"), new_article_data(**overrides))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert not Article.objects.exists()


@override_settings(FACTDESK_MAX_BODY_CHARS=50)
def test_body_over_the_configured_limit_is_refused_with_the_limit(editor_client):
    response = editor_client.post(reverse("editing:new"), new_article_data())
    assert "the limit is 50" in " ".join(response.context["form"].errors["body"])
    assert not Article.objects.exists()


# ------------------------------------------------------------------ upload


def upload(client, name: str, content: bytes | str):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(reverse("editing:upload"), {"file": SimpleUploadedFile(name, data)})


def test_uploaded_aggregator_page_gives_the_main_and_each_related_article(editor_client):
    response = upload(editor_client, "page.txt", AGGREGATOR_PAGE)
    assert response.status_code == 200
    titles = set(Article.objects.values_list("title", flat=True))
    assert titles == {
        "Island ferry fares to rise in spring",
        "Dock workers vote on new contract",
        "Lighthouse restoration finished ahead of schedule",
    }
    assert Article.objects.get(title="Dock workers vote on new contract").outlet == "Harbour Times"
    main = Article.objects.get(title="Island ferry fares to rise in spring")
    assert "Comments" not in main.body and "Hashtags" not in main.body
    report = response.context["report"]
    assert (len(report["created"]), len(report["skipped"]), len(report["failed"])) == (3, 0, 0)
    assert main.get_absolute_url() in response.content.decode()


def test_uploading_the_same_page_again_creates_nothing_and_says_so(editor_client):
    upload(editor_client, "page.txt", AGGREGATOR_PAGE)
    response = upload(editor_client, "page-again.txt", AGGREGATOR_PAGE)
    assert Article.objects.count() == 3
    assert len(response.context["report"]["skipped"]) == 3
    assert "3</strong> skipped as duplicates" in response.content.decode()


def test_uploaded_html_is_reduced_to_clean_paragraphs(editor_client):
    html = (
        "<html><head><title>Ignored</title><script>var tracking = 1;</script></head><body>"
        "<nav>Home | Sports | Weather</nav><article><h1>Ferry timetable changes</h1>"
        "<p>The first <b>sailing</b> leaves at 6 a.m.</p><p>The last one at 11 p.m.</p></article>"
        "<footer>© Example News</footer></body></html>"
    )
    upload(editor_client, "page.html", html)
    article = Article.objects.get()
    assert article.title == "Ferry timetable changes"
    assert article.body == "The first sailing leaves at 6 a.m.\n\nThe last one at 11 p.m."


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"%PDF-1.4", "Unsupported file type '.pdf'"),
        ("list.csv", b"title,body\nA,B\n", "Unsupported file type '.csv'"),
        ("noext", b"text", "(no extension)"),
    ],
)
def test_upload_of_an_unsupported_type_is_refused_before_reading(editor_client, name, content, message):
    response = upload(editor_client, name, content)
    assert message in " ".join(response.context["form"].errors["file"])
    assert not Article.objects.exists()


@override_settings(FACTDESK_MAX_UPLOAD_BYTES=1024)
def test_upload_over_the_size_limit_is_refused_with_both_sizes(editor_client):
    response = upload(editor_client, "big.txt", "Title\n\n" + "x" * 2000)
    assert "The file is 2 KB; the limit is 1 KB." in response.context["form"].errors["file"]
    assert not Article.objects.exists()


def test_upload_in_a_wrong_encoding_is_reported_not_guessed(editor_client):
    latin1 = "Caf\u00e9 prices rise\n\nThe caf\u00e9 raised prices.".encode("latin-1")
    response = upload(editor_client, "latin.txt", latin1)
    [(origin, reason)] = response.context["report"]["failed"]
    assert origin == "latin.txt"
    assert "not valid UTF-8" in reason
    assert not Article.objects.exists()


def test_empty_upload_is_refused(editor_client):
    response = upload(editor_client, "empty.txt", b"")
    assert "empty" in " ".join(response.context["form"].errors["file"])


def test_fact_checkers_cannot_upload(checker_client):
    assert upload(checker_client, "page.txt", AGGREGATOR_PAGE).status_code == 403
    assert not Article.objects.exists()


# ------------------------------------------------------------------ edit page


def test_edit_page_shows_the_text_and_the_version_it_is_based_on(editor_client):
    article = factories.ArticleFactory(body=BODY)
    response = editor_client.get(reverse("editing:edit", args=[article.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["body"].value() == BODY and form["version"].value() == 1
    assert 'name="version"' in response.content.decode()


def test_saving_an_edit_reanchors_claims_and_reports_them_in_a_message(editor_client, editor):
    article = factories.ArticleFactory(body=BODY)
    claim_on(article, "fares would rise by 4 percent")
    claim_on(article, "had not been consulted")
    new_body = "Updated: " + BODY.replace("had not been consulted", "were informed late")
    response = editor_client.post(
        reverse("editing:edit", args=[article.pk]),
        {"title": article.title, "body": new_body, "version": 1, "note": "Union statement updated"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == article.get_absolute_url()
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["Saved version 2. 1 claim anchored, 0 moved, 1 orphaned. See the corrections panel."]
    revision = ArticleRevision.objects.get(article=article)
    assert (revision.body, revision.edited_by, revision.note) == (BODY, editor, "Union statement updated")


def test_stale_edit_shows_the_conflict_keeps_the_editors_text_and_saves_nothing(editor_client, editor):
    article = factories.ArticleFactory(body=BODY)
    corrections.edit_article(article, user=editor, title=article.title, body=BODY + " Late news.", expected_version=1)
    response = editor_client.post(
        reverse("editing:edit", args=[article.pk]),
        {"title": article.title, "body": "My stale correction.", "version": 1},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "changed by someone else" in content
    assert "My stale correction." in content  # the editor's text is kept
    assert "Late news." in content  # and the current version is shown
    assert response.context["form"]["version"].value() == "2"
    article.refresh_from_db()
    assert article.body.endswith("Late news.")


def test_edit_with_an_empty_body_shows_the_error_on_the_body(editor_client):
    article = factories.ArticleFactory(body=BODY)
    response = editor_client.post(
        reverse("editing:edit", args=[article.pk]), {"title": article.title, "body": "   ", "version": 1}
    )
    assert "empty" in " ".join(response.context["form"].errors["body"])
    article.refresh_from_db()
    assert article.body == BODY


def test_fact_checkers_cannot_edit_article_text(checker_client):
    article = factories.ArticleFactory(body=BODY)
    url = reverse("editing:edit", args=[article.pk])
    assert checker_client.get(url).status_code == 403
    assert checker_client.post(url, {"title": "X", "body": "Y", "version": 1}).status_code == 403
    article.refresh_from_db()
    assert article.body == BODY


# ------------------------------------------------------------------ revisions


def test_revision_list_shows_who_when_and_why(checker_client, editor):
    article = factories.ArticleFactory(body=BODY)
    corrections.edit_article(
        article, user=editor, title=article.title, body=BODY + " Update.", expected_version=1, note="Added update"
    )
    response = checker_client.get(reverse("editing:revisions", args=[article.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert editor.username in content and "Added update" in content
    assert reverse("editing:revision", args=[article.pk, 1]) in content


def test_revision_diff_marks_removed_and_added_words(checker_client, editor):
    article = factories.ArticleFactory(body=BODY)
    corrections.edit_article(
        article, user=editor, title=article.title, body=BODY.replace("4 percent", "5 percent"), expected_version=1
    )
    content = checker_client.get(reverse("editing:revision", args=[article.pk, 1])).content.decode()
    assert "<del>4</del><ins>5</ins>" in content
    assert "the current version (2)" in content


def test_revision_diff_escapes_article_text(checker_client, editor):
    article = factories.ArticleFactory(body="Safe text.")
    corrections.edit_article(
        article,
        user=editor,
        title="<b>Title</b>",
        body="Safe text. <script>alert('x')</script> <img src=x onerror=alert(1)>",
        expected_version=1,
    )
    content = checker_client.get(reverse("editing:revision", args=[article.pk, 1])).content.decode()
    assert "<script>alert" not in content and "<img src=x" not in content and "<b>Title</b>" not in content
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in content
    assert "&lt;b&gt;Title&lt;/b&gt;" in content


def test_diff_between_two_older_revisions_compares_with_the_next_revision(checker_client, editor):
    article = factories.ArticleFactory(body="Version one.")
    corrections.edit_article(article, user=editor, title=article.title, body="Version two.", expected_version=1)
    corrections.edit_article(article, user=editor, title=article.title, body="Version three.", expected_version=2)
    response = checker_client.get(reverse("editing:revision", args=[article.pk, 1]))
    content = response.content.decode()
    assert "<del>one</del><ins>two</ins>" in content
    assert response.context["newer"].number == 2


def test_unknown_revision_is_404_and_readers_without_a_role_cannot_see_revisions(client, checker_client):
    article = factories.ArticleFactory()
    assert checker_client.get(reverse("editing:revision", args=[article.pk, 9])).status_code == 404
    client.force_login(factories.UserFactory())
    assert client.get(reverse("editing:revisions", args=[article.pk])).status_code == 403


# ------------------------------------------------------------------ re-attach and check


def orphaned_claim(editor) -> tuple[Article, Claim]:
    article = factories.ArticleFactory(body=BODY)
    claim = claim_on(article, "had not been consulted")
    corrections.edit_article(
        article, user=editor, title=article.title,
        body=BODY.replace("had not been consulted", "learned of the plans from the press") + " Emoji 🚢 here.",
        expected_version=1,
    )
    article.refresh_from_db()
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ORPHANED
    return article, claim


def test_reattach_page_shows_the_old_quote_and_the_text_to_select_from(editor_client, editor):
    article, claim = orphaned_claim(editor)
    response = editor_client.get(reverse("articles:reattach", args=[article.pk, claim.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "had not been consulted" in content
    assert 'id="reattach-text"' in content
    assert 'src="/static/js/reattach.js"' in content
    assert response.context["suggestion"] is None  # nothing in the new text resembles the quote


def at_version(claim: Claim, data: dict | None = None) -> dict:
    """A re-attach or checked form as the page posts it: with the claim's current version."""
    return {"version": Claim.objects.get(pk=claim.pk).version, **(data or {})}


def test_reattach_page_suggests_a_similar_passage_that_attaches_in_one_click(editor_client, editor):
    article = factories.ArticleFactory(body=BODY)
    claim = claim_on(article, "had not been consulted")
    corrections.edit_article(
        article, user=editor, title=article.title,
        body=BODY.replace("had not been consulted", "were not consulted at all"), expected_version=1,
    )
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ORPHANED
    url = reverse("articles:reattach", args=[article.pk, claim.pk])
    suggestion = editor_client.get(url).context["suggestion"]
    assert suggestion["exact"] == "they were not consulted"  # whole words
    response = editor_client.post(url, at_version(claim, {k: suggestion[k] for k in ("start", "end", "exact")}))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ANCHORED
    assert "not consulted" in claim.exact


def test_reattach_with_browser_offsets_converts_utf16_and_anchors_the_claim(editor_client, editor):
    article, claim = orphaned_claim(editor)
    phrase = "here."  # after an emoji: UTF-16 offsets and code point offsets differ
    start = article.body.index(phrase)
    start16, end16 = index_to_utf16(article.body, start), index_to_utf16(article.body, start + len(phrase))
    assert start16 != start  # the emoji counts twice in UTF-16
    response = editor_client.post(
        reverse("articles:reattach", args=[article.pk, claim.pk]),
        at_version(claim, {"start": start16, "end": end16, "exact": phrase}),
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.start, claim.exact, claim.anchor_state) == (start, phrase, AnchorState.ANCHORED)


def test_reattach_by_pasted_words_finds_them_when_they_are_unique(editor_client, editor):
    article, claim = orphaned_claim(editor)
    response = editor_client.post(
        reverse("articles:reattach", args=[article.pk, claim.pk]),
        at_version(claim, {"exact": "learned of the plans\r\n"}),
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.exact == "learned of the plans"
    assert claim.anchor_state == AnchorState.ANCHORED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"exact": "the"}, "appears"),
        ({"exact": "words that are not there"}, "not in the article"),
        ({"start": 0, "end": 3, "exact": "Not"}, "does not match"),
    ],
)
def test_reattach_refuses_ambiguous_missing_or_stale_selections(editor_client, editor, data, message):
    article, claim = orphaned_claim(editor)
    response = editor_client.post(reverse("articles:reattach", args=[article.pk, claim.pk]), at_version(claim, data))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].non_field_errors())
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ORPHANED


def test_fact_checkers_cannot_reattach(checker_client, editor):
    article, claim = orphaned_claim(editor)
    url = reverse("articles:reattach", args=[article.pk, claim.pk])
    assert checker_client.get(url).status_code == 403
    assert checker_client.post(url, {"exact": "learned of the plans"}).status_code == 403


def test_claim_of_another_article_is_404(editor_client, editor):
    _article, claim = orphaned_claim(editor)
    other = factories.ArticleFactory()
    assert editor_client.get(reverse("articles:reattach", args=[other.pk, claim.pk])).status_code == 404


def moved_claim(editor) -> tuple[Article, Claim]:
    article = factories.ArticleFactory(body=BODY)
    claim = claim_on(article, "carried 1.2 million passengers")
    corrections.edit_article(
        article, user=editor, title=article.title, body=BODY.replace("1.2 million", "1.3 million"), expected_version=1
    )
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.MOVED
    return article, claim


def test_marking_a_moved_claim_checked_over_htmx_rerenders_the_panel_and_signals_the_change(editor_client, editor):
    article, claim = moved_claim(editor)
    response = editor_client.post(
        reverse("articles:checked", args=[article.pk, claim.pk]), at_version(claim), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == f'{{"claim-changed": {{"id": {claim.pk}}}}}'
    assert 'id="corrections-panel"' in response.content.decode()
    assert "Moved claims" not in response.content.decode()
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ANCHORED


def test_marking_checked_without_htmx_redirects_and_refuses_claims_that_are_not_moved(editor_client, editor):
    article, claim = moved_claim(editor)
    url = reverse("articles:checked", args=[article.pk, claim.pk])
    assert editor_client.post(url, at_version(claim)).status_code == 302
    response = editor_client.post(url, at_version(claim), HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "Only moved claims" in response.content.decode()


def test_fact_checkers_cannot_mark_claims_checked(checker_client, editor):
    article, claim = moved_claim(editor)
    assert checker_client.post(reverse("articles:checked", args=[article.pk, claim.pk])).status_code == 403
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.MOVED


# ------------------------------------------------------------------ corrections panel


def render_panel(article: Article, user, claims: list[Claim] | None = None) -> str:
    """The panel as the article page renders it: with the claim list the page's selector loaded."""
    from django.contrib.auth.context_processors import PermWrapper

    from annotations import selectors

    request = RequestFactory().get("/")
    request.user = user
    if claims is None:
        claims = selectors.article_claims(user, article)
    context = {"article": article, "claims": claims, "perms": PermWrapper(user)}
    return render_to_string("articles/_corrections_panel.html", context, request=request)


def test_panel_lists_orphans_with_their_old_quote_and_a_reattach_action_for_editors(editor):
    article, claim = orphaned_claim(editor)
    html = render_panel(article, editor)
    assert "Orphaned claims (1)" in html
    assert "had not been consulted" in html
    assert reverse("articles:reattach", args=[article.pk, claim.pk]) in html
    assert reverse("editing:edit", args=[article.pk]) in html
    assert reverse("editing:revisions", args=[article.pk]) in html


def test_panel_shows_orphans_to_fact_checkers_without_editor_actions(editor, fact_checker):
    article, claim = orphaned_claim(editor)
    html = render_panel(article, fact_checker)
    assert "had not been consulted" in html
    assert reverse("articles:reattach", args=[article.pk, claim.pk]) not in html
    assert reverse("editing:edit", args=[article.pk]) not in html
    assert reverse("editing:revisions", args=[article.pk]) in html


def test_panel_flags_moved_claims_with_a_text_label_and_a_check_button(editor):
    article, claim = moved_claim(editor)
    html = render_panel(article, editor)
    assert "↔ Moved" in html
    assert "Mark checked" in html
    assert reverse("articles:checked", args=[article.pk, claim.pk]) in html


def test_panel_escapes_the_old_quote(editor):
    article = factories.ArticleFactory(body="Intro <b>bold</b> claim here.")
    claim = claim_on(article, "<b>bold</b>")
    Claim.objects.filter(pk=claim.pk).update(anchor_state=AnchorState.ORPHANED)
    html = render_panel(article, editor)
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_panel_claims_cost_one_query_however_many_flagged_claims(editor, django_assert_num_queries):
    from annotations import selectors

    article, _ = orphaned_claim(editor)
    Claim.objects.bulk_create(
        [
            Claim(article=article, start=0, end=3, exact="The", anchor_state=AnchorState.ORPHANED, statement="s")
            for _ in range(20)
        ]
    )
    editor = type(editor).objects.get(pk=editor.pk)
    render_panel(article, editor)  # loads and caches the permissions
    with django_assert_num_queries(1):
        claims = selectors.article_claims(editor, article)
    with django_assert_num_queries(0):
        html = render_panel(article, editor, claims)
    assert "Orphaned claims (21)" in html


def test_the_panel_tag_refuses_a_queryset_rather_than_query_from_the_template(editor):
    article, _ = orphaned_claim(editor)
    with pytest.raises(TypeError, match="not a queryset"):
        render_panel(article, editor, article.claims.all())


def test_readers_are_not_shown_unpublished_orphans(editor):
    article, claim = orphaned_claim(editor)
    reader = factories.UserFactory()
    assert claim.exact not in render_panel(article, reader)
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"))
    assert claim.exact in render_panel(article, reader)


def test_panel_on_the_article_page_reuses_the_pages_claims_without_a_query(editor, django_assert_max_num_queries):
    article, orphan = orphaned_claim(editor)
    claims = list(article.claims.all())
    request = RequestFactory().get("/")
    request.user = type(editor).objects.get(pk=editor.pk)
    from django.contrib.auth.context_processors import PermWrapper

    context = {"article": article, "claims": claims, "perms": PermWrapper(request.user)}
    render_to_string("articles/_corrections_panel.html", context, request=request)  # caches the permissions
    with django_assert_max_num_queries(0):
        html = render_to_string("articles/_corrections_panel.html", context, request=request)
    assert orphan.exact in html
