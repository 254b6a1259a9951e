"""The REST API: reads narrowed by the policies, writes through the services, ETag/If-Match, problem+json."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.models import Claim, ClaimEvent, ClaimStatus, Source
from api.models import ApiToken
from factcheck.entry_points import API
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "fact_checker", "editor", "admin")
PROBLEM = "application/problem+json"


@pytest.fixture
def users():
    return factories.users_by_role(ROLES)


@pytest.fixture
def world(users):
    article = factories.ArticleFactory(outlet="Daily Example")
    draft = factories.ClaimFactory(article=article, created_by=users["fact_checker"])
    published = factories.ClaimFactory(
        article=article, phrase="a budget of 4.2 million euros", status=ClaimStatus.PUBLISHED,
        verdict=rating("true"), rationale="The budget says so.",
    )
    factories.SourceFactory(claim=published, url="https://council.example.org/budget")
    return {"article": article, "draft": draft, "published": published}


class Api:
    """A client speaking as one role, with a token (anonymous: no header)."""

    def __init__(self, user) -> None:
        self.client = Client()
        self.headers = {}
        if user is not None:
            _token, key = ApiToken.issue(user, "tests")
            self.headers["HTTP_AUTHORIZATION"] = f"Token {key}"

    def get(self, path, **params):
        return self.client.get(path, params, **self.headers)

    def send(self, method, path, data=None, if_match=None):
        headers = dict(self.headers)
        if if_match is not None:
            headers["HTTP_IF_MATCH"] = if_match
        return self.client.generic(
            method, path, json.dumps(data or {}), content_type="application/json", **headers
        )


def api(users, role):
    return Api(users[role])


def etag_of(claim: Claim) -> str:
    return f'W/"{Claim.objects.get(pk=claim.pk).version}"'


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]
    return body


# --- reads -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_claim_list_shows_each_role_what_the_policy_lets_them_see(users, world, role):
    response = api(users, role).get("/api/claims/")
    if role == "anonymous":
        assert_problem(response, 401)
        return
    assert response.status_code == 200
    ids = {claim["id"] for claim in response.json()["results"]}
    if role == "reader":
        assert ids == {world["published"].pk}
    else:
        assert ids == {world["published"].pk, world["draft"].pk}


@pytest.mark.parametrize("role", ROLES)
def test_claim_detail_hides_unpublished_claims_from_readers(users, world, role):
    client = api(users, role)
    draft = client.get(f"/api/claims/{world['draft'].pk}/")
    published = client.get(f"/api/claims/{world['published'].pk}/")
    if role == "anonymous":
        assert_problem(draft, 401)
        assert_problem(published, 401)
        return
    assert published.status_code == 200
    assert published["ETag"] == etag_of(world["published"])
    assert [s["url"] for s in published.json()["sources"]] == ["https://council.example.org/budget"]
    assert published.json()["verdict"] == "true"
    if role == "reader":
        assert_problem(draft, 404)
    else:
        assert draft.status_code == 200 and draft["ETag"] == etag_of(world["draft"])


@pytest.mark.parametrize("role", ROLES)
def test_article_detail_lists_the_claims_the_user_may_see(users, world, role):
    response = api(users, role).get(f"/api/articles/{world['article'].pk}/")
    if role == "anonymous":
        assert_problem(response, 401)
        return
    assert response.status_code == 200
    body = response.json()
    assert body["body"] == world["article"].body
    assert response["ETag"] == f'W/"{world["article"].version}"'
    expected = {world["published"].pk} if role == "reader" else {world["published"].pk, world["draft"].pk}
    assert set(body["claims"]) == expected


def test_article_list_filters_by_words_in_the_title_and_by_outlet(users, world):
    factories.ArticleFactory(title="Harbour works delayed", outlet="Other Times")
    client = api(users, "reader")
    assert [a["outlet"] for a in client.get("/api/articles/", q="harbour").json()["results"]] == ["Other Times"]
    by_outlet = client.get("/api/articles/", outlet="Daily Example").json()["results"]
    assert [a["id"] for a in by_outlet] == [world["article"].pk]
    assert "body" not in by_outlet[0]


def test_claim_list_filters_by_status_article_verdict_and_assignee(users, world):
    checker = users["fact_checker"]
    Claim.objects.filter(pk=world["draft"].pk).update(assignee=checker, status=ClaimStatus.RESEARCHING)
    client = api(users, "editor")

    def ids(**params):
        return {c["id"] for c in client.get("/api/claims/", **params).json()["results"]}

    assert ids(status="published") == {world["published"].pk}
    assert ids(verdict="true") == {world["published"].pk}
    assert ids(verdict="none") == {world["draft"].pk}
    assert ids(assignee=checker.username) == {world["draft"].pk}
    assert ids(assignee=str(checker.pk)) == {world["draft"].pk}
    assert ids(assignee="none") == {world["published"].pk}
    assert ids(article=str(world["article"].pk)) == {world["draft"].pk, world["published"].pk}
    assert_problem(client.get("/api/claims/", article="x"), 400)


def test_claim_list_pages_hold_at_most_100(users, world):
    article = world["article"]
    Claim.objects.bulk_create([
        Claim(article=article, start=0, end=4, exact=article.body[0:4], statement=f"c{n}") for n in range(105)
    ])
    client = api(users, "editor")
    first = client.get("/api/claims/", page_size=500).json()
    assert len(first["results"]) == 100 and first["count"] == 107 and first["next"]
    assert len(client.get("/api/claims/").json()["results"]) == 50


@pytest.mark.parametrize("path", ["/api/claims/", "/api/articles/"])
def test_list_endpoints_run_the_same_number_of_queries_for_3_or_30_rows(users, path, django_assert_max_num_queries):
    client = api(users, "editor")

    def make(count: int) -> None:
        for n in range(count):
            article = factories.ArticleFactory(title=f"Story {n}")
            factories.ClaimFactory(article=article, assignee=users["fact_checker"], verdict=rating("false"))

    make(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    make(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(path)
    assert response.status_code == 200 and response.json()["count"] == 30
    assert len(response.json()["results"]) == 30


# --- writes: PATCH -------------------------------------------------------------------------


def test_patch_changes_the_claim_through_the_services_with_history_from_the_api(users, world):
    claim = world["draft"]
    response = api(users, "fact_checker").send(
        "PATCH", f"/api/claims/{claim.pk}/", {"statement": "Reworded", "verdict": "false"}, if_match=etag_of(claim)
    )
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.statement == "Reworded" and claim.verdict.slug == "false"
    assert response["ETag"] == f'W/"{claim.version}"' and response.json()["version"] == claim.version
    events = ClaimEvent.objects.filter(claim=claim, kind=ClaimEvent.Kind.EDITED)
    assert {e.field for e in events} == {"statement", "verdict"}
    assert {e.via for e in events} == {API}


def test_patch_without_if_match_is_428_and_changes_nothing(users, world):
    claim = world["draft"]
    body = assert_problem(api(users, "editor").send("PATCH", f"/api/claims/{claim.pk}/", {"statement": "x"}), 428)
    assert "If-Match" in body["detail"]
    claim.refresh_from_db()
    assert claim.statement != "x"


def test_patch_with_a_stale_etag_is_412_with_the_current_version(users, world):
    claim = world["draft"]
    stale = etag_of(claim)
    services.update_claim(claim, user=users["editor"], expected_version=claim.version, changes={"claimant": "Mayor"})
    response = api(users, "fact_checker").send("PATCH", f"/api/claims/{claim.pk}/", {"statement": "x"}, if_match=stale)
    body = assert_problem(response, 412)
    claim.refresh_from_db()
    assert body["current_version"] == claim.version and response["ETag"] == f'W/"{claim.version}"'
    assert claim.statement != "x"


def test_patch_with_an_unparseable_if_match_is_412(users, world):
    claim = world["draft"]
    assert_problem(api(users, "editor").send("PATCH", f"/api/claims/{claim.pk}/", {}, if_match="banana"), 412)


def test_patch_of_a_published_claim_is_409_and_says_to_propose_a_correction(users, world):
    claim = world["published"]
    response = api(users, "admin").send(
        "PATCH", f"/api/claims/{claim.pk}/", {"statement": "x"}, if_match=etag_of(claim)
    )
    body = assert_problem(response, 409)
    assert "correction" in body["detail"]


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 401), ("reader", 404), ("fact_checker", 200), ("editor", 200), ("admin", 200),
])
def test_patch_per_role(users, world, role, status):
    claim = world["draft"]
    response = api(users, role).send(
        "PATCH", f"/api/claims/{claim.pk}/", {"claimant": "Mayor"}, if_match=etag_of(claim)
    )
    assert response.status_code == status


def test_a_fact_checker_patching_a_claim_assigned_to_someone_else_is_403(users, world):
    claim = world["draft"]
    Claim.objects.filter(pk=claim.pk).update(assignee=factories.FactCheckerFactory(), status=ClaimStatus.RESEARCHING)
    for path, data in ((f"/api/claims/{claim.pk}/", {"claimant": "x"}), (f"/api/claims/{claim.pk}/sources/",
                                                                         {"url": "https://example.org/a"})):
        body = assert_problem(api(users, "fact_checker").send(
            "PATCH" if path.endswith(f"{claim.pk}/") else "POST", path, data, if_match=etag_of(claim)
        ), 403)
        assert "assigned to" in body["detail"]


def test_a_reader_patching_a_published_claim_is_403(users, world):
    claim = world["published"]
    response = api(users, "reader").send(
        "PATCH", f"/api/claims/{claim.pk}/", {"claimant": "x"}, if_match=etag_of(claim)
    )
    assert_problem(response, 403)


def test_patch_validation_errors_are_listed_under_errors(users, world):
    claim = world["draft"]
    response = api(users, "editor").send(
        "PATCH", f"/api/claims/{claim.pk}/", {"verdict": "no-such-label"}, if_match=etag_of(claim)
    )
    body = assert_problem(response, 400)
    assert "verdict" in body["errors"]


def test_patch_over_the_length_cap_is_400_not_500(users, world):
    claim = world["draft"]
    response = api(users, "editor").send(
        "PATCH", f"/api/claims/{claim.pk}/", {"claimant": "x" * 100_000}, if_match=etag_of(claim)
    )
    assert_problem(response, 400)


# --- writes: transitions and sources ----------------------------------------------------------


def test_a_transition_runs_through_the_workflow(users, world):
    claim = world["draft"]
    response = api(users, "fact_checker").send(
        "POST", f"/api/claims/{claim.pk}/transitions/take/", {}, if_match=etag_of(claim)
    )
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RESEARCHING and claim.assignee == users["fact_checker"]
    assert response["ETag"] == f'W/"{claim.version}"'


def test_a_transition_without_if_match_is_428_and_stale_is_412(users, world):
    claim = world["draft"]
    client = api(users, "editor")
    assert_problem(client.send("POST", f"/api/claims/{claim.pk}/transitions/take/"), 428)
    assert_problem(client.send("POST", f"/api/claims/{claim.pk}/transitions/take/", if_match='W/"999"'), 412)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEW


def test_a_forbidden_transition_is_403_and_an_unready_one_400(users, world):
    claim = world["draft"]
    forbidden = api(users, "fact_checker").send(
        "POST", f"/api/claims/{claim.pk}/transitions/publish/", if_match=etag_of(claim)
    )
    assert_problem(forbidden, 403)
    unready = api(users, "editor").send("POST", f"/api/claims/{claim.pk}/transitions/publish/", if_match=etag_of(claim))
    assert_problem(unready, 400)
    unknown = api(users, "editor").send("POST", f"/api/claims/{claim.pk}/transitions/fly/", if_match=etag_of(claim))
    assert_problem(unknown, 404)


def test_assign_takes_the_assignee_by_id(users, world):
    claim = world["draft"]
    checker = users["fact_checker"]
    response = api(users, "editor").send(
        "POST", f"/api/claims/{claim.pk}/transitions/assign/", {"assignee": checker.pk}, if_match=etag_of(claim)
    )
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == checker.username


def test_adding_a_source_goes_through_the_service(users, world):
    claim = world["draft"]
    response = api(users, "fact_checker").send(
        "POST", f"/api/claims/{claim.pk}/sources/", {"url": "https://example.org/evidence", "stance": "supports"},
        if_match=etag_of(claim),
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == etag_of(claim)
    assert Source.objects.filter(claim=claim, url="https://example.org/evidence").exists()
    assert ClaimEvent.objects.filter(claim=claim, kind=ClaimEvent.Kind.SOURCE_ADDED, via=API).exists()


def test_a_bad_source_url_is_400_and_missing_if_match_428(users, world):
    claim = world["draft"]
    client = api(users, "fact_checker")
    assert_problem(client.send("POST", f"/api/claims/{claim.pk}/sources/", {"url": "https://example.org/x"}), 428)
    body = assert_problem(
        client.send(
            "POST", f"/api/claims/{claim.pk}/sources/", {"url": "javascript:alert(1)"}, if_match=etag_of(claim)
        ),
        400,
    )
    assert "url" in body["errors"]
    assert not Source.objects.filter(claim=claim).exists()


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 401), ("reader", 403), ("fact_checker", 409), ("editor", 409), ("admin", 409),
])
def test_adding_a_source_to_a_published_claim_per_role(users, world, role, status):
    claim = world["published"]
    response = api(users, role).send(
        "POST", f"/api/claims/{claim.pk}/sources/", {"url": "https://example.org/late"}, if_match=etag_of(claim)
    )
    assert_problem(response, status)


# --- sessions, throttling, schema -----------------------------------------------------------------


def test_a_browser_session_reads_the_api_and_writes_need_the_csrf_token(users, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["editor"])
    assert client.get("/api/claims/").status_code == 200
    claim = world["draft"]
    response = client.patch(
        f"/api/claims/{claim.pk}/", json.dumps({"claimant": "x"}), content_type="application/json",
        HTTP_IF_MATCH=etag_of(claim),
    )
    assert_problem(response, 403)
    assert "CSRF" in response.json()["detail"]


def test_requests_beyond_the_rate_are_throttled_per_token(users, world, settings):
    settings.FACTDESK_API_THROTTLE_ENABLED = True
    settings.FACTDESK_API_RATE = "2/hour"
    cache.clear()
    first, second = Api(users["editor"]), Api(users["editor"])
    assert first.get("/api/articles/").status_code == 200
    assert first.get("/api/articles/").status_code == 200
    throttled = first.get("/api/articles/")
    assert_problem(throttled, 429)
    assert throttled.has_header("Retry-After")
    assert second.get("/api/articles/").status_code == 200  # another token has its own count
    cache.clear()


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_the_schema_is_openapi_3_and_lists_the_endpoints(fmt):
    response = Client().get("/api/schema/", {"format": fmt} if fmt == "json" else {})
    assert response.status_code == 200
    schema = json.loads(response.content) if fmt == "json" else yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/articles/", "/api/articles/{id}/", "/api/claims/", "/api/claims/{id}/",
        "/api/claims/{id}/transitions/{name}/", "/api/claims/{id}/sources/",
        "/api/articles/by-url/", "/api/claims/{id}/sources/{source_pk}/", "/api/claims/{id}/comments/",
        "/api/claims/{id}/assignment/", "/api/search/", "/api/notifications/", "/api/notifications/read/",
        "/api/notifications/{id}/", "/api/notifications/{id}/read/", "/api/jobs/", "/api/jobs/{id}/",
    } <= set(schema["paths"])
    assert "post" in schema["paths"]["/api/articles/"] and "patch" in schema["paths"]["/api/articles/{id}/"]
    assert "patch" in schema["paths"]["/api/claims/{id}/"]


def test_the_docs_page_loads_its_scripts_from_our_own_static_files():
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "//unpkg" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []  # no inline script: the CSP allows none
    script = Client().get("/api/docs/", {"script": ""})
    assert script.status_code == 200


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    # --validate checks the document against the OpenAPI 3 JSON schema; --fail-on-warn turns an
    # endpoint the generator cannot describe (an unknown authenticator, an enum clash) into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    schema = yaml.safe_load((tmp_path / "schema.yml").read_text())
    assert "tokenAuth" in schema["components"]["securitySchemes"]
