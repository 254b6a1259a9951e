"""The API on a claim's research: verdicts, sources, comments, assignment; filters, 304 and query counts."""

from __future__ import annotations

import pytest
from django.utils import timezone

from annotations.models import Claim, ClaimEvent, ClaimStatus, Comment, Notification, Source
from factcheck.entry_points import API
from tests import factories
from tests.factories import rating
from tests.test_api import Api, assert_problem, etag_of

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "fact_checker", "other_fact_checker", "editor", "admin")


@pytest.fixture
def users():
    return factories.users_by_role(ROLES)


@pytest.fixture
def claim(users):
    """A claim the fact-checker is researching (assigned to them), with one source and one comment."""
    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=users["fact_checker"],
                                   created_by=users["fact_checker"])
    factories.SourceFactory(claim=claim, url="https://stats.example.org/table", title="Table 1")
    factories.CommentFactory(claim=claim, author=users["fact_checker"], body="First look.")
    return claim


@pytest.fixture
def published(users):
    claim = factories.ClaimFactory(status=ClaimStatus.PUBLISHED, verdict=rating("true"), rationale="Checked.")
    factories.SourceFactory(claim=claim)
    return claim


#: Who may change the research of a claim assigned to the fact-checker: not the other one.
CHANGE = {"anonymous": 401, "reader": 404, "fact_checker": 200, "other_fact_checker": 403, "editor": 200,
          "admin": 200}


# --- verdicts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_setting_the_verdict_and_rationale_per_role(users, claim, role):
    response = Api(users[role]).send(
        "PATCH", f"/api/claims/{claim.pk}/", {"verdict": "false", "rationale": "The table says 8%."},
        if_match=etag_of(claim),
    )
    assert response.status_code == CHANGE[role], response.content
    claim.refresh_from_db()
    if CHANGE[role] == 200:
        assert claim.verdict.slug == "false" and claim.rationale == "The table says 8%."
        assert response.json()["verdict"] == "false" and response["ETag"] == f'W/"{claim.version}"'
        fields = set(ClaimEvent.objects.filter(claim=claim, via=API).values_list("field", flat=True))
        assert {"verdict", "rationale"} <= fields
    else:
        assert_problem(response, CHANGE[role])
        assert claim.verdict is None


def test_a_verdict_is_cleared_with_null(users, claim):
    Claim.objects.filter(pk=claim.pk).update(verdict=rating("true"))
    response = Api(users["fact_checker"]).send(
        "PATCH", f"/api/claims/{claim.pk}/", {"verdict": None}, if_match=etag_of(claim)
    )
    assert response.status_code == 200 and response.json()["verdict"] is None


def test_the_verdict_of_a_published_claim_is_409(users, published):
    response = Api(users["editor"]).send(
        "PATCH", f"/api/claims/{published.pk}/", {"verdict": "false"}, if_match=etag_of(published)
    )
    assert "correction" in assert_problem(response, 409)["detail"]
    published.refresh_from_db()
    assert published.verdict.slug == "true"


def test_claim_detail_answers_304_until_the_claim_changes(users, claim):
    client = Api(users["editor"])
    tag = client.get(f"/api/claims/{claim.pk}/")["ETag"]
    assert client.client.get(f"/api/claims/{claim.pk}/", HTTP_IF_NONE_MATCH=tag, **client.headers).status_code == 304
    client.send("PATCH", f"/api/claims/{claim.pk}/", {"claimant": "Mayor"}, if_match=tag)
    assert client.client.get(f"/api/claims/{claim.pk}/", HTTP_IF_NONE_MATCH=tag, **client.headers).status_code == 200


# --- sources -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_listing_sources_per_role(users, claim, role):
    response = Api(users[role]).get(f"/api/claims/{claim.pk}/sources/")
    expected = {"anonymous": 401, "reader": 404}.get(role, 200)
    assert response.status_code == expected
    if expected == 200:
        assert [s["url"] for s in response.json()] == ["https://stats.example.org/table"]
        assert response["ETag"] == etag_of(claim)


@pytest.mark.parametrize("role", ROLES)
def test_changing_a_source_per_role(users, claim, role):
    source = claim.sources.get()
    response = Api(users[role]).send(
        "PATCH", f"/api/claims/{claim.pk}/sources/{source.pk}/", {"title": "Table 2", "stance": "refutes"},
        if_match=etag_of(claim),
    )
    assert response.status_code == CHANGE[role], response.content
    source.refresh_from_db()
    assert (source.title == "Table 2") is (CHANGE[role] == 200)
    if CHANGE[role] == 200:
        assert response["ETag"] == etag_of(claim) and response.json()["stance"] == "refutes"
        assert ClaimEvent.objects.filter(claim=claim, kind=ClaimEvent.Kind.SOURCE_CHANGED, via=API).exists()


@pytest.mark.parametrize("role", ROLES)
def test_deleting_a_source_per_role(users, claim, role):
    source = claim.sources.get()
    response = Api(users[role]).send("DELETE", f"/api/claims/{claim.pk}/sources/{source.pk}/",
                                     if_match=etag_of(claim))
    expected = 204 if CHANGE[role] == 200 else CHANGE[role]
    assert response.status_code == expected, response.content
    assert Source.objects.filter(pk=source.pk).exists() is (expected != 204)
    if expected == 204:
        assert response["ETag"] == etag_of(claim)
        assert ClaimEvent.objects.filter(claim=claim, kind=ClaimEvent.Kind.SOURCE_REMOVED).exists()


def test_source_writes_need_a_current_if_match(users, claim):
    source = claim.sources.get()
    client = Api(users["fact_checker"])
    path = f"/api/claims/{claim.pk}/sources/{source.pk}/"
    assert_problem(client.send("PATCH", path, {"title": "x"}), 428)
    assert_problem(client.send("DELETE", path), 428)
    assert_problem(client.send("PATCH", path, {"title": "x"}, if_match='W/"0"'), 412)
    assert_problem(client.send("DELETE", path, if_match='W/"0"'), 412)
    source.refresh_from_db()
    assert source.title == "Table 1"


def test_a_source_of_another_claim_is_404(users, claim):
    other = factories.SourceFactory(claim=factories.ClaimFactory())
    response = Api(users["editor"]).get(f"/api/claims/{claim.pk}/sources/{other.pk}/")
    assert_problem(response, 404)


def test_changing_a_source_to_a_bad_url_is_400(users, claim):
    source = claim.sources.get()
    response = Api(users["fact_checker"]).send(
        "PATCH", f"/api/claims/{claim.pk}/sources/{source.pk}/", {"url": "ftp://x.example/a"}, if_match=etag_of(claim)
    )
    assert_problem(response, 400)
    source.refresh_from_db()
    assert source.url == "https://stats.example.org/table"


def test_the_sources_of_a_published_claim_are_locked(users, published):
    source = published.sources.get()
    response = Api(users["admin"]).send("DELETE", f"/api/claims/{published.pk}/sources/{source.pk}/",
                                        if_match=etag_of(published))
    assert_problem(response, 409)
    assert Source.objects.filter(pk=source.pk).exists()


# --- comments --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_commenting_per_role(users, claim, role):
    response = Api(users[role]).send("POST", f"/api/claims/{claim.pk}/comments/", {"body": "See table 3."})
    # Comments are open to the whole desk, assignee or not; readers do not see the claim.
    expected = {"anonymous": 401, "reader": 404}.get(role, 201)
    assert response.status_code == expected, response.content
    made = Comment.objects.filter(claim=claim, body="See table 3.")
    assert made.exists() is (expected == 201)
    if expected == 201:
        assert response.json()["author"] == users[role].username
        assert ClaimEvent.objects.filter(claim=claim, kind=ClaimEvent.Kind.COMMENTED, via=API).exists()


def test_a_reader_may_not_comment_on_a_published_claim(users, published):
    assert_problem(Api(users["reader"]).send("POST", f"/api/claims/{published.pk}/comments/", {"body": "x"}), 403)
    assert not Comment.objects.filter(claim=published).exists()


def test_comments_stay_open_on_a_published_claim(users, published):
    response = Api(users["fact_checker"]).send("POST", f"/api/claims/{published.pk}/comments/", {"body": "Noted."})
    assert response.status_code == 201


def test_comment_list_is_oldest_first_with_an_etag_and_304(users, claim):
    client = Api(users["editor"])
    client.send("POST", f"/api/claims/{claim.pk}/comments/", {"body": "Second."})
    response = client.get(f"/api/claims/{claim.pk}/comments/")
    assert [c["body"] for c in response.json()] == ["First look.", "Second."]
    again = client.client.get(f"/api/claims/{claim.pk}/comments/", HTTP_IF_NONE_MATCH=response["ETag"],
                              **client.headers)
    assert again.status_code == 304


def test_a_comment_on_a_stale_version_is_412_and_an_empty_one_400(users, claim):
    client = Api(users["fact_checker"])
    assert_problem(client.send("POST", f"/api/claims/{claim.pk}/comments/", {"body": "x"}, if_match='W/"0"'), 412)
    assert_problem(client.send("POST", f"/api/claims/{claim.pk}/comments/", {"body": "   "}), 400)
    ok = client.send("POST", f"/api/claims/{claim.pk}/comments/", {"body": "x"}, if_match=etag_of(claim))
    assert ok.status_code == 201
    assert Comment.objects.filter(claim=claim).count() == 2


def test_a_mention_in_a_comment_notifies_the_person(users, claim):
    editor = users["editor"]
    Api(users["fact_checker"]).send("POST", f"/api/claims/{claim.pk}/comments/", {"body": f"@{editor.username} ?"})
    assert Notification.objects.filter(recipient=editor, kind=Notification.Kind.MENTIONED).exists()


# --- assignment ----------------------------------------------------------------------------------


@pytest.fixture
def new_claim():
    return factories.ClaimFactory()


def test_assignment_reads_who_researches_the_claim(users, claim):
    response = Api(users["editor"]).get(f"/api/claims/{claim.pk}/assignment/")
    assert response.json() == {"claim": claim.pk, "assignee": users["fact_checker"].username,
                               "assignee_id": users["fact_checker"].pk, "version": claim.version}
    assert response["ETag"] == etag_of(claim)


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 401), ("reader", 404), ("fact_checker", 403), ("other_fact_checker", 403),
    ("editor", 200), ("admin", 200),
])
def test_assigning_someone_else_per_role(users, new_claim, role, status):
    target = factories.FactCheckerFactory()
    response = Api(users[role]).send(
        "PUT", f"/api/claims/{new_claim.pk}/assignment/", {"assignee": target.pk}, if_match=etag_of(new_claim)
    )
    assert response.status_code == status, response.content
    new_claim.refresh_from_db()
    assert (new_claim.assignee == target) is (status == 200)
    if status == 200:
        assert new_claim.status == ClaimStatus.RESEARCHING and response.json()["assignee"] == target.username
        assert Notification.objects.filter(recipient=target, claim=new_claim).exists()


def test_assigning_yourself_takes_the_claim(users, new_claim):
    response = Api(users["fact_checker"]).send(
        "PUT", f"/api/claims/{new_claim.pk}/assignment/", {"assignee": users["fact_checker"].pk},
        if_match=etag_of(new_claim),
    )
    assert response.status_code == 200, response.content
    new_claim.refresh_from_db()
    assert new_claim.assignee == users["fact_checker"] and response["ETag"] == etag_of(new_claim)


def test_assignment_needs_a_current_if_match_and_a_real_user(users, new_claim):
    client = Api(users["editor"])
    path = f"/api/claims/{new_claim.pk}/assignment/"
    target = users["fact_checker"].pk
    assert_problem(client.send("PUT", path, {"assignee": target}), 428)
    assert_problem(client.send("PUT", path, {"assignee": target}, if_match='W/"42"'), 412)
    assert "assignee" in assert_problem(client.send("PUT", path, {"assignee": 10**30}, if_match=etag_of(new_claim)),
                                        400)["errors"]
    reader = assert_problem(client.send("PUT", path, {"assignee": users["reader"].pk}, if_match=etag_of(new_claim)),
                            400)
    assert "cannot be assigned" in reader["detail"]
    new_claim.refresh_from_db()
    assert new_claim.assignee is None


# --- filters and query counts ----------------------------------------------------------------------


def test_claim_list_filters_by_outlet_and_updated_since(users, claim, published):
    Claim.objects.filter(pk=published.pk).update(updated_at=timezone.now() - timezone.timedelta(days=30))
    other = factories.ClaimFactory(article=factories.ArticleFactory(outlet="Other Times", body="The other paper "
                                   "said unemployment fell to 6 percent."))
    client = Api(users["editor"])

    def ids(**params):
        response = client.get("/api/claims/", **params)
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["results"]}

    assert ids(outlet="Other Times") == {other.pk}
    since = (timezone.now() - timezone.timedelta(days=1)).isoformat()
    assert ids(updated_since=since) == {claim.pk, other.pk}
    assert ids(status="researching", assignee=users["fact_checker"].username) == {claim.pk}


@pytest.mark.parametrize("params", [
    {"status": "maybe"}, {"updated_since": "soon"}, {"article": "-1"}, {"article": "9" * 40},
])
def test_bad_claim_filters_are_400_problems(users, params):
    body = assert_problem(Api(users["editor"]).get("/api/claims/", **params), 400)
    assert set(params) <= set(body["errors"])


def test_the_schema_documents_the_list_filters():
    from django.test import Client

    schema = Client().get("/api/schema/", {"format": "json"}).json()
    names = {p["name"] for p in schema["paths"]["/api/claims/"]["get"]["parameters"]}
    assert {"status", "verdict", "assignee", "article", "outlet", "updated_since", "page", "page_size"} <= names
    status = next(p for p in schema["paths"]["/api/claims/"]["get"]["parameters"] if p["name"] == "status")
    assert "published" in str(status["schema"])


@pytest.mark.parametrize("count", [5, 150])
def test_a_page_of_100_claims_takes_at_most_8_queries_whatever_the_number_of_claims(
    users, count, django_assert_max_num_queries
):
    checker = users["fact_checker"]
    article = factories.ArticleFactory()
    label = rating("false")
    Claim.objects.bulk_create([
        Claim(article=article, start=0, end=4, exact=article.body[0:4], statement=f"c{n}", assignee=checker,
              verdict=label, status=ClaimStatus.RESEARCHING)
        for n in range(count)
    ])
    client = Api(users["editor"])
    client.get("/api/claims/")  # the token's first use records last_used once
    with django_assert_max_num_queries(8):
        response = client.get("/api/claims/", page_size=100)
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(count, 100) and response.json()["count"] == count


@pytest.mark.parametrize("since", [
    "0870-04-05T23:15:44-23:10", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00",
])
def test_updated_since_with_any_offset_is_an_answer_not_a_server_error(users, claim, since):
    # Found by schemathesis: PostgreSQL refuses offsets beyond ±15:59; the filter compares in UTC.
    response = Api(users["editor"]).get("/api/claims/", updated_since=since)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "updated_since" in assert_problem(response, 400)["errors"]
