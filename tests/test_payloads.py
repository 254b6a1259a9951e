"""Hostile input through every door, checked in every output: stored safely, shown inert, never a 500.

Each payload goes in through the pages people use (article form, file upload in every
format, the claim panel's forms, sources, comments) and then every output is fetched:
pages, htmx fragments, the admin and the export formats. HTML outputs are parsed and
must contain no event-handler attribute, no inline script, no ``javascript:`` link and no
injected stylesheet; other formats must at least parse and never fail.

To cover a new input, add a function to :data:`INPUTS`; to cover a new output, add an
entry to :data:`OUTPUTS` (a URL builder and the kind of content it returns).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from selectolax.lexbor import LexborHTMLParser

from annotations import services
from annotations.exports import FORMATS
from annotations.models import Claim, Comment, Source
from articles.models import Article
from articles.text import canonicalize_line
from tests import factories

pytestmark = pytest.mark.django_db

LONG = "Very long " + "x" * 100_000
PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "js-url": "javascript:alert(1)",
    "style": "<style>body{display:none}</style>",
    "css-expression": 'x" style="width:expression(alert(1))',
    "bidi": "Safe text \u202egnp.exe\u202c and \u2066isolate\u2069",
    "long": LONG,
    "nul": "Null\x00byte\x00text",
    "formula": "=cmd|' /C calc'!A0",
    "template": "{{ 7*7 }} {% debug %}",
    "sql": "'; DROP TABLE articles_article; --",
    "svg": "<svg/onload=alert(1)>",
}
#: URLs that must never be stored as a source: refused with a form error.
BAD_URLS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "file:///etc/passwd", "ftp://example.org/x", "https://exa\x00mple.org/",
]


def short(payload: str, limit: int = 200) -> str:
    """What fits a one-line field (titles, claimants): long payloads are cut, as the forms require."""
    return payload[:limit]


@dataclass
class Desk:
    editor: object
    checker: object
    client: Client
    article: Article
    claim: Claim


@pytest.fixture
def desk(client, admin_user) -> Desk:
    checker = factories.FactCheckerFactory()
    client.force_login(admin_user)
    article = factories.ArticleFactory(title="Clean article")
    claim = services.create_claim(article, 4, 16, article.body[4:16], user=checker)
    return Desk(admin_user, checker, client, article, claim)


# --- Inputs -------------------------------------------------------------------------------


def accepted_or_refused(response, *ok: int) -> None:
    """Every door either takes the input or refuses it with a clear 4xx; never a 500."""
    assert response.status_code < 500
    assert response.status_code in (*ok, 400, 409, 413, 422), response.status_code


def through_the_article_form(desk: Desk, payload: str) -> None:
    response = desk.client.post(
        reverse("editing:new"),
        {"title": short(payload), "outlet": short(payload, 100), "byline": short(payload, 100),
         "body": f"Intro paragraph.\n\n{payload}\n\nClosing paragraph.", "language": "en"},
    )
    accepted_or_refused(response, 200, 302)


def upload_bytes(payload: str) -> dict[str, bytes]:
    """The payload in every field of every import format."""
    title, body = short(payload), f"First paragraph {payload}.\n\nSecond paragraph."
    record = {"title": title, "body": body, "outlet": short(payload, 100), "url": "javascript:alert(1)"}
    csv_buffer = io.StringIO()
    writer = csv.DictWriter(csv_buffer, fieldnames=list(record))
    writer.writeheader()
    writer.writerow(record)
    return {
        "p.txt": f"{title}\n\n{body}".encode(),
        "p.md": f"# {title}\n\n{body}".encode(),
        "p.html": f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{body}</p>"
        f"<script>alert(1)</script></body></html>".encode(),
        "p.json": json.dumps(record).encode(),
        "p.jsonl": json.dumps(record).encode() + b"\n" + json.dumps({**record, "url": ""}).encode(),
        "p.csv": csv_buffer.getvalue().encode(),
    }


def through_every_import_format(desk: Desk, payload: str) -> None:
    for name, data in upload_bytes(payload).items():
        response = desk.client.post(reverse("editing:upload"), {"file": SimpleUploadedFile(name, data)})
        accepted_or_refused(response, 200)


def through_the_claim_panel(desk: Desk, payload: str) -> None:
    claim = Claim.objects.get(pk=desk.claim.pk)
    response = desk.client.post(
        reverse("annotations:edit", args=[claim.pk]),
        {"version": claim.version, "statement": payload[:5000], "claimant": short(payload, 300)},
        HTTP_HX_REQUEST="true",
    )
    accepted_or_refused(response, 200)
    claim.refresh_from_db()
    response = desk.client.post(
        reverse("annotations:edit", args=[claim.pk]),
        {"version": claim.version, "verdict": factories.rating("false").pk, "rationale": payload[:20000]},
        HTTP_HX_REQUEST="true",
    )
    accepted_or_refused(response, 200)


def through_a_new_claim_on_hostile_text(desk: Desk, payload: str) -> None:
    article = factories.ArticleFactory(title=short(payload), body=f"Start.\n\nQuote {short(payload, 300)} here.")
    start = article.body.index("Quote")
    exact = article.body[start:start + 20]
    start16 = len(article.body[:start].encode("utf-16-le")) // 2
    end16 = start16 + len(exact.encode("utf-16-le")) // 2
    response = desk.client.post(
        reverse("articles:add_claim", args=[article.pk]),
        {"start": start16, "end": end16, "exact": exact}, HTTP_HX_REQUEST="true",
    )
    accepted_or_refused(response, 200, 201)


def current_version(desk: Desk) -> int:
    """The desk claim's version now: every panel write carries it (428 without it)."""
    return Claim.objects.get(pk=desk.claim.pk).version


def through_sources(desk: Desk, payload: str) -> None:
    response = desk.client.post(
        reverse("annotations:source_add", args=[desk.claim.pk]),
        {"version": current_version(desk),
         "new-source-url": "https://example.org/evidence", "new-source-title": short(payload, 500),
         "new-source-publisher": short(payload, 200), "new-source-excerpt": payload,
         "new-source-stance": "context"},
        HTTP_HX_REQUEST="true",
    )
    accepted_or_refused(response, 200)


def through_comments(desk: Desk, payload: str) -> None:
    response = desk.client.post(
        reverse("annotations:comment_add", args=[desk.claim.pk]), {"body": payload, "version": current_version(desk)},
        HTTP_HX_REQUEST="true",
    )
    accepted_or_refused(response, 200)


def through_the_services(desk: Desk, payload: str) -> None:
    """The doors without a form (imports of claims, commands, a later API) call the services."""
    claim = Claim.objects.get(pk=desk.claim.pk)
    try:
        if "\x00" not in payload:  # see test_claim_services_strip_or_refuse_nul_bytes
            services.update_claim(claim, user=desk.checker, expected_version=claim.version,
                                  changes={"statement": payload[:5000]})
        services.add_comment(claim, user=desk.checker, body=payload)
    except services.ValidationError:
        pass


INPUTS: list[Callable[[Desk, str], None]] = [
    through_the_article_form,
    through_every_import_format,
    through_the_claim_panel,
    through_a_new_claim_on_hostile_text,
    through_sources,
    through_comments,
    through_the_services,
]


# --- Outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    name: str
    url: Callable[[Desk, Article, Claim], str]
    kind: str = "html"  # html, json, csv, text or binary
    htmx: bool = False
    once: bool = False  # slow outputs (PDF) are fetched for one article only


def _admin(name: str, obj: Callable[[Desk, Article, Claim], object] | None = None) -> Callable:
    def build(desk: Desk, article: Article, claim: Claim) -> str:
        if obj is None:
            return reverse(f"admin:{name}")
        return reverse(f"admin:{name}", args=[obj(desk, article, claim).pk])

    return build


OUTPUTS: list[Output] = [
    Output("article list", lambda d, a, c: reverse("articles:list")),
    Output("article page", lambda d, a, c: reverse("articles:detail", args=[a.pk])),
    Output("article page with panel", lambda d, a, c: f"{reverse('articles:detail', args=[a.pk])}?claim={c.pk}"),
    Output("highlights fragment", lambda d, a, c: reverse("articles:highlights", args=[a.pk]), htmx=True),
    Output("claim panel fragment", lambda d, a, c: reverse("annotations:panel", args=[c.pk]), htmx=True),
    Output("source edit fragment", lambda d, a, c: reverse(
        "annotations:source_edit", args=[c.pk, c.sources.first().pk]) if c.sources.exists()
        else reverse("annotations:panel", args=[c.pk]), htmx=True),
    Output("similar claims fragment", lambda d, a, c: reverse("search:similar", args=[c.pk]), htmx=True),
    Output("suggestions fragment", lambda d, a, c: reverse("search:suggestions", args=[a.pk]), htmx=True),
    Output("search", lambda d, a, c: f"{reverse('search:search')}?q=alert"),
    Output("revisions", lambda d, a, c: reverse("editing:revisions", args=[a.pk])),
    Output("article edit form", lambda d, a, c: reverse("editing:edit", args=[a.pk])),
    Output("my claims", lambda d, a, c: reverse("review:my_claims")),
    Output("desk", lambda d, a, c: reverse("review:desk")),
    Output("review queue", lambda d, a, c: reverse("review:queue")),
    Output("notifications", lambda d, a, c: reverse("review:notifications")),
    Output("admin articles", _admin("articles_article_changelist")),
    Output("admin article", _admin("articles_article_change", lambda d, a, c: a)),
    Output("admin claims", _admin("annotations_claim_changelist")),
    Output("admin claim", _admin("annotations_claim_change", lambda d, a, c: c)),
    Output("admin sources", _admin("annotations_source_changelist")),
    Output("admin comments", _admin("annotations_comment_changelist")),
    Output("admin history", _admin("annotations_claimevent_changelist")),
    Output("admin jobs", _admin("factcheck_job_changelist")),
    *(
        Output(f"export {name}", lambda d, a, c, name=name: reverse("exports:article", args=[a.pk, name]),
               kind={"html": "html", "csv": "csv", "w3c": "json", "claimreview": "json", "pdf": "binary"}
               .get(name, "text"), once=name == "pdf")
        for name in FORMATS
    ),
]


def inert_html_problems(html: str) -> list[str]:
    """Anything in an HTML document or fragment that would let injected text act."""
    problems = []
    if "<script>alert(1)</script>" in html or "onerror=alert(1)>" in html or "<svg/onload" in html:
        problems.append("a payload appears unescaped in the source")
    tree = LexborHTMLParser(html)
    for script in tree.css("script"):
        if (script.attributes.get("type") or "") in {"application/json", "application/ld+json"}:
            continue
        if not script.attributes.get("src") or "alert" in (script.text() or ""):
            problems.append(f"inline script: {script.html[:80]}")
    for style in tree.css("style"):
        if "body{display:none}" in (style.text() or "").replace(" ", ""):
            problems.append("injected <style> element")
    for node in tree.css("*"):
        for name, value in node.attributes.items():
            lowered = name.lower()
            if lowered.startswith("on"):
                problems.append(f"event attribute {name} on <{node.tag}>")
            if lowered in {"href", "src", "action", "formaction", "xlink:href"} and (value or "").strip().lower(
            ).startswith(("javascript:", "vbscript:", "data:text")):
                problems.append(f"{name}={value!r} on <{node.tag}>")
            if lowered == "style" and "expression(" in (value or ""):
                problems.append(f"CSS expression in style on <{node.tag}>")
    return problems


def check_output(output: Output, response) -> None:
    assert response.status_code < 500, f"{output.name}: {response.status_code}"
    if response.status_code != 200:
        return
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if output.kind == "binary":
        return
    text = content.decode("utf-8")
    if output.kind == "html":
        assert inert_html_problems(text) == [], output.name
    elif output.kind == "json":
        json.loads(text)
        assert "<script" not in text.lower(), f"{output.name}: raw markup in JSON"
    elif output.kind == "csv":
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"{output.name}: formula cell {cell!r}"


# --- The tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_hostile_input_is_stored_safely_and_rendered_inert_everywhere(desk, payload):
    for door in INPUTS:
        door(desk, payload)

    stored = ((Article, ("title", "body", "outlet", "byline")), (Claim, ("statement", "claimant", "rationale")),
              (Source, ("title", "publisher", "excerpt")), (Comment, ("body",)))
    for model, fields in stored:
        for row in model.objects.values_list(*fields):
            assert not any("\x00" in value for value in row), f"NUL stored in a {model.__name__}"
    assert not Article.objects.exclude(url="").exclude(url__startswith="http").exists()

    articles = [*Article.objects.exclude(pk=desk.article.pk).order_by("-pk")[:2], desk.article]
    for number, article in enumerate(articles):
        claim = article.claims.first() or desk.claim
        for output in OUTPUTS:
            if output.once and number:
                continue
            url = output.url(desk, article, claim)
            headers = {"HTTP_HX_REQUEST": "true"} if output.htmx else {}
            check_output(output, desk.client.get(url, **headers))


@pytest.mark.parametrize("payload", ["script", "attribute", "template", "bidi", "sql"])
def test_hostile_text_is_kept_and_shown_as_text(desk, payload):
    text = PAYLOADS[payload]
    through_the_article_form(desk, text)
    # One-line fields lose bidi controls (they only disguise a title); the body keeps the text as written.
    title = canonicalize_line(text)
    article = Article.objects.get(title=title)
    assert text in article.body
    page = LexborHTMLParser(desk.client.get(article.get_absolute_url()).content.decode())
    assert title in page.css_first("h1").text()
    assert Article.objects.count() >= 2  # the SQL text did nothing to the table


def test_nul_bytes_are_refused_by_forms_and_stripped_by_imports(desk):
    through_the_article_form(desk, PAYLOADS["nul"])
    response = desk.client.post(
        reverse("annotations:comment_add", args=[desk.claim.pk]),
        {"body": PAYLOADS["nul"], "version": current_version(desk)}, HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()
    assert not Comment.objects.exists()
    assert not Article.objects.filter(outlet__startswith="Null").exists()

    desk.client.post(reverse("editing:upload"), {"file": SimpleUploadedFile("n.json", json.dumps(
        {"title": "Null\x00title", "body": "Body with a \x00 NUL."}).encode())})
    article = Article.objects.get(title="Nulltitle")
    assert "\x00" not in article.body
    comment = services.add_comment(desk.claim, user=desk.checker, body=PAYLOADS["nul"])
    assert comment.body == "Nullbytetext"


def test_claim_services_strip_or_refuse_nul_bytes(desk):
    claim = Claim.objects.get(pk=desk.claim.pk)
    try:
        services.update_claim(claim, user=desk.checker, expected_version=claim.version,
                              changes={"statement": PAYLOADS["nul"], "claimant": "A\x00B"})
    except services.ValidationError:
        return
    claim.refresh_from_db()
    assert (claim.statement, claim.claimant) == ("Nullbytetext", "AB")


@pytest.mark.parametrize("url", BAD_URLS)
def test_sources_refuse_urls_that_are_not_http(desk, url):
    response = desk.client.post(
        reverse("annotations:source_add", args=[desk.claim.pk]),
        {"new-source-url": url, "new-source-stance": "context", "version": current_version(desk)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert not Source.objects.exists()
    with pytest.raises(services.ValidationError):
        services.add_source(desk.claim, user=desk.checker, url=url)
    assert not Source.objects.exists()


@pytest.mark.parametrize("url", BAD_URLS[:5])
def test_articles_refuse_urls_that_are_not_http(desk, url):
    response = desk.client.post(
        reverse("editing:new"), {"title": "T", "body": "Body text.", "language": "en", "url": url}
    )
    assert response.status_code == 200  # the form again, with its error
    assert not Article.objects.filter(title="T").exists()


def test_very_long_input_gets_a_clear_error_not_a_crash(desk):
    claim = Claim.objects.get(pk=desk.claim.pk)
    response = desk.client.post(
        reverse("annotations:edit", args=[claim.pk]),
        {"version": claim.version, "statement": LONG, "claimant": LONG}, HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert f"The statement is {len(LONG):,} characters; the limit is 5,000." in response.content.decode()
    claim.refresh_from_db()
    assert claim.statement != LONG
