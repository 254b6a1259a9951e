"""The public fact-check pages: what they show, to whom, how they cache, embed, feed and warn.

Leaks (claims in every workflow state) and hostile text are in tests/test_public_leaks.py.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest
from django.core import checks
from django.core.cache import cache, caches
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser

from annotations import claim_corrections, public_cache, services, signals, workflow
from annotations.exports import render_export_bytes
from annotations.exports.claimreview import article_claim_reviews
from annotations.exports.w3c import article_annotations
from annotations.models import AnchorState, Claim, ClaimStatus
from annotations.permissions import claim_policy
from annotations.public_links import public_claim_path, public_claim_url, public_embed_url
from annotations.public_selectors import public_claims
from tests import factories
from tests.exports_helpers import SECRET, checked_article

pytestmark = pytest.mark.django_db

SITE = "https://checks.example.org"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def parse_xml(data: bytes) -> ElementTree.Element:
    """Our own feed and sitemap (no entities, no DTD): the standard parser is fine here."""
    return ElementTree.fromstring(data)  # noqa: S314


@pytest.fixture(autouse=True)
def public_site(settings):
    settings.FACTDESK_SITE_URL = SITE
    settings.FACTDESK_ORGANIZATION_NAME = "Example Checks"
    settings.FACTDESK_ORGANIZATION_URL = "https://example-checks.org"
    settings.FACTDESK_PUBLIC_PAGES = True
    settings.FACTDESK_CDN_PURGE_URL = ""
    cache.clear()
    caches["fragments"].clear()


@pytest.fixture
def anonymous() -> Client:
    return Client(raise_request_exception=True)


def page(response) -> LexborHTMLParser:
    assert response.status_code == 200, response.status_code
    return LexborHTMLParser(response.content.decode())


def json_ld(tree: LexborHTMLParser) -> dict:
    [script] = tree.css('script[type="application/ld+json"]')
    return json.loads(script.text())


def published(article=None, **fields) -> Claim:
    """A published claim with one source, set up directly (the workflow is exercised below)."""
    defaults = {
        "status": ClaimStatus.PUBLISHED, "verdict": factories.rating("false"),
        "rationale": "The statistics office says 7.1 percent.", "published_at": timezone.now(),
    }
    claim = factories.ClaimFactory(article=article or factories.ArticleFactory(), **{**defaults, **fields})
    factories.SourceFactory(claim=claim, url=f"https://stats.example.org/report/{claim.pk}")
    return claim


def publish_through_the_workflow(article, checker, editor, *, phrase: str = "unemployment fell to 6 percent") -> Claim:
    """Research, submit and publish a claim the way the desk does (services and workflow, two people)."""
    start = article.body.index(phrase)
    claim = services.create_claim(article, start, start + len(phrase), phrase, user=checker)
    claim = workflow.apply(claim, checker, "take")
    claim = services.update_claim(
        claim, user=checker, expected_version=claim.version,
        changes={"statement": "Unemployment fell to 6 percent.", "claimant": "City officials",
                 "verdict": factories.rating("false"), "rationale": "The office reports 7.1 percent."},
    )
    services.add_source(claim, user=checker, url="https://stats.example.org/labour", title="Labour report")
    claim = workflow.apply(Claim.objects.get(pk=claim.pk), checker, "submit")
    return workflow.apply(claim, editor, "publish")


# --- the claim page ---------------------------------------------------------------------------


def test_the_claim_page_shows_the_fact_check_to_anyone(anonymous):
    data = checked_article(url="https://news.example.org/budget-story", outlet="The Daily Example")
    claim = data.published
    factories.SourceFactory(
        claim=claim, url="https://web.example.org/kept", title="Kept page",
        archive_url="https://archive.example.org/web/2024/https://web.example.org/kept",
    )
    factories.SourceFactory(
        claim=claim, url="https://web.example.org/snap", title="Snapshotted page",
        archive_url=f"{SITE}/articles/{data.article.pk}/snapshots/1/",
    )
    response = anonymous.get(public_claim_path(claim))
    tree = page(response)
    text = tree.body.text(separator=" ")
    assert tree.css_first("h1").text() == "The budget is 4.2 million euros."
    assert tree.css_first(".fc-verdict .verdict-pill").text() == "False"
    assert tree.css_first(".fc-verdict .verdict-pill").attributes["data-symbol"]  # colour is never the only cue
    assert tree.css_first('link[href$="verdicts.css"]') is not None
    assert "The mayor" in text and data.article.title in text and "The Daily Example" in text
    assert "5 March 2024" in text  # when it was said: the article's date
    assert tree.css_first(f'a[href="{data.article.url}"]') is not None
    assert "The adopted budget is 3.9 million euros." in text
    hrefs = [a.attributes["href"] for a in tree.css(".fc-sources a")]
    assert "https://council.example.org/minutes" in hrefs
    assert "https://archive.example.org/web/2024/https://web.example.org/kept" in hrefs
    assert not any("/snapshots/" in href for href in hrefs), "the desk's login-only snapshot page is not linked"
    assert "An archived copy is kept by Example Checks." in text
    credits = [dd.text() for dd in tree.css("dd.credit")]
    assert credits[:2] == ["Casey Checker", "Erin Editor"]
    [correction] = tree.css(".fc-correction")
    assert "We misread the table." in correction.text() and "Corrected by Dana Corrector" in correction.text()
    assert SECRET not in response.content.decode(), "proposed corrections and internal notes stay on the desk"


def test_the_claim_page_embeds_claim_review_pointing_at_itself(anonymous):
    claim = checked_article().published
    tree = page(anonymous.get(public_claim_path(claim)))
    url = public_claim_url(claim)
    assert url == f"{SITE}/fact-checks/{claim.pk}-the-budget-is-42-million-euros/"
    review = json_ld(tree)
    assert review["@type"] == "ClaimReview"
    assert review["url"] == url
    assert review["reviewRating"]["alternateName"] == "False"
    assert tree.css_first('link[rel="canonical"]').attributes["href"] == url
    metas = {
        meta.attributes.get("property") or meta.attributes.get("name"): meta.attributes["content"]
        for meta in tree.css("meta[content]")
    }
    assert metas["og:url"] == url and metas["og:type"] == "article"
    assert metas["og:title"] == "The budget is 4.2 million euros."
    assert metas["og:description"].startswith("False. The adopted budget")
    assert metas["twitter:card"] == "summary" and metas["twitter:title"] == metas["og:title"]
    oembed = tree.css_first('link[type="application/json+oembed"]').attributes["href"]
    assert oembed.startswith(f"{SITE}/oembed?url=")


def test_an_old_slug_and_the_short_address_redirect_to_the_page(anonymous):
    claim = published(statement="Crime doubled in a year")
    path = public_claim_path(claim)
    assert path == f"/fact-checks/{claim.pk}-crime-doubled-in-a-year/"
    for old in (f"/fact-checks/{claim.pk}-an-old-wording/", f"/fact-checks/{claim.pk}/"):
        response = anonymous.get(old)
        assert response.status_code == 301 and response["Location"] == path


def test_a_statement_without_latin_letters_still_gets_an_address(anonymous):
    claim = published(statement="Безработица упала")
    assert public_claim_path(claim) == f"/fact-checks/{claim.pk}-fact-check/"
    assert anonymous.get(public_claim_path(claim)).status_code == 200


def test_logged_in_people_see_the_same_public_page(client, editor):
    claim = published()
    client.force_login(editor)
    assert client.get(public_claim_path(claim)).status_code == 200


def test_the_public_pages_are_read_only(anonymous):
    claim = published()
    for url in (public_claim_path(claim), reverse("public:index"), reverse("public:oembed")):
        assert anonymous.post(url).status_code == 405


# --- switched off ------------------------------------------------------------------------------


def test_switched_off_every_public_url_is_not_found_and_exports_use_desk_addresses(anonymous, settings):
    claim = published()
    urls = [
        public_claim_path(claim), f"/fact-checks/{claim.pk}/", reverse("public:embed", args=[claim.pk]),
        reverse("public:article", args=[claim.article_id, "x"]), reverse("public:index"),
        reverse("public:search") + "?q=x", reverse("public:feed"), reverse("public:sitemap"),
        reverse("public:oembed") + f"?url={SITE}{public_claim_path(claim)}",
    ]
    assert all(anonymous.get(url).status_code == 200 or anonymous.get(url).status_code == 301 for url in urls)
    settings.FACTDESK_PUBLIC_PAGES = False
    assert [anonymous.get(url).status_code for url in urls] == [404] * len(urls)
    assert public_claim_url(claim) is None
    [review] = article_claim_reviews(claim.article)
    assert review["url"] == f"{SITE}/claims/{claim.pk}/"


# --- exports name published claims by their public page -------------------------------------------


def test_every_export_names_a_published_claim_by_its_public_page():
    data = checked_article()
    url = public_claim_url(data.published)
    [review] = article_claim_reviews(data.article)
    assert review["url"] == url
    items = article_annotations(data.article, published_only=False)["first"]["items"]
    ids = {item["target"]["selector"][0]["exact"]: item["id"] for item in items}
    assert ids[data.published.exact] == url
    assert ids[data.in_review.exact] == f"{SITE}/claims/{data.in_review.pk}/", "unpublished: the desk's address"
    markdown = render_export_bytes(data.article, "md", published_only=True).decode()
    assert f"Fact-check: [{url}]({url})" in markdown
    html = LexborHTMLParser(render_export_bytes(data.article, "html", published_only=False).decode())
    links = [a.attributes["href"] for a in html.css(".public-link a")]
    assert links == [url], "only the published claim has a public page"


# --- the annotated article -------------------------------------------------------------------


def test_the_article_page_highlights_only_published_claims_and_links_each_to_its_verdict(anonymous):
    data = checked_article()
    orphan = published(
        article=data.article, phrase="Residents gathered", statement="Residents gathered in thousands",
        anchor_state=AnchorState.ORPHANED,
    )
    response = anonymous.get(reverse("public:article", args=[data.article.pk, "whatever"]))
    assert response.status_code == 301
    tree = page(anonymous.get(response["Location"]))
    marks = tree.css("#article-text mark")
    assert [m.text() for m in marks] == [data.published.exact]
    [link] = tree.css("#article-text a.hl-link")
    assert link.attributes["href"] == f"#fc-{data.published.pk}"
    [marker] = tree.css("#article-text a.fc-marker")
    assert marker.attributes["href"] == f"#fc-{data.published.pk}"
    assert marker.attributes["id"] == f"ref-{data.published.pk}"
    assert "False" in marker.text()
    cards = {card.attributes["id"]: card for card in tree.css(".fc-card")}
    assert set(cards) == {f"fc-{data.published.pk}", f"fc-{orphan.pk}"}
    card = cards[f"fc-{data.published.pk}"]
    assert card.css_first(".verdict-pill").text() == "False"
    assert card.css_first(f'a[href="{public_claim_path(data.published)}"]') is not None
    assert "no longer in the article" in cards[f"fc-{orphan.pk}"].text()
    assert tree.css_first("#cards-title").text() == "2 fact-checks in this article"
    assert SECRET not in response.content.decode() + tree.html


def test_an_article_without_published_claims_has_no_public_page(anonymous):
    claim = factories.ClaimFactory(status=ClaimStatus.IN_REVIEW)
    assert anonymous.get(reverse("public:article", args=[claim.article_id, "x"])).status_code == 404
    assert anonymous.get(reverse("public:article", args=[999999, "x"])).status_code == 404


# --- the index ------------------------------------------------------------------------------------


def index_ids(response) -> list[int]:
    return [int(li.attributes["data-claim-id"]) for li in page(response).css(".fc-index li")]


def test_the_index_lists_published_fact_checks_newest_first_with_correct_plurals(anonymous):
    assert "0 fact-checks." in page(anonymous.get(reverse("public:index"))).css_first(".fc-count").text()
    older = published(published_at=timezone.now() - timedelta(days=2))
    assert page(anonymous.get(reverse("public:index"))).css_first(".fc-count").text() == "1 fact-check."
    newer = published()
    factories.ClaimFactory(status=ClaimStatus.IN_REVIEW)
    response = anonymous.get(reverse("public:index"))
    assert index_ids(response) == [newer.pk, older.pk]
    assert page(response).css_first(".fc-count").text() == "2 fact-checks."


def test_the_index_filters_by_verdict_claimant_outlet_and_date(anonymous):
    now = timezone.now()
    mayor = published(
        article=factories.ArticleFactory(outlet="Morning Post"), claimant="The Mayor", published_at=now,
    )
    minister = published(
        article=factories.ArticleFactory(outlet="Evening Star"), claimant="The Minister",
        verdict=factories.rating("true"), published_at=now - timedelta(days=10),
    )
    search = reverse("public:search")
    assert index_ids(anonymous.get(search, {"verdict": "true"})) == [minister.pk]
    assert index_ids(anonymous.get(search, {"claimant": "the mayor"})) == [mayor.pk]
    assert index_ids(anonymous.get(search, {"outlet": "Evening Star"})) == [minister.pk]
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert index_ids(anonymous.get(search, {"date_from": week_ago})) == [mayor.pk]
    assert index_ids(anonymous.get(search, {"date_to": week_ago})) == [minister.pk]
    response = anonymous.get(search, {"claimant": "The Mayor", "verdict": "true"})
    assert index_ids(response) == []
    assert "No published fact-check matches these filters." in response.content.decode()
    one = page(anonymous.get(search, {"claimant": "The Mayor"})).css_first(".fc-count").text()
    assert one == "1 fact-check matches these filters."
    two = page(anonymous.get(search, {"q": "unemployment"})).css_first(".fc-count").text()
    assert two == "2 fact-checks match these filters."


def test_the_search_matches_statement_quote_and_claimant(anonymous):
    budget = published(statement="The budget doubled", claimant="Council leader")
    jobs = published(statement="Jobs are up", claimant="Union spokesperson")
    search = reverse("public:search")
    assert index_ids(anonymous.get(search, {"q": "BUDGET"})) == [budget.pk]
    assert index_ids(anonymous.get(search, {"q": "spokesperson"})) == [jobs.pk]
    assert set(index_ids(anonymous.get(search, {"q": "unemployment fell"}))) == {budget.pk, jobs.pk}


def test_a_text_search_on_the_index_address_goes_to_the_rate_limited_search(anonymous):
    response = anonymous.get(reverse("public:index"), {"q": "budget", "verdict": "false"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("public:search") + "?")
    assert "q=budget" in response["Location"] and "verdict=false" in response["Location"]


@pytest.mark.parametrize(
    "params",
    [{"date_from": "yesterday"}, {"verdict": "no-such-label"}, {"q": "x" * 5000}, {"page": "999"},
     {"page": "-1"}, {"outlet": "Nowhere"}, {"q": "\x00"}],
)
def test_bad_filters_are_reported_or_ignored_never_a_server_error(anonymous, params):
    published()
    assert anonymous.get(reverse("public:search"), params).status_code == 200


def test_the_index_is_paginated(anonymous):
    claims = [published(published_at=timezone.now() - timedelta(minutes=n)) for n in range(23)]
    first = anonymous.get(reverse("public:index"))
    assert index_ids(first) == [claim.pk for claim in claims[:20]]
    assert "Page 1 of 2" in first.content.decode()
    assert index_ids(anonymous.get(reverse("public:index"), {"page": 2})) == [claim.pk for claim in claims[20:]]


def test_the_public_search_is_rate_limited(anonymous, settings):
    settings.FACTDESK_RATE_LIMITS_ENABLED = True
    settings.FACTDESK_RATE_LIMITS = {**settings.FACTDESK_RATE_LIMITS, "public:search": ("3/m", ("GET",))}
    statuses = [anonymous.get(reverse("public:search"), {"q": "budget"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert anonymous.get(reverse("public:index")).status_code == 200, "browsing is not limited"


def test_the_default_settings_limit_the_public_search():
    from django.conf import settings

    assert "public:search" in settings.FACTDESK_RATE_LIMITS


# --- query counts -------------------------------------------------------------------------------


def test_the_index_costs_the_same_queries_for_3_or_30_claims(anonymous, django_assert_max_num_queries):
    for _ in range(3):
        published()
    with django_assert_max_num_queries(6) as few:
        anonymous.get(reverse("public:index"))
    for _ in range(27):
        published(article=factories.ArticleFactory(outlet=f"Outlet {_}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(index_ids(anonymous.get(reverse("public:index")))) == 20
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert index_ids(anonymous.get(reverse("public:search"), {"verdict": "false", "outlet": "Outlet 3"}))


def test_the_claim_page_costs_the_same_queries_however_many_sources_and_corrections(
    anonymous, django_assert_max_num_queries
):
    data = checked_article()
    group = factories.ClaimGroupFactory()
    Claim.objects.filter(pk=data.published.pk).update(group=group)
    published(group=group)
    with django_assert_max_num_queries(8) as few:
        anonymous.get(public_claim_path(data.published))
    for n in range(10):
        factories.SourceFactory(claim=data.published, url=f"https://more.example.org/{n}")
        published(group=group)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert anonymous.get(public_claim_path(data.published)).status_code == 200


def test_a_page_read_again_is_served_from_its_rendering_with_one_query(anonymous, django_assert_num_queries):
    data = checked_article()
    url = public_claim_path(data.published)
    first = anonymous.get(url)

    with django_assert_num_queries(1):  # the state behind the ETag; no render
        again = anonymous.get(url)

    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Type"] == first["Content-Type"]


def test_each_index_filter_keeps_its_own_rendering(anonymous):
    published(verdict=factories.rating("true"), claimant="Minister A")
    published(verdict=factories.rating("false"), claimant="Minister B")
    true_url = reverse("public:index") + "?verdict=true"
    false_url = reverse("public:index") + "?verdict=false"
    anonymous.get(true_url)
    anonymous.get(false_url)

    true_page, false_page = anonymous.get(true_url).content.decode(), anonymous.get(false_url).content.decode()

    assert "Minister A" in true_page and "Minister B" not in true_page
    assert "Minister B" in false_page and "Minister A" not in false_page


def test_the_article_page_costs_the_same_queries_for_1_or_10_claims(anonymous, django_assert_max_num_queries):
    article = factories.ArticleFactory(body=" ".join(f"Sentence number {n} says something." for n in range(12)))
    published(article=article, phrase="Sentence number 0")
    url = reverse("public:article", args=[article.pk, "x"])
    url = anonymous.get(url)["Location"]
    with django_assert_max_num_queries(8) as few:
        anonymous.get(url)
    for n in range(1, 10):
        published(article=article, phrase=f"Sentence number {n} ")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert index_count(anonymous.get(url)) == 10


def index_count(response) -> int:
    return len(page(response).css(".fc-card"))


# --- caching for a CDN -----------------------------------------------------------------------------


def cached_urls(claim: Claim) -> list[str]:
    return [
        public_claim_path(claim), reverse("public:embed", args=[claim.pk]), reverse("public:index"),
        reverse("public:feed"), reverse("public:sitemap"), "/sitemap-fact-checks.xml", "/sitemap-articles.xml",
        Client().get(reverse("public:article", args=[claim.article_id, "x"]))["Location"],
    ]


def test_public_answers_are_cacheable_by_anyone_and_set_no_cookie(anonymous):
    claim = published()
    for url in cached_urls(claim):
        response = anonymous.get(url)
        assert response.status_code == 200, url
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"], url
        assert response.has_header("ETag") and response.has_header("Last-Modified"), url
        assert not response.cookies, url
        assert "Cookie" not in response.get("Vary", ""), url


def test_a_not_found_answer_is_not_marked_public(anonymous):
    claim = factories.ClaimFactory(status=ClaimStatus.IN_REVIEW)
    response = anonymous.get(f"/fact-checks/{claim.pk}-x/")
    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")


def test_an_unchanged_page_answers_304_and_a_correction_changes_it(anonymous, django_capture_on_commit_callbacks):
    data = checked_article()
    claim = data.published
    url = public_claim_path(claim)
    first = anonymous.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert anonymous.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert anonymous.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    claim.corrections.filter(status="proposed").delete()  # the helper's pending proposal: not this test's
    claim.refresh_from_db()
    correction = claim_corrections.propose_correction(
        claim, user=data.checker, changes={"rationale": "Adopted: 3.9 million euros, per the minutes."},
        note="Clearer wording.", expected_version=claim.version,
    )
    assert anonymous.get(url, headers={"If-None-Match": etag}).status_code == 304, "a proposal changes nothing public"
    with django_capture_on_commit_callbacks(execute=True):
        claim_corrections.publish_correction(correction, user=data.editor)
    after = anonymous.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after["ETag"] != etag
    assert "Adopted: 3.9 million euros, per the minutes." in after.content.decode()


def test_publishing_a_claim_changes_the_index_etag(anonymous, fact_checker, editor, django_capture_on_commit_callbacks):
    article = factories.ArticleFactory()
    etag = anonymous.get(reverse("public:index"))["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        claim = publish_through_the_workflow(article, fact_checker, editor)
    response = anonymous.get(reverse("public:index"), headers={"If-None-Match": etag})
    assert response.status_code == 200 and index_ids(response) == [claim.pk]


def test_a_renamed_verdict_changes_every_etag(anonymous, django_capture_on_commit_callbacks):
    claim = published()
    urls = cached_urls(claim)
    etags = {url: anonymous.get(url)["ETag"] for url in urls}
    label = factories.rating("false")
    label.name = "Wrong"
    with django_capture_on_commit_callbacks(execute=True):
        label.save()
    for url in urls:
        assert anonymous.get(url, headers={"If-None-Match": etags[url]}).status_code == 200, url


# --- signals and the CDN purge hook ----------------------------------------------------------------


def test_publishing_and_correcting_send_their_signals(fact_checker, editor):
    received = []

    def listen(sender, **kwargs):
        received.append((kwargs["claim"].pk, kwargs["claim"].status, "correction" in kwargs))

    signals.claim_published.connect(listen)
    signals.claim_corrected.connect(listen)
    try:
        claim = publish_through_the_workflow(factories.ArticleFactory(), fact_checker, editor)
        correction = claim_corrections.propose_correction(
            claim, user=fact_checker, changes={"claimant": "The mayor's office"}, note="Who said it.",
            expected_version=claim.version,
        )
        claim_corrections.publish_correction(correction, user=editor)
    finally:
        signals.claim_published.disconnect(listen)
        signals.claim_corrected.disconnect(listen)
    assert received == [(claim.pk, "published", False), (claim.pk, "published", True)]


def test_a_publication_bumps_the_version_only_once_committed(fact_checker, editor, django_capture_on_commit_callbacks):
    before = public_cache.public_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish_through_the_workflow(factories.ArticleFactory(), fact_checker, editor)
    assert public_cache.public_version() == before, "nothing happens before the commit"
    for callback in callbacks:
        callback()
    assert public_cache.public_version() == before + 1


def test_the_purge_hook_posts_the_changed_public_urls(
    settings, httpserver, fact_checker, editor, django_capture_on_commit_callbacks
):
    settings.FACTDESK_CDN_PURGE_URL = httpserver.url_for("/purge")
    settings.FACTDESK_CDN_PURGE_TOKEN = "cdn-token"
    httpserver.expect_request(
        "/purge", method="POST", headers={"Authorization": "Bearer cdn-token"}
    ).respond_with_json({"ok": True})
    article = factories.ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        claim = publish_through_the_workflow(article, fact_checker, editor)
    [(request, _response)] = httpserver.log
    urls = json.loads(request.data)["urls"]
    assert public_claim_url(claim) in urls and public_embed_url(claim) in urls
    assert f"{SITE}/fact-checks/" in urls and f"{SITE}/fact-checks/feed/" in urls and f"{SITE}/sitemap.xml" in urls
    assert f"{SITE}/sitemap-fact-checks.xml" in urls
    assert any(url.startswith(f"{SITE}/fact-checks/articles/{article.pk}-") for url in urls)


def test_correcting_the_article_or_deleting_the_claim_purges_its_pages(
    settings, httpserver, editor, django_capture_on_commit_callbacks
):
    from articles.corrections import edit_article

    settings.FACTDESK_CDN_PURGE_URL = httpserver.url_for("/purge")
    httpserver.expect_request("/purge", method="POST").respond_with_json({"ok": True})
    claim = published()
    article, url = claim.article, public_claim_url(claim)
    with django_capture_on_commit_callbacks(execute=True):
        edit_article(article, user=editor, title=article.title, body=article.body + "\n\nA new paragraph.",
                     expected_version=article.version)
    claim.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_claim(claim, user=editor)
    corrected, deleted = (json.loads(request.data)["urls"] for request, _ in httpserver.log)
    assert url in corrected and url in deleted
    assert any("/fact-checks/articles/" in address for address in corrected)
    factories.ClaimFactory(article=article, status=ClaimStatus.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        edit_article(article, user=editor, title="Retitled", body=article.body, expected_version=article.version + 1)
    assert len(httpserver.log) == 2, "an article with no published claim has no public page to purge"


def test_a_failing_purge_is_logged_and_does_not_fail_the_publication(
    settings, httpserver, fact_checker, editor, django_capture_on_commit_callbacks, caplog
):
    settings.FACTDESK_CDN_PURGE_URL = httpserver.url_for("/purge")
    httpserver.expect_request("/purge").respond_with_data("down", status=503)
    with django_capture_on_commit_callbacks(execute=True):
        claim = publish_through_the_workflow(factories.ArticleFactory(), fact_checker, editor)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PUBLISHED
    assert "CDN purge" in caplog.text


def test_without_a_purge_url_nothing_leaves_the_machine(
    monkeypatch, fact_checker, editor, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise AssertionError("no request may be made")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        publish_through_the_workflow(factories.ArticleFactory(), fact_checker, editor)


# --- feed and sitemap ---------------------------------------------------------------------------


def test_the_atom_feed_lists_published_fact_checks_at_their_public_addresses(anonymous):
    data = checked_article()
    response = anonymous.get(reverse("public:feed"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    root = parse_xml(response.content)
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "False: The budget is 4.2 million euros."
    assert entry.find(f"{ATOM}link").attrib["href"] == public_claim_url(data.published)
    assert entry.find(f"{ATOM}id").text == f"{SITE}/fact-checks/{data.published.pk}/"
    assert "The adopted budget is 3.9 million euros." in entry.find(f"{ATOM}summary").text
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Example Checks"
    assert SECRET not in response.content.decode()


def sitemap_locations(client: Client) -> tuple[list[str], list[str]]:
    """The files listed by /sitemap.xml (an index), and the addresses in them."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    files = [loc.text for loc in parse_xml(response.content).iter(f"{SITEMAP}loc")]
    addresses = []
    for file in files:
        assert file.startswith(f"{SITE}/sitemap-")
        part = client.get(file.removeprefix(SITE))
        assert part.status_code == 200, file
        addresses += [loc.text for loc in parse_xml(part.content).iter(f"{SITEMAP}loc")]
    return files, addresses


def test_the_sitemap_lists_claim_and_article_pages_on_the_site_address(anonymous):
    data = checked_article()
    factories.ClaimFactory(status=ClaimStatus.IN_REVIEW)  # its article has no public page
    files, addresses = sitemap_locations(anonymous)
    assert files == [f"{SITE}/sitemap-fact-checks.xml", f"{SITE}/sitemap-articles.xml"]
    article_url = SITE + Client().get(reverse("public:article", args=[data.article.pk, "x"]))["Location"]
    assert sorted(addresses) == sorted([public_claim_url(data.published), article_url])
    assert anonymous.get("/sitemap-nothing.xml").status_code == 404


def test_a_large_sitemap_is_split_into_files(anonymous, monkeypatch):
    from annotations.public_views import ClaimSitemap

    monkeypatch.setattr(ClaimSitemap, "limit", 2)
    claims = [published() for _ in range(5)]
    files, addresses = sitemap_locations(anonymous)
    assert files[:3] == [f"{SITE}/sitemap-fact-checks.xml", f"{SITE}/sitemap-fact-checks.xml?p=2",
                         f"{SITE}/sitemap-fact-checks.xml?p=3"]
    assert {public_claim_url(claim) for claim in claims} <= set(addresses)


# --- embedding ------------------------------------------------------------------------------------


def csp(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


def test_the_embed_card_may_be_framed_by_any_site_and_no_other_page_may(anonymous):
    claim = published(statement="Taxes fell")
    embed = anonymous.get(reverse("public:embed", args=[claim.pk]))
    tree = page(embed)
    assert not embed.has_header("X-Frame-Options")
    assert csp(embed)["frame-ancestors"] == ["*"]
    assert tree.css_first(".fc-card-statement").text() == "Taxes fell"
    link = tree.css_first(f'a[href="{public_claim_url(claim)}"]')
    assert link.attributes["target"] == "_blank" and "noopener" in link.attributes["rel"]
    full = anonymous.get(public_claim_path(claim))
    assert full["X-Frame-Options"] == "DENY" and csp(full)["frame-ancestors"] == ["'none'"]


def oembed(client, **params):
    return client.get(reverse("public:oembed"), params)


def test_oembed_answers_a_rich_card_for_a_public_fact_check(anonymous):
    claim = published(statement="Taxes fell")
    for url in (public_claim_url(claim), f"{SITE}/fact-checks/{claim.pk}/", public_embed_url(claim)):
        response = oembed(anonymous, url=url, format="json")
        assert response.status_code == 200, url
        data = response.json()
        assert data["version"] == "1.0" and data["type"] == "rich"
        assert data["title"] == "Taxes fell" and data["provider_name"] == "Example Checks"
        frame = LexborHTMLParser(data["html"]).css_first("iframe")
        assert frame.attributes["src"] == public_embed_url(claim)
        assert (data["width"], data["height"]) == (480, 280)
    small = oembed(anonymous, url=public_claim_url(claim), maxwidth="300", maxheight="9999").json()
    assert (small["width"], small["height"]) == (300, 280)
    assert 'width="300"' in small["html"]


def test_oembed_refuses_what_is_not_a_public_fact_check(anonymous):
    draft = factories.ClaimFactory(status=ClaimStatus.IN_REVIEW, statement=SECRET)
    claim = published()
    not_found = [
        f"{SITE}/fact-checks/{draft.pk}-x/", f"{SITE}/fact-checks/999999/", f"https://evil.example/fact-checks/{claim.pk}/",
        f"{SITE}/claims/{claim.pk}/", f"{SITE}/articles/{claim.article_id}/", "javascript:alert(1)", "not a url",
    ]
    for url in not_found:
        response = oembed(anonymous, url=url)
        assert response.status_code == 404, url
        assert SECRET not in response.content.decode()
    assert oembed(anonymous, url=public_claim_url(claim), format="xml").status_code == 501
    assert oembed(anonymous).status_code == 400
    assert oembed(anonymous, url=public_claim_url(claim), maxwidth="wide").status_code == 400
    assert oembed(anonymous, url=public_claim_url(claim), maxwidth="0").status_code == 400


# --- policy, deploy checks, admin ---------------------------------------------------------------------


def test_public_claims_are_exactly_what_the_claim_policy_lets_a_reader_see():
    for status in ClaimStatus.values:
        factories.ClaimFactory(status=status, verdict=factories.rating("true"))
    reader = factories.UserFactory()
    assert set(public_claims()) == set(claim_policy.visible(reader, Claim.objects.all()))
    assert set(public_claims().values_list("status", flat=True)) == {"published"}


def deploy_warnings() -> list[str]:
    return [message.id for message in checks.run_checks(include_deployment_checks=True, tags=["factdesk"])]


def test_check_deploy_warns_while_the_published_addresses_are_defaults(settings):
    settings.FACTDESK_SITE_URL = "http://127.0.0.1:8000"
    settings.FACTDESK_ORGANIZATION_URL = "https://factdesk.example"
    assert deploy_warnings() == ["factdesk.W001", "factdesk.W002"]
    settings.FACTDESK_SITE_URL = "https://factcheck.newsroom.example.com"
    assert deploy_warnings() == ["factdesk.W001", "factdesk.W002"], "placeholder names are not addresses"
    settings.FACTDESK_SITE_URL = "https://factcheck.dailyexample.de"
    settings.FACTDESK_ORGANIZATION_URL = "https://dailyexample.de/"
    assert deploy_warnings() == []


def test_the_warnings_appear_in_manage_py_check_deploy(settings, capsys):
    settings.FACTDESK_SITE_URL = "http://127.0.0.1:8000"
    call_command("check", "--deploy", "--tag", "factdesk")
    output = capsys.readouterr()
    assert "factdesk.W001" in output.err + output.out and "FACTDESK_SITE_URL" in output.err + output.out


def test_the_check_knows_the_settings_defaults():
    from pathlib import Path

    from annotations.checks import DEFAULT_ORGANIZATION_URL, DEFAULT_SITE_URL

    text = (Path(__file__).resolve().parents[1] / "factcheck" / "settings.py").read_text()
    assert f'os.environ.get("FACTDESK_SITE_URL", "{DEFAULT_SITE_URL}")' in text
    assert f'os.environ.get("FACTDESK_ORGANIZATION_URL", "{DEFAULT_ORGANIZATION_URL}")' in text


def test_the_admin_index_shows_the_same_warning(admin_client, settings):
    settings.FACTDESK_SITE_URL = "https://factcheck.dailyexample.de"
    settings.FACTDESK_ORGANIZATION_URL = "https://factdesk.example"
    tree = page(admin_client.get(reverse("admin:index")))
    warnings = [li.text() for li in tree.css("#published-address-warnings li")]
    assert len(warnings) == 1 and "FACTDESK_ORGANIZATION_URL" in warnings[0]
    settings.FACTDESK_ORGANIZATION_URL = "https://dailyexample.de"
    assert page(admin_client.get(reverse("admin:index"))).css("#published-address-warnings") == []


def test_dates_on_the_page_are_the_article_date_and_the_check_date(anonymous):
    article = factories.ArticleFactory(published_on=date(2023, 11, 2))
    claim = published(article=article, published_at=timezone.make_aware(timezone.datetime(2024, 1, 15, 12)))
    text = page(anonymous.get(public_claim_path(claim))).css_first(".fc-facts").text(separator=" ")
    assert re.search(r"When\s+2 November 2023", text) and re.search(r"Checked\s+15 January 2024", text)
