"""Nothing unpublished ever appears on a public page, and hostile text stays text there.

Every public page is rendered for a claim in every workflow state (the states are read from
the workflow's transition table, so a new state is covered the day it is added): only a
published claim may be seen, and nothing of the others (statement, claimant, rationale,
sources, number) may appear anywhere. Then the desk's internal traces of a published claim
(proposed and rejected corrections, internal history notes, comments, the assignee, claims
linked to it that are not published) are checked the same way. Last, the XSS corpus of
tests/test_payloads.py and tests/test_exports_xss.py goes through every public page.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser

from annotations import workflow
from annotations.models import Claim, ClaimCorrection, ClaimEvent, ClaimStatus
from annotations.public_links import public_claim_path, public_claim_url
from tests import factories
from tests.test_exports_xss import hostile_article
from tests.test_payloads import PAYLOADS, inert_html_problems

pytestmark = pytest.mark.django_db

SITE = "https://checks.example.org"
#: Every status a claim can be in, from the workflow's own table (sources and targets of every step).
STATES = sorted({state for step in workflow.TRANSITIONS.values() for state in (*step.sources, *step.targets())})


@pytest.fixture(autouse=True)
def public_site(settings):
    settings.FACTDESK_SITE_URL = SITE
    settings.FACTDESK_PUBLIC_PAGES = True
    settings.FACTDESK_CDN_PURGE_URL = ""
    cache.clear()
    caches["fragments"].clear()


def test_the_states_cover_every_claim_status():
    assert set(STATES) == set(ClaimStatus.values)


def article_path(article) -> str:
    response = Client().get(reverse("public:article", args=[article.pk, "x"]))
    return response["Location"] if response.status_code == 301 else reverse("public:article", args=[article.pk, "x"])


def public_pages(claim: Claim) -> dict[str, str]:
    """Every public URL, with ``claim`` named wherever a URL names a claim."""
    return {
        "claim page": public_claim_path(claim),
        "short address": reverse("public:claim_short", args=[claim.pk]),
        "embed": reverse("public:embed", args=[claim.pk]),
        "article page": article_path(claim.article),
        "index": reverse("public:index"),
        "search by text": reverse("public:search") + "?q=statement+while",  # the query is echoed: no "SECRET" in it
        "search by claimant": reverse("public:search") + "?claimant=secret+claimant",
        "feed": reverse("public:feed"),
        "sitemap": reverse("public:sitemap"),
        "sitemap of fact-checks": reverse("public:sitemap_section", args=["fact-checks"]),
        "sitemap of articles": reverse("public:sitemap_section", args=["articles"]),
        "oembed": reverse("public:oembed") + f"?url={SITE}{public_claim_path(claim)}",
        "oembed of the embed": reverse("public:oembed") + f"?url={SITE}{reverse('public:embed', args=[claim.pk])}",
    }


def fetch_all(claim: Claim) -> dict[str, tuple[int, str]]:
    client = Client()
    answers = {}
    for name, url in public_pages(claim).items():
        response = client.get(url)
        if response.status_code == 301:
            response = client.get(response["Location"])
        answers[name] = (response.status_code, response.content.decode())
    return answers


def claim_in_state(state: str) -> Claim:
    """A claim in ``state`` full of secrets, next to a published claim (so its article has a public page)."""
    article = factories.ArticleFactory(title="A public article", outlet="The Daily Example")
    factories.ClaimFactory(
        article=article, phrase="a budget of 4.2 million euros", statement="The budget is 4.2 million euros.",
        status=ClaimStatus.PUBLISHED, verdict=factories.rating("true"), rationale="Checked.",
        published_at=timezone.now(),
    )
    claim = factories.ClaimFactory(
        article=article, statement=f"SECRET statement while {state}", claimant="SECRET claimant",
        rationale="SECRET rationale", status=state, verdict=factories.rating("false"),
        dismissal_reason="SECRET reason" if state == ClaimStatus.DISMISSED else "",
        published_at=timezone.now() if state == ClaimStatus.PUBLISHED else None,
    )
    factories.SourceFactory(claim=claim, url="https://secret.example.org/evidence", title="SECRET source")
    return claim


@pytest.mark.parametrize("state", STATES)
def test_every_public_page_shows_a_claim_only_once_it_is_published(state):
    claim = claim_in_state(state)
    answers = fetch_all(claim)
    assert all(status < 500 for status, _ in answers.values()), answers
    if state == ClaimStatus.PUBLISHED:
        for name in ("claim page", "short address", "embed", "article page", "index", "search by text",
                     "search by claimant", "feed", "sitemap of fact-checks", "oembed", "oembed of the embed"):
            status, content = answers[name]
            assert status == 200, name
            assert (f"SECRET statement while {state}" in content or public_claim_url(claim) in content
                    or f"/fact-checks/{claim.pk}-" in content), name
        assert "SECRET rationale" in answers["claim page"][1]
        return
    for name in ("claim page", "short address", "embed", "oembed", "oembed of the embed"):
        assert answers[name][0] == 404, f"{name} of a {state} claim"
    for name, (_status, content) in answers.items():
        assert "SECRET" not in content, f"{name} shows something of a {state} claim"
        assert "secret.example.org" not in content, name
        assert f"/fact-checks/{claim.pk}-" not in content and f'data-claim-id="{claim.pk}"' not in content, name
    tree = LexborHTMLParser(answers["article page"][1])
    assert [mark.text() for mark in tree.css("#article-text mark")] == ["a budget of 4.2 million euros"]
    assert tree.css_first(f"#fc-{claim.pk}") is None


@pytest.mark.parametrize("state", STATES)
def test_claims_that_are_not_published_are_not_counted_either(state):
    claim_in_state(state)
    tree = LexborHTMLParser(Client().get(reverse("public:index")).content.decode())
    expected = 2 if state == ClaimStatus.PUBLISHED else 1
    assert tree.css_first(".fc-count").text().startswith(f"{expected} fact-check")
    assert len(tree.css(".fc-index li")) == expected


def test_the_desks_traces_of_a_published_claim_stay_on_the_desk(fact_checker, editor):
    claim = claim_in_state(ClaimStatus.PUBLISHED)
    claim.assignee = fact_checker
    claim.save()
    ClaimCorrection.objects.create(
        claim=claim, note="SECRET proposed note", base_version=claim.version, proposed_by=fact_checker,
        changes={"verdict": {"old": "False", "new": "SECRET verdict"}},
    )
    for status in (ClaimCorrection.Status.REJECTED, ClaimCorrection.Status.WITHDRAWN):
        ClaimCorrection.objects.create(
            claim=claim, status=status, note=f"SECRET {status} note", base_version=1, proposed_by=fact_checker,
            changes={"rationale": {"old": "Checked.", "new": f"SECRET {status} rationale"}},
            review_note="SECRET review note",
        )
    factories.ClaimEventFactory(claim=claim, kind=ClaimEvent.Kind.CORRECTED, is_public=False, note="SECRET internal")
    factories.ClaimEventFactory(claim=claim, kind=ClaimEvent.Kind.TRANSITION, note="SECRET transition note",
                                from_status="in_review", to_status="researching")
    factories.CommentFactory(claim=claim, body="SECRET comment")
    group = factories.ClaimGroupFactory()
    elsewhere = factories.ClaimFactory(
        article=factories.ArticleFactory(title="SECRET other article", outlet="SECRET outlet"),
        status=ClaimStatus.IN_REVIEW, statement="SECRET linked", group=group,
    )
    Claim.objects.filter(pk=claim.pk).update(group=group, rationale="Checked.")
    claim.refresh_from_db()
    answers = fetch_all(claim)
    for name, (status, content) in answers.items():
        assert status < 500, name
        for secret in ("SECRET proposed", "SECRET verdict", "SECRET rejected", "SECRET withdrawn", "SECRET review",
                       "SECRET internal", "SECRET transition", "SECRET comment", "SECRET other article",
                       "SECRET outlet", "SECRET linked", fact_checker.username):
            assert secret not in content, f"{name} shows {secret!r}"
    assert elsewhere.pk  # linked, but not published: neither it nor its article appears
    review = json_ld(answers["claim page"][1])
    assert [appearance["headline"] for appearance in review["itemReviewed"]["appearance"]] == ["A public article"]


def json_ld(html: str) -> dict:
    [script] = LexborHTMLParser(html).css('script[type="application/ld+json"]')
    return json.loads(script.text())


# --- hostile text ---------------------------------------------------------------------------------


def check_inert(answers: dict[str, tuple[int, str]]) -> None:
    for name, (status, content) in answers.items():
        assert status < 500, name
        if status != 200:
            continue
        if name == "feed" or name.startswith("sitemap"):
            ElementTree.fromstring(content.encode())  # noqa: S314 - ours; well-formed whatever the text
            assert "<script" not in content, name
        elif name.startswith("oembed"):
            data = json.loads(content)
            frames = LexborHTMLParser(data["html"])
            assert len(frames.css("iframe")) == 1 and frames.css("script, img") == [], name
            assert inert_html_problems(data["html"]) == [], name
        else:
            assert inert_html_problems(content) == [], name
            for script in LexborHTMLParser(content).css('script[type="application/ld+json"]'):
                raw = script.text()
                assert "<" not in raw and ">" not in raw, "JSON-LD cannot close its script element"
                json.loads(raw)


def test_the_export_xss_corpus_stays_text_on_every_public_page():
    article = hostile_article()
    claim = article.claims.get()
    claim.published_at = timezone.now()
    claim.save()
    answers = fetch_all(claim)
    check_inert(answers)
    page = LexborHTMLParser(answers["claim page"][1])
    assert "<script>alert(1)</script>" in page.css_first("h1").text(), "payloads are shown as text"
    review = json_ld(answers["claim page"][1])
    assert "<script>alert(1)</script>" in review["claimReviewed"], "JSON-LD keeps the values, escaped"
    feed = ElementTree.fromstring(answers["feed"][1].encode())  # noqa: S314 - our own feed
    summary = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary").text
    assert "&lt;script&gt;" in summary, "the Atom summary is HTML: the text is escaped in it"


#: NUL bytes never reach storage (every door strips or refuses them: tests/test_payloads.py), and
#: PostgreSQL could not store them, so this page-level check writes the other payloads directly.
STORABLE = {name: payload for name, payload in PAYLOADS.items() if "\x00" not in payload}


@pytest.mark.parametrize("payload", list(STORABLE.values()), ids=list(STORABLE))
def test_hostile_text_in_every_field_is_inert_on_every_public_page(payload):
    article = factories.ArticleFactory(
        title=payload[:500], outlet=payload[:200], byline=payload[:300],
        body=f"Intro paragraph.\n\nQuote {payload} here.\n\nClosing.",
    )
    start = article.body.index("Quote")
    claim = factories.ClaimFactory(
        article=article, phrase=article.body[start:start + 20], statement=payload, claimant=payload[:300],
        rationale=payload, status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"),
        published_at=timezone.now(),
    )
    factories.SourceFactory(claim=claim, url="https://ok.example.org/a", title=payload[:500],
                            publisher=payload[:200], excerpt=payload)
    answers = fetch_all(claim)
    shown = ("claim page", "embed", "article page", "index", "feed", "sitemap", "oembed")
    assert [answers[name][0] for name in shown] == [200] * len(shown)
    check_inert(answers)
