"""Authorisation audit: every URL × GET/POST × anonymous / reader / fact-checker / editor / admin.

The URL list is read from the URL configuration, not written by hand, so a new view
without a rule in :data:`EXPECTED` makes ``test_every_url_has_an_authorisation_rule``
fail: add the view's name to ``EXPECTED`` with the statuses each role should get.

Rules are built from a few helpers (``anyone``, ``logged_in``, ``checkers``, ``editors``,
``admin_only``, ``not_allowed``); the anonymous visitor is expected to be sent to the login
page (``LOGIN``) unless the rule says otherwise. A status may be a set when a view
legitimately answers either way (for example 200 or 400 for an empty form sent over htmx),
but never mixes "allowed" and "refused". POST requests carry no form data: the point is
who gets past the permission check, not whether the form is valid.

Admin pages other than the index are Django's own (``ModelAdmin`` permission checks) and
are left out, as are static files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from annotations import services
from annotations.exports import jobs
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "fact_checker", "editor", "admin")
LOGIN = "login"  # 302 to the login page
ADMIN_LOGIN = "admin-login"  # 302 to the admin's login page
Status = int | str | frozenset[int]


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
    """Objects every URL can point at, and the users of each role."""

    users: dict[str, AbstractBaseUser | None]
    article: Any
    claim: Any
    source: Any
    revision: Any
    other_claim: Any
    export_job: str
    extra: dict[str, Any] = field(default_factory=dict)


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
    claim = factories.ClaimFactory(article=article, created_by=checker)
    source = services.add_source(claim, user=checker, url="https://stats.example.org/1", title="Report")
    revision = factories.ArticleRevisionFactory(article=article, number=1)
    other_article = factories.ArticleFactory(body=factories.ARTICLE_BODY + "\n\nOne more paragraph.")
    other_claim = factories.ClaimFactory(article=other_article, created_by=checker)
    job = jobs.create(owner_id=checker.pk, article_ids=[article.pk], published_only=False)
    return World(users, article, claim, source, revision, other_claim, job)


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
    return {"pk": w.claim.pk}


# --- Rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Expected status per role for GET and for POST (None: that method is not checked)."""

    get: dict[str, Status] | None
    post: dict[str, Status] | None
    kwargs: Callable[[World, Any], dict[str, object]] | None = None
    #: Valid form data for the POST, so an allowed role really gets through (and a view that
    #: validates before it checks permissions still shows its refusal).
    data: Callable[[World, Any], dict[str, object]] | None = None
    note: str = ""


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


def either(*statuses: int) -> frozenset[int]:
    return frozenset(statuses)


HTMX_FORM = either(200, 400)  # an empty htmx form: re-rendered with errors, as 200 or 400

EXPECTED: dict[str, Rule] = {
    # Project-level
    "home": Rule(get=logged_in(302), post=logged_in(302)),
    "healthz": Rule(get=anyone(200), post=anyone(405)),
    "admin:index": Rule(
        get=by_role(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200), post=None,
        note="Django's admin: staff only; its model pages use ModelAdmin permissions.",
    ),
    # Accounts (django.contrib.auth)
    "login": Rule(get=anyone(200), post=anyone(200)),
    "logout": Rule(get=logged_in(405), post=logged_in(302)),
    "password_change": Rule(get=logged_in(200), post=logged_in(200)),
    "password_change_done": Rule(get=logged_in(200), post=not_allowed()),
    "password_reset": Rule(get=anyone(200), post=anyone(200)),
    "password_reset_done": Rule(get=anyone(200), post=anyone(405)),
    "password_reset_confirm": Rule(get=anyone(200), post=anyone(200)),
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
    "editing:reattach": Rule(get=editors(200), post=editors(200), kwargs=lambda w, u: {"claim_id": w.claim.pk}),
    "editing:checked": Rule(get=not_allowed(), post=editors(302), kwargs=lambda w, u: {"claim_id": w.claim.pk}),
    # The claim panel: readers see it, fact-checkers change it.
    "annotations:verdict_css": Rule(get=logged_in(200), post=not_allowed()),
    "annotations:panel": Rule(get=logged_in(200), post=not_allowed()),
    "annotations:permalink": Rule(get=logged_in(302), post=not_allowed()),
    "annotations:edit": Rule(
        get=not_allowed(), post=checkers(302),
        data=lambda w, u: {"version": w.claim.version, "statement": "Reworded by the matrix"},
    ),
    "annotations:source_add": Rule(
        get=not_allowed(), post=checkers(302),
        data=lambda w, u: {"new-source-url": "https://example.org/evidence", "new-source-stance": "context"},
    ),
    "annotations:source_edit": Rule(
        get=logged_in(200), post=checkers(302),
        data=lambda w, u: {
            f"source-{w.source.pk}-url": "https://example.org/moved", f"source-{w.source.pk}-stance": "supports",
        },
    ),
    "annotations:source_remove": Rule(get=not_allowed(), post=checkers(302)),
    "annotations:comment_add": Rule(get=not_allowed(), post=checkers(302), data=lambda w, u: {"body": "Checked."}),
    "annotations:delete": Rule(
        get=checkers(200), post=checkers(302),
        note="The claim belongs to the fact-checker, who may delete it while unpublished.",
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
    "review:transition": Rule(get=not_allowed(), post=checkers(302), kwargs=claim_pk),
    # Exports
    "exports:article": Rule(get=logged_in(200), post=not_allowed(), kwargs=lambda w, u: {"fmt": "md"}),
    "exports:w3c_import": Rule(get=editors(200), post=editors(400)),
    "exports:job": Rule(
        get=by_role(LOGIN, 403, 200, 403, 200), post=not_allowed(),
        note="The job belongs to the fact-checker: only they and admins see it.",
    ),
    "exports:job_download": Rule(
        get=by_role(LOGIN, 403, 404, 403, 404), post=not_allowed(), note="Not finished yet: 404 for those allowed.",
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
        get=checkers(200, refused=404), post=not_allowed(), kwargs=claim_pk,
        note="Readers only see published claims: an unpublished one is 404 to them.",
    ),
    "search:link": Rule(
        get=not_allowed(), post=editors(200, refused=403) | {"reader": 404}, kwargs=claim_pk,
        data=lambda w, u: {"other": w.other_claim.pk},
    ),
    "search:unlink": Rule(
        get=not_allowed(), post=editors(400) | {"reader": 404}, kwargs=claim_pk,
        note="The claim is in no group, so editors get a clear 400.",
    ),
    "search:copy_sources": Rule(
        get=not_allowed(), post=checkers(400, refused=404), kwargs=claim_pk,
        data=lambda w, u: {"from": w.other_claim.pk},
        note="The claims are not linked, so fact-checkers get a clear 400.",
    ),
}


# --- Making the requests ------------------------------------------------------------------


def client_for(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


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
    pytest.param(name, method, role, id=f"{name}-{method}-{role}")
    for name in sorted(set(ROUTES) & set(EXPECTED))
    for method in ("GET", "POST")
    if getattr(EXPECTED[name], method.lower()) is not None
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


@pytest.mark.parametrize(("name", "method", "role"), CASES)
def test_url_answers_each_role_as_expected(world, name, method, role):
    route, rule = ROUTES[name], EXPECTED[name]
    client = client_for(world, role)
    url = build_url(route, rule, world, world.users[role])
    data = rule.data(world, world.users[role]) if rule.data and method == "POST" else {}
    response = client.get(url) if method == "GET" else client.post(url, data)
    expected = getattr(rule, method.lower())[role]
    assert matches(response, expected), f"{method} {url} as {role}: got {describe(response)}, expected {expected}"
    assert response.status_code < 500


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_send_anonymous_visitors_to_log_in(world, method):
    """Login-only pages stay closed whatever the method; public pages never fail with a 500."""
    client = client_for(world, "anonymous")
    for name, route in ROUTES.items():
        rule = EXPECTED.get(name)
        if rule is None or rule.get is None:
            continue
        url = build_url(route, rule, world, None)
        response = client.generic(method, url)
        if rule.get["anonymous"] in (LOGIN, ADMIN_LOGIN):
            assert matches(response, rule.get["anonymous"]), f"{method} {url}: {describe(response)}"
        else:
            assert response.status_code < 500, f"{method} {url}: {describe(response)}"


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
    claim = world.claim
    assert client.post(f"/claims/{claim.pk}/edit/", {"version": claim.version, "statement": "x"}).status_code == 403
    assert client.post(f"/claims/{claim.pk}/delete/").status_code == 403
    claim.refresh_from_db()
    assert claim.statement != "x"


def test_a_fact_checker_cannot_delete_someone_elses_claim(world):
    claim = factories.ClaimFactory(article=world.article)  # created by another fact-checker
    response = client_for(world, "fact_checker").post(f"/claims/{claim.pk}/delete/")
    assert response.status_code == 403
    assert type(claim).objects.filter(pk=claim.pk).exists()
