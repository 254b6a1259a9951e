"""Authorisation audit: every URL × method × anonymous / reader / fact-checker / editor / admin.

The URL list is read from the URL configuration, not written by hand, so a new view
without a rule in :data:`EXPECTED` makes ``test_every_url_has_an_authorisation_rule``
fail: add the view's name to ``EXPECTED`` with the statuses each role should get.

Rules are built from a few helpers (``anyone``, ``logged_in``, ``checkers``, ``editors``,
``admin_only``, ``not_allowed``); the anonymous visitor is expected to be sent to the login
page (``LOGIN``) unless the rule says otherwise. A status may be a set when a view
legitimately answers either way (for example 200 or 400 for an empty form sent over htmx),
but never mixes "allowed" and "refused". POST requests carry no form data unless the rule
gives some: the point is who gets past the permission check, not whether the form is valid.

**Claims.** A reader (logged in, no desk role) sees published work only, so every URL that
names a claim is checked twice: for a claim still being researched (``unpublished``, the
rule's ``get``/``post``) and for a published one (the rule's ``published``). For readers an
unpublished claim does not exist: its panel, permalink, history and similar claims answer
404 (200 for a published one), so neither its content nor its existence leaks.

**Other methods.** PUT, PATCH and DELETE are answered by the same rule everywhere: 405 from
the view's method check, except that ``LoginRequiredMiddleware`` runs first and sends
anonymous visitors of a login-only page to log in (302). The exceptions are Django's: its
form views (login, password change and reset) handle PUT as POST (``put_is_post``), its
``RedirectView`` redirects every method, and the admin index answers every method.

Admin pages other than the index are Django's own (``ModelAdmin`` permission checks, which
:class:`factcheck.permissions.PolicyBackend` answers from the policies; see
tests/test_permissions.py) and are left out, as are static files.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from annotations import services, workflow
from annotations.exports import jobs
from annotations.models import Claim, ClaimCorrection, ClaimStatus
from annotations.public_links import article_slug, claim_slug
from articles.fetching import FetchedPage
from articles.models import Feed, Snapshot, Watch
from articles.snapshots import store_snapshot
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "fact_checker", "editor", "admin")
METHODS = ("GET", "POST")
OTHER_METHODS = ("PUT", "PATCH", "DELETE")
CLAIMS = ("unpublished", "published")
LOGIN = "login"  # 302 to the login page
ADMIN_LOGIN = "admin-login"  # 302 to the admin's login page
Status = int | str | frozenset[int]

UNPUBLISHED_STATEMENT = "Draft finding about the jobless rate"
PUBLISHED_STATEMENT = "Checked finding about the council budget"


# --- Walking the URL configuration -----------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    converters: tuple[str, ...]


def walk(patterns: list, prefix: str = "", namespace: str | None = None) -> Iterator[Route]:
    """Every named URL of the project, with its full route; the admin only by its index."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                yield Route("admin:index", prefix + str(pattern.pattern), ())
                continue
            inner = pattern.namespace
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), full)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if route.startswith(("static/", "media/", "__debug__")):
                continue
            name = pattern.name or f"<unnamed {route}>"
            if namespace and pattern.name:
                name = f"{namespace}:{pattern.name}"
            yield Route(name, route, tuple(pattern.pattern.converters))


ROUTES = {route.name: route for route in walk(get_resolver().url_patterns)}


# --- The world the requests act on ------------------------------------------------------


@dataclass
class World:
    """Objects every URL can point at, and the users of each role.

    ``claim`` is the claim the URLs name: by default one still being researched, created by
    the fact-checker (:meth:`about` swaps in the published one, with its own source).
    """

    users: dict[str, AbstractBaseUser | None]
    article: Any
    claim: Any
    source: Any
    revision: Any
    other_claim: Any
    export_job: int
    published_claim: Any
    published_source: Any
    unpublished_claim: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def about(self, which: str) -> World:
        """This world with URLs naming the ``unpublished`` or the ``published`` claim."""
        if which == "published":
            return replace(self, claim=self.published_claim, source=self.published_source)
        return self


def make_world() -> World:
    checker = factories.FactCheckerFactory()
    users = {
        "anonymous": None,
        "reader": factories.UserFactory(),
        "fact_checker": checker,
        "editor": factories.EditorFactory(),
        "admin": factories.AdminFactory(),
    }
    article = factories.ArticleFactory()
    claim = factories.ClaimFactory(article=article, created_by=checker, statement=UNPUBLISHED_STATEMENT)
    source = services.add_source(claim, user=checker, url="https://stats.example.org/1", title="Report")
    published_claim = factories.ClaimFactory(
        article=article, created_by=checker, phrase="a budget of 4.2 million euros", statement=PUBLISHED_STATEMENT,
        status=ClaimStatus.PUBLISHED, verdict=rating("true"), rationale="The budget document says so.",
    )
    # A published claim's research is locked (changes go through a correction): set up directly.
    published_source = factories.SourceFactory(
        claim=published_claim, url="https://council.example.org/budget", title="Budget",
    )
    revision = factories.ArticleRevisionFactory(article=article, number=1)
    other_article = factories.ArticleFactory(body=factories.ARTICLE_BODY + "\n\nOne more paragraph.")
    other_claim = factories.ClaimFactory(article=other_article, created_by=checker)
    job = jobs.create(owner=checker, article_ids=[article.pk], published_only=False)
    return World(
        users, article, claim, source, revision, other_claim, job.pk, published_claim, published_source,
        unpublished_claim=claim,
    )


@pytest.fixture
def world() -> World:
    return make_world()


def own_notification(world: World, user: AbstractBaseUser | None) -> int:
    """A notification addressed to the requesting user (or to the fact-checker for anonymous)."""
    recipient = user or world.users["fact_checker"]
    return factories.NotificationFactory(recipient=recipient, claim=world.claim).pk


#: How to fill URL parameters, by parameter name. Rules can override with ``kwargs=``.
DEFAULT_KWARGS: dict[str, Callable[[World, Any], object]] = {
    "pk": lambda w, u: w.article.pk,
    "article_id": lambda w, u: w.article.pk,
    "claim_id": lambda w, u: w.claim.pk,
    "source_id": lambda w, u: w.source.pk,
    "number": lambda w, u: w.revision.number,
    "fmt": lambda w, u: "json",
    "format": lambda w, u: "json",
    "job_id": lambda w, u: w.export_job,
    "name": lambda w, u: "take",
    "uidb64": lambda w, u: "MQ",
    "token": lambda w, u: "set-password",
}


def claim_pk(w: World, u: Any) -> dict[str, object]:
    """For URLs whose ``<pk>`` is a claim's."""
    return {"pk": w.claim.pk}


def open_correction(w: World, u: Any) -> dict[str, object]:
    """For correction URLs: the claim's open correction, proposed by the fact-checker (made once per claim)."""
    correction = ClaimCorrection.objects.filter(claim=w.claim, status=ClaimCorrection.Status.PROPOSED).first()
    if correction is None:
        correction = ClaimCorrection.objects.create(
            claim=w.claim, proposed_by=w.users["fact_checker"], base_version=w.claim.version,
            note="The figure was revised.", changes={"rationale": {"old": w.claim.rationale, "new": "Revised."}},
        )
    return {"correction_id": correction.pk}


def correction_proposal(w: World, u: Any) -> dict[str, object]:
    """A valid correction form for the claim (its values, the rationale changed, a public note)."""
    return {
        "version": w.claim.version, "statement": w.claim.statement, "claimant": w.claim.claimant,
        "verdict": w.claim.verdict_id or "", "rationale": "Corrected by the matrix.", "note": "Revised.",
    }


def with_version(data: Callable[[World, Any], dict[str, object]] | None = None) -> Callable[[World, Any], dict]:
    """Form data for a write to the claim: ``data``'s, plus the claim's current version (428 without it)."""

    def build(w: World, u: Any) -> dict[str, object]:
        return {"version": Claim.objects.get(pk=w.claim.pk).version, **(data(w, u) if data else {})}

    return build


# --- Rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """Expected status per role for GET and for POST (None: that method is not checked)."""

    get: dict[str, Status] | None
    post: dict[str, Status] | None


@dataclass(frozen=True)
class Rule:
    """Expected statuses of one URL.

    ``get``/``post``: per role; for a URL naming a claim, the claim still being researched.
    ``published``: the same for the published claim (required for every URL naming a claim).
    ``other``: per role, for PUT, PATCH and DELETE (default: :func:`other_methods_refused`).
    Every role is checked with every method; only GET and POST carry form data.
    """

    get: dict[str, Status] | None
    post: dict[str, Status] | None
    kwargs: Callable[[World, Any], dict[str, object]] | None = None
    #: Valid form data for the POST, so an allowed role really gets through (and a view that
    #: validates before it checks permissions still shows its refusal).
    data: Callable[[World, Any], dict[str, object]] | None = None
    published: Expect | None = None
    other: dict[str, Status] | None = None
    #: Django's form views handle PUT as POST (``ProcessFormView.put``): PUT expects ``post``.
    put_is_post: bool = False
    note: str = ""

    def expected(self, method: str, claim: str) -> dict[str, Status] | None:
        if method in OTHER_METHODS:
            if self.other is not None:
                return self.other
            if method == "PUT" and self.put_is_post:
                return self.post
            return other_methods_refused(self)
        source: Rule | Expect = self.published if claim == "published" and self.published else self
        return getattr(source, method.lower())


def by_role(anonymous: Status, reader: Status, fact_checker: Status, editor: Status, admin: Status) -> dict:
    return dict(zip(ROLES, (anonymous, reader, fact_checker, editor, admin), strict=True))


def anyone(status: Status) -> dict:
    """Public: the same answer for everyone, logged in or not."""
    return by_role(status, status, status, status, status)


def logged_in(status: Status, anonymous: Status = LOGIN) -> dict:
    return by_role(anonymous, status, status, status, status)


def checkers(status: Status, refused: Status = 403) -> dict:
    """Fact-checkers, editors and admins; readers are refused."""
    return by_role(LOGIN, refused, status, status, status)


def editors(status: Status, refused: Status = 403) -> dict:
    return by_role(LOGIN, refused, refused, status, status)


def admin_only(status: Status, refused: Status = 403) -> dict:
    return by_role(LOGIN, refused, refused, refused, status)


def not_allowed() -> dict:
    """The method is refused (405) for logged-in users; anonymous visitors go to log in first."""
    return logged_in(405)


def unseen_by_readers(statuses: dict) -> dict:
    """The same statuses, but an unpublished claim does not exist for readers: 404."""
    return statuses | {"reader": 404}


def other_methods_refused(rule: Rule) -> dict:
    """PUT, PATCH and DELETE: 405, after LoginRequiredMiddleware sent anonymous visitors to log in."""
    first = rule.get or rule.post or {}
    anonymous = first.get("anonymous")
    return logged_in(405, anonymous=anonymous if anonymous in (LOGIN, ADMIN_LOGIN) else 405)


def either(*statuses: int) -> frozenset[int]:
    return frozenset(statuses)


HTMX_FORM = either(200, 400)  # an empty htmx form: re-rendered with errors, as 200 or 400

EXPECTED: dict[str, Rule] = {
    # Project-level
    "home": Rule(get=logged_in(302), post=logged_in(302), other=logged_in(302), note="RedirectView: every method."),
    "healthz": Rule(get=anyone(200), post=anyone(405)),
    "favicon": Rule(get=anyone(302), post=anyone(405)),
    # The interface language (factcheck/i18n.py): the switcher is POST only, the catalogue GET only; both public.
    "set_language": Rule(get=anyone(405), post=anyone(302), other=anyone(405)),
    "javascript-catalog": Rule(get=anyone(200), post=anyone(405), other=anyone(405)),
    "admin:index": Rule(
        get=by_role(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200), post=None,
        other=by_role(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
        note="Django's admin: staff only; the index answers every method; its model pages ask PolicyBackend.",
    ),
    # Accounts (django.contrib.auth)
    "login": Rule(get=anyone(200), post=anyone(200), put_is_post=True),
    "logout": Rule(get=logged_in(405), post=logged_in(302)),
    "password_change": Rule(get=logged_in(200), post=logged_in(200), put_is_post=True),
    "password_change_done": Rule(get=logged_in(200), post=not_allowed()),
    "password_reset": Rule(get=anyone(200), post=anyone(200), put_is_post=True),
    "password_reset_done": Rule(get=anyone(200), post=anyone(405)),
    "password_reset_confirm": Rule(
        get=anyone(200), post=anyone(200), other=anyone(200),
        note="An invalid link: Django's view answers every method with the 'link invalid' page.",
    ),
    "password_reset_complete": Rule(get=anyone(200), post=anyone(405)),
    # Articles: everyone on the desk reads; editors add and correct.
    "articles:list": Rule(get=logged_in(200), post=not_allowed()),
    "articles:detail": Rule(get=logged_in(200), post=not_allowed()),
    "articles:highlights": Rule(get=logged_in(200), post=not_allowed()),
    "articles:add_claim": Rule(
        get=not_allowed(), post=checkers(302),
        data=lambda w, u: {"start": 4, "end": 16, "exact": w.article.body[4:16]},
    ),
    "editing:new": Rule(
        get=editors(200), post=editors(302),
        data=lambda w, u: {"title": "A new article", "body": "Its only paragraph.", "language": "en"},
    ),
    "editing:upload": Rule(get=editors(200), post=editors(200)),
    "editing:edit": Rule(
        get=editors(200), post=editors(302),
        data=lambda w, u: {"title": "Corrected", "body": w.article.body + " Updated.", "version": w.article.version},
    ),
    "editing:revisions": Rule(get=checkers(200), post=not_allowed()),
    "editing:revision": Rule(get=checkers(200), post=not_allowed()),
    # Re-attaching claims after a correction: editors. Everyone else is refused (403) before
    # anything about the claim is shown, whatever its state.
    "articles:reattach": Rule(
        get=editors(200), post=editors(200), published=Expect(get=editors(200), post=editors(200)),
        data=with_version(),
    ),
    "articles:checked": Rule(
        get=not_allowed(), post=editors(302), published=Expect(get=not_allowed(), post=editors(302)),
        data=with_version(),
        note="The claim is anchored, so there is nothing to check: editors are sent back with a message.",
    ),
    # The claim panel: readers see published claims, fact-checkers change every claim.
    "annotations:verdict_css": Rule(get=logged_in(200), post=not_allowed()),
    "annotations:panel": Rule(
        get=unseen_by_readers(logged_in(200)), post=not_allowed(),
        published=Expect(get=logged_in(200), post=not_allowed()),
    ),
    "annotations:permalink": Rule(
        get=unseen_by_readers(logged_in(302)), post=not_allowed(),
        published=Expect(get=logged_in(302), post=not_allowed()),
    ),
    # A published claim is locked for everyone, admins included: its edits answer 403 with the
    # panel offering a correction (readers: 403, they may not change claims at all).
    "annotations:edit": Rule(
        get=not_allowed(), post=unseen_by_readers(checkers(302)),
        data=lambda w, u: {"version": w.claim.version, "statement": "Reworded by the matrix"},
        published=Expect(get=not_allowed(), post=logged_in(403)),
    ),
    "annotations:source_add": Rule(
        get=not_allowed(), post=unseen_by_readers(checkers(302)),
        data=with_version(
            lambda w, u: {"new-source-url": "https://example.org/evidence", "new-source-stance": "context"}
        ),
        published=Expect(get=not_allowed(), post=logged_in(403)),
    ),
    "annotations:source_edit": Rule(
        get=unseen_by_readers(logged_in(200)), post=unseen_by_readers(checkers(302)),
        data=with_version(lambda w, u: {
            f"source-{w.source.pk}-url": "https://example.org/moved", f"source-{w.source.pk}-stance": "supports",
        }),
        published=Expect(get=logged_in(200), post=logged_in(403)),
    ),
    "annotations:source_remove": Rule(
        get=not_allowed(), post=unseen_by_readers(checkers(302)), data=with_version(),
        published=Expect(get=not_allowed(), post=logged_in(403)),
    ),
    # Archiving fetches the source's page: in the suite no outside name resolves, so the desk gets
    # the fetch's clear 400 (a DNS failure) and nobody else gets that far.
    "annotations:source_archive": Rule(
        get=not_allowed(), post=unseen_by_readers(checkers(400)), data=with_version(),
        published=Expect(get=not_allowed(), post=logged_in(403)),
    ),
    # The stale-panel check: without ?since=<version> a clear 400 (the panel always sends it).
    "annotations:changes": Rule(
        get=unseen_by_readers(logged_in(400)), post=not_allowed(),
        published=Expect(get=logged_in(400), post=not_allowed()),
    ),
    # Corrections: the desk proposes (published claims only: an unpublished one is changed
    # directly, 400); an editor who did not propose it publishes or rejects; only the proposer
    # (the fact-checker) withdraws.
    "annotations:correction_propose": Rule(
        get=not_allowed(), post=unseen_by_readers(checkers(400)), data=correction_proposal,
        published=Expect(get=not_allowed(), post=checkers(302)),
    ),
    "annotations:correction_publish": Rule(
        get=not_allowed(), post=unseen_by_readers(editors(400)), kwargs=open_correction, data=with_version(),
        published=Expect(get=not_allowed(), post=editors(302)),
        note="The unpublished claim's correction cannot be published (400: the claim is not published).",
    ),
    "annotations:correction_reject": Rule(
        get=not_allowed(), post=unseen_by_readers(editors(302)), kwargs=open_correction,
        data=with_version(lambda w, u: {"note": "Not needed."}),
        published=Expect(get=not_allowed(), post=editors(302)),
    ),
    "annotations:correction_withdraw": Rule(
        get=not_allowed(), post=unseen_by_readers(by_role(LOGIN, 403, 302, 403, 403)), kwargs=open_correction,
        data=with_version(), published=Expect(get=not_allowed(), post=by_role(LOGIN, 403, 302, 403, 403)),
        note="Only its proposer, the fact-checker, withdraws a correction; not even an admin.",
    ),
    "annotations:comment_add": Rule(
        get=not_allowed(), post=unseen_by_readers(checkers(302)), data=with_version(lambda w, u: {"body": "Checked."}),
        published=Expect(get=not_allowed(), post=checkers(302)),
    ),
    "annotations:delete": Rule(
        get=unseen_by_readers(checkers(200)), post=unseen_by_readers(checkers(302)), data=with_version(),
        published=Expect(get=editors(200), post=editors(302)),
        note="Both claims are the fact-checker's: deletable by them while unpublished; published, editors only.",
    ),
    # A claim's full history (page and CSV): the desk reads every entry; readers reach published
    # claims only, and read their public entries.
    "annotations:history": Rule(
        get=unseen_by_readers(logged_in(200)), post=not_allowed(),
        published=Expect(get=logged_in(200), post=not_allowed()),
    ),
    "annotations:history_csv": Rule(
        get=unseen_by_readers(logged_in(200)), post=not_allowed(),
        published=Expect(get=logged_in(200), post=not_allowed()),
    ),
    # Review workflow
    "review:my_claims": Rule(get=checkers(200), post=not_allowed()),
    "review:desk": Rule(get=checkers(200), post=not_allowed()),
    "review:queue": Rule(get=editors(200), post=not_allowed()),
    "review:notifications": Rule(get=logged_in(200), post=not_allowed()),
    "review:notifications_read_all": Rule(get=not_allowed(), post=logged_in(302)),
    "review:notification_read": Rule(
        get=not_allowed(), post=logged_in(302), kwargs=lambda w, u: {"pk": own_notification(w, u)},
    ),
    "review:notification_open": Rule(
        get=logged_in(302), post=not_allowed(), kwargs=lambda w, u: {"pk": own_notification(w, u)},
        note="A link (from the page or an email): marks the user's own notifications read, then redirects.",
    ),
    "review:notification_settings": Rule(get=logged_in(200), post=logged_in(302)),
    "review:transition": Rule(
        get=not_allowed(), post=unseen_by_readers(checkers(302)), kwargs=claim_pk, data=with_version(),
        published=Expect(get=not_allowed(), post=by_role(LOGIN, 403, 400, 400, 400)),
        note="Taking the claim: a published claim cannot be taken (400 with the reason). A refusal shows "
        "the claim and its review history, so an unpublished claim must be 404 to readers.",
    ),
    # Exports
    "exports:article": Rule(get=logged_in(200), post=not_allowed(), kwargs=lambda w, u: {"fmt": "md"}),
    "exports:w3c_import": Rule(get=editors(200), post=editors(400)),
    "exports:job": Rule(
        get=by_role(LOGIN, 404, 200, 404, 200), post=not_allowed(),
        note="The job belongs to the fact-checker: only they and admins see it; to others it does not exist.",
    ),
    "exports:job_download": Rule(
        get=by_role(LOGIN, 404, 404, 404, 404), post=not_allowed(), note="Not finished yet: 404 for everyone.",
    ),
    # Search, suggestions and linked claims
    "search:search": Rule(get=logged_in(200), post=not_allowed()),
    "search:suggestions": Rule(get=logged_in(200), post=not_allowed()),
    "search:accept_suggestion": Rule(get=not_allowed(), post=checkers(400)),
    "search:dismiss_suggestion": Rule(
        get=not_allowed(), post=checkers(200),
        data=lambda w, u: {"start": 0, "end": 10, "sentence": w.article.body[0:10]},
    ),
    "search:similar": Rule(
        get=unseen_by_readers(logged_in(200)), post=not_allowed(), kwargs=claim_pk,
        published=Expect(get=logged_in(200), post=not_allowed()),
    ),
    "search:link": Rule(
        get=not_allowed(), post=unseen_by_readers(editors(200)), kwargs=claim_pk,
        data=with_version(lambda w, u: {"other": w.other_claim.pk}),
        published=Expect(get=not_allowed(), post=editors(200)),
    ),
    "search:unlink": Rule(
        get=not_allowed(), post=unseen_by_readers(editors(400)), kwargs=claim_pk, data=with_version(),
        published=Expect(get=not_allowed(), post=editors(400)),
        note="The claim is in no group, so editors get a clear 400.",
    ),
    "search:copy_sources": Rule(
        get=not_allowed(), post=unseen_by_readers(checkers(400)), kwargs=claim_pk,
        data=with_version(lambda w, u: {"from": w.other_claim.pk}),
        published=Expect(get=not_allowed(), post=checkers(400)),
        note="The claims are not linked, so fact-checkers get a clear 400.",
    ),
}


# --- web in (issue 17): adding by URL, feeds, watches, snapshots ---------------------------------


def own_import_job(w, u):
    return {
        "job_id": factories.JobFactory(
            owner=u or w.users["editor"], params={"source": "urls", "urls": ["https://x.example/a"]}
        ).pk
    }


def a_feed(w, u):
    return {"pk": Feed.objects.get_or_create(url="http://127.0.0.1:9/rss.xml")[0].pk}


def a_watched_article(w, u):
    Watch.objects.get_or_create(article=w.article, defaults={"url": "http://127.0.0.1:9/story"})
    return {"pk": w.article.pk}


def a_snapshot(w, u):
    snapshot = Snapshot.objects.first() or store_snapshot(
        FetchedPage(
            requested_url="https://x.example/a", final_url="https://x.example/a", status=200,
            headers=[("Content-Type", "text/html")], body=b"<p>Stored</p>", fetched_at=timezone.now(),
            content_type="text/html", charset="utf-8",
        )
    )
    return {"pk": snapshot.pk}


EXPECTED.update({
    "editing:add_url": Rule(get=editors(200), post=editors(frozenset({200, 400}))),
    "editing:import_job": Rule(get=logged_in(200), post=not_allowed(), kwargs=own_import_job),
    "editing:inbox": Rule(get=logged_in(200), post=not_allowed()),
    "editing:inbox_done": Rule(get=not_allowed(), post=editors(302)),
    "editing:feeds": Rule(get=logged_in(200), post=editors(200)),
    "editing:feed": Rule(get=logged_in(200), post=not_allowed(), kwargs=a_feed),
    "editing:feed_poll": Rule(get=not_allowed(), post=editors(302), kwargs=a_feed),
    "editing:feed_toggle": Rule(get=not_allowed(), post=editors(302), kwargs=a_feed),
    "editing:watches": Rule(get=logged_in(200), post=not_allowed()),
    "editing:article_evidence": Rule(get=logged_in(200), post=not_allowed()),
    "editing:watch_start": Rule(get=not_allowed(), post=editors(302)),
    "editing:watch_check": Rule(get=not_allowed(), post=editors(302), kwargs=a_watched_article),
    "editing:snapshot": Rule(get=logged_in(200), post=not_allowed(), kwargs=a_snapshot),
    "editing:snapshot_content": Rule(get=logged_in(200), post=not_allowed(), kwargs=a_snapshot),
    "editing:snapshot_download": Rule(get=logged_in(200), post=not_allowed(), kwargs=a_snapshot),
})


# --- the public fact-check pages (issue 18): no login, published claims only ----------------------


def public(status: Status, kwargs: Callable | None = None) -> Rule:
    """A public page: the same answer for everyone, logged in or not; read-only (405 for every other method)."""
    return Rule(get=anyone(status), post=anyone(405), other=anyone(405), kwargs=kwargs)


def public_claim(unpublished: Status, published: Status, kwargs: Callable | None = None) -> Rule:
    """A public page naming a claim: an unpublished claim does not exist there for anyone (404)."""
    return Rule(
        get=anyone(unpublished), post=anyone(405), other=anyone(405), kwargs=kwargs,
        published=Expect(get=anyone(published), post=anyone(405)),
    )


EXPECTED.update({
    "public:index": public(200),
    "public:search": public(200),
    "public:feed": public(200),
    "public:sitemap": public(200),
    "public:sitemap_section": public(200, kwargs=lambda w, u: {"section": "fact-checks"}),
    "public:oembed": public(400),  # no ?url=: a clear 400
    "public:claim": public_claim(404, 200, kwargs=lambda w, u: {"claim_id": w.claim.pk, "slug": claim_slug(w.claim)}),
    "public:claim_short": public_claim(404, 301),  # the short address redirects to the page
    "public:embed": public_claim(404, 200),
    # The world's article has a published claim, so it has a public page.
    "public:article": public(200, kwargs=lambda w, u: {"article_id": w.article.pk, "slug": article_slug(w.article)}),
})


# --- the REST API (issue 18 item 2): token or session; anonymous callers get 401, not the login page ----


def api_rule(logged_in_status: Status, post: Status = 405, other: dict | None = None) -> Rule:
    """An API read: 401 for anonymous callers (no redirect to a login page), ``logged_in_status`` otherwise."""
    return Rule(
        get=by_role(401, logged_in_status, logged_in_status, logged_in_status, logged_in_status),
        post=by_role(401, post, post, post, post), other=other or by_role(401, 405, 405, 405, 405),
    )


def own_api_token(w: World, u: Any) -> dict[str, object]:
    """A token of the requesting user (the fact-checker's for anonymous visitors)."""
    from api.models import ApiToken

    return {"pk": ApiToken.issue(u or w.users["fact_checker"], "matrix")[0].pk}


#: API writes carry no If-Match in the matrix: whoever gets past the policy hears 428 (precondition
#: required); a reader is refused first (404 for an unpublished claim, 403 for a published one).
API_WRITE = by_role(401, 404, 428, 428, 428)
API_WRITE_PUBLISHED = by_role(401, 403, 428, 428, 428)

EXPECTED.update({
    "api:schema": Rule(get=anyone(200), post=anyone(405), other=anyone(405), note="The OpenAPI schema is public."),
    "api:docs": Rule(get=anyone(200), post=anyone(405), other=anyone(405), note="Swagger UI from sidecar files."),
    "api:article-list": api_rule(200),
    "api:article-detail": api_rule(200),
    "api:claim-list": api_rule(200),
    "api:claim-detail": Rule(
        get=by_role(401, 404, 200, 200, 200), post=by_role(401, 405, 405, 405, 405), kwargs=claim_pk,
        published=Expect(get=by_role(401, 200, 200, 200, 200), post=by_role(401, 405, 405, 405, 405)),
        other=by_role(401, either(404, 405), either(405, 428), either(405, 428), either(405, 428)),
        note="PATCH without If-Match: 428 past the policy (404 to readers); PUT and DELETE: 405.",
    ),
    "api:claim-transition": Rule(
        get=by_role(401, 405, 405, 405, 405), post=API_WRITE, kwargs=claim_pk,
        published=Expect(get=by_role(401, 405, 405, 405, 405), post=API_WRITE_PUBLISHED),
        other=by_role(401, 405, 405, 405, 405),
    ),
    "api:claim-sources": Rule(
        get=by_role(401, 405, 405, 405, 405), post=API_WRITE, kwargs=claim_pk,
        published=Expect(get=by_role(401, 405, 405, 405, 405), post=API_WRITE_PUBLISHED),
        other=by_role(401, 405, 405, 405, 405),
    ),
    # The user's own tokens page: a desk page (login, CSRF); an empty form is a 400 with its error.
    "api:tokens": Rule(get=logged_in(200), post=logged_in(400)),
    "api:token-revoke": Rule(get=not_allowed(), post=logged_in(302), kwargs=own_api_token),
})


# --- the REST API, issue 18 item 2 (second slice): articles, research, search, inbox, jobs -------------


def claim_and_source(w: World, u: Any) -> dict[str, object]:
    """For ``/api/claims/<pk>/sources/<source_pk>/``: the claim's own source."""
    return {"pk": w.claim.pk, "source_pk": w.source.pk}


def own_notification_pk(w: World, u: Any) -> dict[str, object]:
    return {"pk": own_notification(w, u)}


def export_job_pk(w: World, u: Any) -> dict[str, object]:
    """The fact-checker's export job: theirs to see (and every job is an admin's)."""
    return {"pk": w.export_job}


API_405 = by_role(401, 405, 405, 405, 405)
#: A read of something about a claim: readers see published claims only.
API_CLAIM_READ = by_role(401, 404, 200, 200, 200)

EXPECTED.update({
    # POST with an empty form: editors get past the policy to a 400 (title and body missing).
    "api:article-list": Rule(get=by_role(401, 200, 200, 200, 200), post=by_role(401, 403, 403, 400, 400),
                             other=API_405),
    "api:article-detail": Rule(
        get=by_role(401, 200, 200, 200, 200), post=API_405,
        other=by_role(401, either(403, 405), either(403, 405), either(405, 428), either(405, 428)),
        note="PATCH (a correction) without If-Match: 428 for editors, 403 below; PUT and DELETE: 405.",
    ),
    "api:article-by-url": Rule(get=API_405, post=by_role(401, 403, 403, 400, 400), other=API_405),
    "api:claim-sources": Rule(
        get=API_CLAIM_READ, post=API_WRITE, kwargs=claim_pk,
        published=Expect(get=by_role(401, 200, 200, 200, 200), post=API_WRITE_PUBLISHED),
        other=API_405,
    ),
    "api:claim-source": Rule(
        get=API_CLAIM_READ, post=API_405, kwargs=claim_and_source,
        other=by_role(401, either(404, 405), either(405, 428), either(405, 428), either(405, 428)),
        note="PATCH and DELETE without If-Match: 428 past the policy (404 to readers); PUT: 405.",
    ),
    "api:claim-comments": Rule(
        get=API_CLAIM_READ, post=by_role(401, 404, 400, 400, 400), kwargs=claim_pk,
        published=Expect(get=by_role(401, 200, 200, 200, 200), post=by_role(401, 403, 400, 400, 400)),
        other=API_405, note="An empty comment is a 400 past the policy.",
    ),
    "api:claim-assignment": Rule(
        get=API_CLAIM_READ, post=API_405, kwargs=claim_pk,
        published=Expect(get=by_role(401, 200, 200, 200, 200), post=API_405),
        other=by_role(401, either(404, 405), either(400, 405), either(400, 405), either(400, 405)),
        note="PUT without an assignee: 400 (404 to readers); PATCH and DELETE: 405.",
    ),
    "api:search": Rule(get=by_role(401, 400, 400, 400, 400), post=API_405, other=API_405,
                       note="No q: 400."),
    "api:notification-list": Rule(get=by_role(401, 200, 200, 200, 200), post=API_405, other=API_405),
    "api:notifications-read": Rule(get=API_405, post=by_role(401, 200, 200, 200, 200), other=API_405),
    "api:notification-detail": Rule(get=by_role(401, 200, 200, 200, 200), post=API_405, other=API_405,
                                    kwargs=own_notification_pk),
    "api:notification-read": Rule(get=API_405, post=by_role(401, 200, 200, 200, 200), other=API_405,
                                  kwargs=own_notification_pk),
    "api:job-list": Rule(get=by_role(401, 200, 200, 200, 200), post=API_405, other=API_405),
    "api:job-detail": Rule(get=by_role(401, 404, 200, 404, 200), post=API_405, other=API_405,
                           kwargs=export_job_pk, note="The fact-checker's job: theirs and the admin's only."),
})


# --- the W3C Web Annotation Protocol (issue 18 item 3): a container per article, an annotation per claim


def w3c_container(w: World, u: Any) -> dict[str, object]:
    return {"article_id": w.article.pk}


def w3c_annotation(w: World, u: Any) -> dict[str, object]:
    return {"article_id": w.claim.article_id, "claim_id": w.claim.pk}


EXPECTED.update({
    # An empty POST: past the policy it is refused as no annotation (400/415); readers may not create.
    "api:w3c-container": Rule(
        get=by_role(401, 200, 200, 200, 200), post=by_role(401, 403, either(400, 415), either(400, 415),
                                                            either(400, 415)),
        kwargs=w3c_container, other=API_405,
    ),
    "api:w3c-annotation": Rule(
        get=API_CLAIM_READ, post=API_405, kwargs=w3c_annotation,
        published=Expect(get=by_role(401, 200, 200, 200, 200), post=API_405),
        other=by_role(401, either(404, 405), either(405, 428, 403), either(405, 428), either(405, 428)),
        note="PUT and DELETE without If-Match: 428 past the policy (404 to readers of unpublished claims).",
    ),
})


# --- Making the requests ------------------------------------------------------------------


def client_for(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def names_a_claim(name: str) -> bool:
    """Does this URL point at a claim (``<claim_id>``, or a ``<pk>`` filled with a claim's)?"""
    rule = EXPECTED.get(name)
    return "claim_id" in ROUTES[name].converters or (rule is not None and rule.kwargs is claim_pk)


def build_url(route: Route, rule: Rule, world: World, user: Any) -> str:
    kwargs = rule.kwargs(world, user) if rule.kwargs else {}
    for name in route.converters:
        if name not in kwargs:
            if name not in DEFAULT_KWARGS:
                pytest.fail(f"{route.name}: no value for URL parameter <{name}>; add it to DEFAULT_KWARGS or kwargs=")
            kwargs[name] = DEFAULT_KWARGS[name](world, user)
    path = route.route
    for name, value in kwargs.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<str:{name}>", str(value))
        path = path.replace(f"<slug:{name}>", str(value)).replace(f"<{name}>", str(value))
    assert "<" not in path, f"{route.name}: unfilled parameter in {path}"
    return "/" + path.lstrip("^").rstrip("$")


def matches(response, expected: Status) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    if expected == ADMIN_LOGIN:
        return response.status_code == 302 and response["Location"].startswith("/admin/login/")
    if isinstance(expected, frozenset):
        return response.status_code in expected
    return response.status_code == expected


def describe(response) -> str:
    where = f" → {response['Location']}" if response.has_header("Location") else ""
    return f"{response.status_code}{where}"


CASES = [
    pytest.param(name, method, role, claim, id=f"{name}-{method}-{role}" + (f"-{claim}" if names_a_claim(name) else ""))
    for name in sorted(set(ROUTES) & set(EXPECTED))
    for claim in (CLAIMS if names_a_claim(name) else CLAIMS[:1])
    for method in METHODS
    if EXPECTED[name].expected(method, claim) is not None
    for role in ROLES
]


def test_every_url_has_an_authorisation_rule():
    missing = sorted(set(ROUTES) - set(EXPECTED))
    assert not missing, (
        "These URLs have no authorisation rule; add them to EXPECTED in tests/test_authz_matrix.py: "
        + ", ".join(f"{name} ({ROUTES[name].route})" for name in missing)
    )


def test_every_rule_names_a_url_that_exists():
    assert sorted(set(EXPECTED) - set(ROUTES)) == []


def test_every_url_naming_a_claim_has_a_rule_for_the_published_claim():
    checked = set(ROUTES) & set(EXPECTED)
    missing = sorted(name for name in checked if names_a_claim(name) and not EXPECTED[name].published)
    assert not missing, f"Add published=Expect(...) to these rules: {', '.join(missing)}"


def test_the_world_has_a_claim_in_each_state(world):
    assert world.claim.status != ClaimStatus.PUBLISHED
    assert world.about("published").claim.status == ClaimStatus.PUBLISHED
    assert world.about("published").source.claim_id == world.published_claim.pk


@pytest.mark.parametrize(("name", "method", "role", "claim"), CASES)
def test_url_answers_each_role_as_expected(world, name, method, role, claim):
    route, rule = ROUTES[name], EXPECTED[name]
    world = world.about(claim)
    client = client_for(world, role)
    url = build_url(route, rule, world, world.users[role])
    data = rule.data(world, world.users[role]) if rule.data and method == "POST" else {}
    response = client.get(url) if method == "GET" else client.post(url, data)
    expected = rule.expected(method, claim)[role]
    assert matches(response, expected), (
        f"{method} {url} as {role} ({claim} claim): got {describe(response)}, expected {expected}"
    )
    assert response.status_code < 500


OTHER_CASES = [
    pytest.param(name, method, id=f"{name}-{method}")
    for name in sorted(set(ROUTES) & set(EXPECTED))
    for method in OTHER_METHODS
]


@pytest.mark.parametrize(("name", "method"), OTHER_CASES)
def test_other_methods_are_refused_for_every_role(world, name, method):
    """PUT, PATCH, DELETE: 405 (anonymous visitors of login-only pages are sent to log in first)."""
    route, rule = ROUTES[name], EXPECTED[name]
    expected = rule.expected(method, "unpublished")
    wrong = []
    for role in ROLES:
        url = build_url(route, rule, world, world.users[role])
        response = client_for(world, role).generic(method, url)
        if not matches(response, expected[role]) or response.status_code >= 500:
            wrong.append(f"{role}: got {describe(response)}, expected {expected[role]}")
    assert not wrong, f"{method} {name}: " + "; ".join(wrong)


# --- Other people's objects ----------------------------------------------------------------


def test_nobody_marks_someone_elses_notification_as_read(world):
    notification = factories.NotificationFactory(recipient=world.users["editor"], claim=world.claim)
    for role in ("reader", "fact_checker", "admin"):
        response = client_for(world, role).post(f"/review/notifications/{notification.pk}/read/")
        assert response.status_code == 404, role
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_reader_cannot_delete_or_edit_a_claim_even_with_valid_data(world):
    client = client_for(world, "reader")
    for claim in (world.claim, world.published_claim):
        edit = client.post(f"/claims/{claim.pk}/edit/", {"version": claim.version, "statement": "x"})
        assert edit.status_code in (403, 404)
        assert client.post(f"/claims/{claim.pk}/delete/").status_code in (403, 404)
        claim.refresh_from_db()
        assert claim.statement != "x"


def test_a_fact_checker_cannot_delete_someone_elses_claim(world):
    claim = factories.ClaimFactory(article=world.article)  # created by another fact-checker
    response = client_for(world, "fact_checker").post(f"/claims/{claim.pk}/delete/")
    assert response.status_code == 403
    assert type(claim).objects.filter(pk=claim.pk).exists()


# --- What a reader sees: published work only ---------------------------------------------------


def html_for(world: World, role: str, url: str, **params: object) -> str:
    response = client_for(world, role).get(url, params)
    assert response.status_code == 200, f"{url} as {role}: {describe(response)}"
    return response.content.decode()


def test_the_article_page_lists_only_published_claims_to_readers(world):
    url = reverse("articles:detail", args=[world.article.pk])
    page = html_for(world, "reader", url)
    assert PUBLISHED_STATEMENT in page and f'id="claim-{world.published_claim.pk}"' in page
    assert UNPUBLISHED_STATEMENT not in page
    assert f"claim-{world.claim.pk}" not in page
    assert f'data-claims="{world.claim.pk}"' not in page
    for role in ("fact_checker", "editor", "admin"):
        desk_page = html_for(world, role, url)
        assert UNPUBLISHED_STATEMENT in desk_page and PUBLISHED_STATEMENT in desk_page, role


def test_the_article_page_does_not_open_an_unpublished_claim_for_a_reader(world):
    url = reverse("articles:detail", args=[world.article.pk])
    response = client_for(world, "reader").get(url, {"claim": world.claim.pk})
    assert response.status_code in (200, 404)
    page = response.content.decode()
    assert UNPUBLISHED_STATEMENT not in page
    assert "https://stats.example.org/1" not in page  # the unpublished claim's source
    opened = html_for(world, "reader", url, claim=world.published_claim.pk)
    assert "https://council.example.org/budget" in opened


def test_the_highlights_show_only_published_claims_to_readers(world):
    url = reverse("articles:highlights", args=[world.article.pk])
    page = html_for(world, "reader", url)
    assert f"claim-{world.published_claim.pk}" in page
    assert f"claim-{world.claim.pk}" not in page
    assert f"claim-{world.claim.pk}" in html_for(world, "fact_checker", url)


def test_the_panel_of_an_unpublished_claim_is_not_found_for_a_reader(world):
    client = client_for(world, "reader")
    hidden = client.get(reverse("annotations:panel", args=[world.claim.pk]))
    assert hidden.status_code == 404
    assert UNPUBLISHED_STATEMENT not in hidden.content.decode()
    shown = client.get(reverse("annotations:panel", args=[world.published_claim.pk]))
    assert shown.status_code == 200 and PUBLISHED_STATEMENT in shown.content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_refused_transition_shows_a_reader_nothing_of_an_unpublished_claim(world, htmx):
    """A refused step answers with the claim (page) or its review partial (htmx, with the history)."""
    workflow.apply(world.claim, world.users["editor"], "assign", assignee=world.users["fact_checker"],
                   note="Internal: call the ministry first.")
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client_for(world, "reader").post(reverse("review:transition", args=[world.claim.pk, "take"]), **headers)
    page = response.content.decode()
    assert UNPUBLISHED_STATEMENT not in page, "the claim's statement is shown"
    assert "call the ministry" not in page, "the claim's review history is shown"
    assert response.status_code == 404, describe(response)


def listed_counts(world: World, role: str, **filters: object) -> dict[int, tuple[int, set[str]]]:
    """Article id -> (claim count, statuses shown) on the article list as ``role`` sees it."""
    response = client_for(world, role).get(reverse("articles:list"), filters)
    assert response.status_code == 200, describe(response)
    return {
        article.pk: (article.n_claims, {item["status"] for item in article.status_counts})
        for article in response.context["page"]
    }


def test_the_article_list_counts_only_published_claims_for_readers(world):
    assert listed_counts(world, "reader")[world.article.pk] == (1, {ClaimStatus.PUBLISHED})
    assert listed_counts(world, "fact_checker")[world.article.pk] == (2, {ClaimStatus.PUBLISHED, ClaimStatus.NEW})


def test_the_article_list_filters_find_no_unpublished_claims_for_readers(world):
    checker = world.users["fact_checker"]
    workflow.apply(world.claim, world.users["editor"], "assign", assignee=checker)  # now researching
    assert world.article.pk not in listed_counts(world, "reader", status=ClaimStatus.RESEARCHING)
    assert world.article.pk not in listed_counts(world, "reader", assignee=str(checker.pk))
    assert world.article.pk in listed_counts(world, "fact_checker", status=ClaimStatus.RESEARCHING)
    assert world.article.pk in listed_counts(world, "editor", assignee=str(checker.pk))


def export_text(world: World, role: str, fmt: str, **params: object) -> str:
    response = client_for(world, role).get(reverse("exports:article", args=[world.article.pk, fmt]), params)
    assert response.status_code == 200, f"{fmt} export as {role}: {describe(response)}"
    return b"".join(response.streaming_content if response.streaming else [response.content]).decode()


@pytest.mark.parametrize("fmt", ["md", "html", "csv", "w3c"])
def test_exports_for_readers_hold_published_claims_only(world, fmt):
    reader_export = export_text(world, "reader", fmt)
    assert PUBLISHED_STATEMENT in reader_export
    assert UNPUBLISHED_STATEMENT not in reader_export
    # Asking for everything does not help a reader.
    assert UNPUBLISHED_STATEMENT not in export_text(world, "reader", fmt, published_only="0")
    desk_export = export_text(world, "fact_checker", fmt)
    assert UNPUBLISHED_STATEMENT in desk_export and PUBLISHED_STATEMENT in desk_export


def test_a_reader_exports_exactly_the_published_claims_as_csv_rows(world):
    rows = list(csv.DictReader(io.StringIO(export_text(world, "reader", "csv"))))
    assert len(rows) == 1


def test_a_readers_w3c_export_has_one_annotation(world):
    data = json.loads(export_text(world, "reader", "w3c"))
    annotations = data["first"]["items"] if "first" in data else data.get("items", [])
    assert len(annotations) == 1


def test_search_results_for_readers_hold_published_claims_only(world):
    search = reverse("search:search")
    for query in ("finding", "jobless", "unemployment"):
        assert f"#claim-{world.claim.pk}" not in html_for(world, "reader", search, q=query), query
    assert f"#claim-{world.published_claim.pk}" in html_for(world, "reader", search, q="finding")
    desk = html_for(world, "fact_checker", search, q="finding")
    assert f"#claim-{world.claim.pk}" in desk and f"#claim-{world.published_claim.pk}" in desk


def test_a_reader_cannot_search_for_unpublished_claims_by_status(world):
    response = client_for(world, "reader").get(reverse("search:search"), {"q": "finding", "status": "new"})
    assert response.status_code in (200, 400)
    assert f"#claim-{world.claim.pk}" not in response.content.decode()
