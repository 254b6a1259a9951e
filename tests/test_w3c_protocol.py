"""The W3C Web Annotation Protocol at /api/w3c/ (api/protocol.py): one test per server MUST of
https://www.w3.org/TR/annotation-protocol/ sections 4 (retrieval), 5 (containers) and 6 (create,
update, delete), then the desk's own rules: roles, If-Match, query counts, a round trip."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from annotations.models import Claim, ClaimEvent, ClaimStatus
from api import protocol
from api.models import ApiToken
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

ANNO = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
PROBLEM = "application/problem+json"
PHRASE = "the lowest level since 2009"


@pytest.fixture
def users():
    return factories.users_by_role(("anonymous", "reader", "fact_checker", "editor", "admin"))


@pytest.fixture
def world(users):
    article = factories.ArticleFactory()
    draft = factories.ClaimFactory(article=article, created_by=users["fact_checker"])
    published = factories.ClaimFactory(
        article=article, phrase="a budget of 4.2 million euros", status=ClaimStatus.PUBLISHED,
        verdict=rating("true"), rationale="The budget says so.",
    )
    factories.SourceFactory(claim=published, url="https://council.example.org/budget")
    return {"article": article, "draft": draft, "published": published}


class Anno:
    """An annotation client speaking as one role with an API token (anonymous: no header)."""

    def __init__(self, user) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _token, key = ApiToken.issue(user, "tests")
            self.headers["HTTP_AUTHORIZATION"] = f"Token {key}"

    def request(self, method, path, data=None, *, content_type=ANNO, **headers):
        body = data if isinstance(data, str) else json.dumps(data) if data is not None else ""
        return self.client.generic(method, path, body, content_type=content_type, **self.headers, **headers)

    def get(self, path, **headers):
        return self.request("GET", path, **headers)


def container(article) -> str:
    return f"/api/w3c/articles/{article.pk}/"


def annotation(claim) -> str:
    return f"/api/w3c/articles/{claim.article_id}/{claim.pk}"


def new_annotation(article, phrase=PHRASE, **extra):
    start = article.body.index(phrase)
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "assessing",
        "body": [
            {"type": "TextualBody", "purpose": "describing", "value": "Unemployment is at a 15-year low."},
            {"type": "TextualBody", "purpose": "identifying", "value": "Officials"},
            {"type": "SpecificResource", "purpose": "linking", "source": "https://stats.example.org/2024"},
        ],
        "target": {
            "source": article.url,
            "selector": [
                {"type": "TextQuoteSelector", "exact": phrase, "prefix": "6 percent, ", "suffix": ".\n\n"},
                {"type": "TextPositionSelector", "start": start, "end": start + len(phrase)},
            ],
        },
        **extra,
    }


def links(response) -> str:
    return response.get("Link", "")


def assert_problem(response, code):
    assert response.status_code == code, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["detail"]
    return response.json()


@pytest.fixture
def checker(users):
    return Anno(users["fact_checker"])


@pytest.fixture
def editor(users):
    return Anno(users["editor"])


# --- 4. Annotation Retrieval -------------------------------------------------------------------


def test_annotation_server_must_support_get_on_the_annotation_iri(world, checker):
    response = checker.get(annotation(world["draft"]))
    assert response.status_code == 200
    assert response.json()["type"] == "Annotation"


def test_annotation_server_must_support_head_on_the_annotation_iri(world, checker):
    response = checker.request("HEAD", annotation(world["draft"]))
    assert response.status_code == 200
    assert response.content == b""
    assert response["ETag"]


def test_annotation_server_must_support_options_on_the_annotation_iri_for_cors_preflight(world):
    response = Anno(None).request("OPTIONS", annotation(world["draft"]))  # pre-flights carry no credentials
    assert response.status_code == 200
    assert {"GET", "HEAD", "OPTIONS"} <= set(response["Allow"].replace(" ", "").split(","))


def test_annotation_must_be_available_as_json_ld_with_the_annotation_profile(world, checker):
    response = checker.get(annotation(world["draft"]), HTTP_ACCEPT=ANNO)
    assert response.status_code == 200
    assert response.json()["@context"] == "http://www.w3.org/ns/anno.jsonld"


def test_annotation_response_must_have_content_type_application_ld_json(world, checker):
    response = checker.get(annotation(world["draft"]))
    assert response["Content-Type"].startswith("application/ld+json")
    assert 'profile="http://www.w3.org/ns/anno.jsonld"' in response["Content-Type"]


def test_annotation_response_must_have_link_type_ldp_resource(world, checker):
    response = checker.get(annotation(world["draft"]))
    assert re.search(r'<http://www\.w3\.org/ns/ldp#Resource>; *rel="type"', links(response))


def test_annotation_response_must_have_an_etag(world, checker):
    response = checker.get(annotation(world["draft"]))
    assert response["ETag"] == f'W/"{world["draft"].version}"'


def test_annotation_response_must_have_an_allow_header_listing_its_methods(world, checker, users):
    mine = checker.get(annotation(world["draft"]))
    assert set(mine["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
    reader = Anno(users["reader"]).get(annotation(world["published"]))
    assert set(reader["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


def test_annotation_response_must_vary_on_accept_when_negotiating(world, checker):
    response = checker.get(annotation(world["draft"]))
    assert "Accept" in response["Vary"]


def test_annotation_is_the_w3c_exports_json_ld_with_the_protocol_id(world, checker):
    from annotations.exports.w3c import article_annotations

    exported = article_annotations(world["article"], published_only=False)["first"]["items"]
    export = next(item for item in exported if item["target"]["selector"][1]["start"] == world["published"].start)
    served = checker.get(annotation(world["published"])).json()
    assert served["id"] == "http://testserver" + annotation(world["published"])
    assert {**served, "id": None} == {**export, "id": None}


def test_another_accept_type_is_406_with_a_problem(world, checker):
    response = checker.get(annotation(world["draft"]), HTTP_ACCEPT="text/turtle")
    assert_problem(response, 406)


def test_plain_json_is_served_when_asked_for(world, checker):
    response = checker.get(annotation(world["draft"]), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


# --- 5. Annotation Containers -----------------------------------------------------------------


def test_annotation_server_must_provide_a_container_per_article(world, checker):
    response = checker.get(container(world["article"]))
    assert response.status_code == 200
    assert response.json()["total"] == 2


def test_container_iri_must_end_in_a_slash(world):
    assert container(world["article"]).endswith("/")
    assert protocol.container_path(world["article"].pk).endswith("/")


def test_container_must_support_get(world, checker):
    assert checker.get(container(world["article"])).status_code == 200


def test_container_must_support_head(world, checker):
    response = checker.request("HEAD", container(world["article"]))
    assert response.status_code == 200
    assert response["ETag"]


def test_container_must_support_options(world):
    response = Anno(None).request("OPTIONS", container(world["article"]))
    assert response.status_code == 200
    assert {"GET", "HEAD", "OPTIONS", "POST"} <= set(response["Allow"].replace(" ", "").split(","))


def test_container_get_must_return_a_description_of_the_container_in_json_ld(world, checker):
    body = checker.get(container(world["article"]), HTTP_ACCEPT=ANNO).json()
    assert body["@context"] == ["http://www.w3.org/ns/anno.jsonld", "http://www.w3.org/ns/ldp.jsonld"]
    assert body["type"] == ["BasicContainer", "AnnotationCollection"]


def test_container_must_advertise_its_type_in_a_link_header(world, checker):
    response = checker.get(container(world["article"]))
    assert re.search(r'<http://www\.w3\.org/ns/ldp#BasicContainer>; *rel="type"', links(response))


def test_container_must_advertise_the_protocol_constraints_in_a_link_header(world, checker):
    response = checker.get(container(world["article"]))
    assert '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"' in links(
        response
    )


def test_container_must_return_the_link_header_on_all_responses(world, checker):
    for response in (
        checker.request("OPTIONS", container(world["article"])),
        checker.get(container(world["article"]) + "?page=9"),  # an error too
    ):
        assert "ldp#BasicContainer" in links(response)


def test_container_responses_must_include_an_etag(world, checker):
    first = checker.get(container(world["article"]))
    assert first["ETag"]
    assert Anno(None).request("OPTIONS", container(world["article"]))["ETag"]
    assert checker.get(container(world["article"]) + "?page=9")["ETag"]  # errors too ("all responses")
    factories.ClaimFactory(article=world["article"], phrase="Residents gathered")
    assert checker.get(container(world["article"]))["ETag"] != first["ETag"]


def test_container_must_answer_json_ld_when_accept_is_absent(world, checker):
    response = checker.get(container(world["article"]))
    assert response["Content-Type"].startswith("application/ld+json")


def test_container_must_vary_on_accept_when_negotiating(world, checker):
    response = checker.get(container(world["article"]))
    assert "Accept" in response["Vary"]
    assert "Prefer" in response["Vary"]


def test_container_advertises_accept_post(world, checker):
    response = checker.get(container(world["article"]))
    assert ANNO in response["Accept-Post"]


def test_container_with_annotations_must_link_or_embed_its_first_page(world, checker):
    body = checker.get(container(world["article"])).json()
    assert body["first"]["type"] == "AnnotationPage"
    assert len(body["first"]["items"]) == 2
    assert body["last"].endswith("page=0")


def test_empty_container_has_no_first_page(users):
    body = Anno(users["fact_checker"]).get(container(factories.ArticleFactory())).json()
    assert body["total"] == 0
    assert "first" not in body


def test_container_must_include_content_location_equal_to_its_id(world, checker):
    response = checker.get(container(world["article"]))
    assert response["Content-Location"] == response.json()["id"]
    assert response["Content-Location"].endswith(container(world["article"]) + "?iris=0")


def test_minimal_container_preference_must_not_embed_the_first_page_nor_ldp_contains(world, checker):
    prefer = 'return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer"'
    response = checker.get(container(world["article"]), HTTP_PREFER=prefer)
    body = response.json()
    assert isinstance(body["first"], str) and isinstance(body["last"], str)
    assert "ldp:contains" not in body and "contains" not in body and "items" not in body
    assert response["Preference-Applied"] == "return=representation"


def test_prefer_contained_iris_must_answer_a_first_page_of_iris_only(world, checker):
    prefer = 'return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs"'
    response = checker.get(container(world["article"]), HTTP_PREFER=prefer)
    body = response.json()
    assert body["first"]["type"] == "AnnotationPage"
    assert body["first"]["items"] == [
        "http://testserver" + annotation(claim) for claim in (world["published"], world["draft"])  # text order
    ]
    assert response["Content-Location"].endswith("?iris=1")


def test_prefer_contained_descriptions_must_answer_a_first_page_of_full_annotations(world, checker):
    prefer = 'return=representation;include="http://www.w3.org/ns/oa#PreferContainedDescriptions"'
    body = checker.get(container(world["article"]), HTTP_PREFER=prefer).json()
    items = body["first"]["items"]
    assert [item["type"] for item in items] == ["Annotation", "Annotation"]
    assert all("target" in item and "@context" in item for item in items)


def test_minimal_container_with_iris_links_pages_of_iris(world, checker):
    prefer = ('return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer '
              'http://www.w3.org/ns/oa#PreferContainedIRIs"')
    body = checker.get(container(world["article"]), HTTP_PREFER=prefer).json()
    page = checker.get(body["first"].removeprefix("http://testserver")).json()
    assert all(isinstance(item, str) for item in page["items"])


def test_both_iri_and_description_preferences_are_a_400(world, checker):
    prefer = ('return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs '
              'http://www.w3.org/ns/oa#PreferContainedDescriptions"')
    assert_problem(checker.get(container(world["article"]), HTTP_PREFER=prefer), 400)


@pytest.fixture
def five_pages(world):
    """Nine claims, two per page: pages 0..4."""
    article = world["article"]
    for word in article.body.split()[2:9]:
        factories.ClaimFactory(article=article, phrase=word)
    return article


def page_of(client, url):
    return client.get(url.removeprefix("http://testserver")).json()


def test_each_page_must_link_to_its_container_with_part_of(five_pages, checker):
    body = checker.get(container(five_pages) + "?page_size=2").json()
    page = page_of(checker, body["last"])
    assert page["partOf"]["id"] == body["id"]
    assert page["partOf"]["total"] == body["total"] == 9


def test_a_page_that_is_not_the_first_must_link_to_prev(five_pages, checker):
    body = checker.get(container(five_pages) + "?page_size=2").json()
    last = page_of(checker, body["last"])
    assert last["prev"].endswith("page=3")
    assert "prev" not in body["first"]


def test_a_page_that_is_not_the_last_must_link_to_next(five_pages, checker):
    body = checker.get(container(five_pages) + "?page_size=2").json()
    assert body["first"]["next"].endswith("page=1")
    assert "next" not in page_of(checker, body["last"])


def test_following_next_visits_every_annotation_once_in_order_with_start_index(five_pages, checker):
    body = checker.get(container(five_pages) + "?page_size=2").json()
    page, seen = body["first"], []
    while True:
        assert page["startIndex"] == len(seen)
        seen += [item["id"] for item in page["items"]]
        if "next" not in page:
            break
        page = page_of(checker, page["next"])
    claims = Claim.objects.filter(article=five_pages).order_by("start", "end", "pk")
    assert seen == ["http://testserver" + annotation(claim) for claim in claims]


def test_page_past_the_last_is_404(five_pages, checker):
    assert_problem(checker.get(container(five_pages) + "?page_size=2&page=5"), 404)


def test_pages_refuse_post(world, checker):
    response = checker.request("POST", container(world["article"]) + "?page=0", new_annotation(world["article"]))
    assert_problem(response, 405)


# --- 6. Creation, Updating and Deletion -----------------------------------------------------


def test_server_must_assign_an_id_to_a_new_annotation_even_if_one_is_given(world, checker):
    sent = new_annotation(world["article"], id="https://elsewhere.example/anno/1")
    body = checker.request("POST", container(world["article"]), sent).json()
    assert body["id"] != sent["id"]
    assert body["via"] == sent["id"]  # the client's id is kept as via (SHOULD), never trusted
    assert Claim.objects.filter(pk=int(body["id"].rsplit("/", 1)[1])).exists()


def test_new_annotation_iri_must_be_the_container_iri_with_a_component_added(world, checker):
    body = checker.request("POST", container(world["article"]), new_annotation(world["article"])).json()
    base = "http://testserver" + container(world["article"])
    assert body["id"].startswith(base) and body["id"][len(base):].isdigit()


def test_canonical_must_be_maintained_without_change(world, checker):
    sent = new_annotation(
        world["article"], canonical="urn:uuid:1f1b7bf6-3d8e-4b8a-9b61-6e9b5b7e2c1d", id="https://elsewhere.example/a/9"
    )
    created = checker.request("POST", container(world["article"]), sent)
    path = created["Location"].removeprefix("http://testserver")

    later = checker.get(path)
    state = {**later.json(), "canonical": "urn:uuid:00000000-0000-0000-0000-000000000000"}
    changed = checker.request("PUT", path, state, HTTP_IF_MATCH=later["ETag"])

    assert created.json()["canonical"] == later.json()["canonical"] == sent["canonical"]
    assert later.json()["via"] == sent["id"]
    assert_problem(changed, 409)
    assert checker.get(path).json()["canonical"] == sent["canonical"]


def test_creation_must_answer_201_created(world, checker):
    response = checker.request("POST", container(world["article"]), new_annotation(world["article"]))
    assert response.status_code == 201, response.content


def test_creation_must_answer_a_location_header_with_the_new_iri(world, checker):
    response = checker.request("POST", container(world["article"]), new_annotation(world["article"]))
    assert response["Location"] == response.json()["id"]
    assert checker.get(response["Location"].removeprefix("http://testserver")).status_code == 200


def test_creation_answers_the_annotations_headers(world, checker):
    response = checker.request("POST", container(world["article"]), new_annotation(world["article"]))
    assert "ldp#Resource" in links(response)
    assert response["ETag"].startswith('W/"')
    assert "PUT" in response["Allow"]


def test_creation_failure_must_answer_an_error_code(world, checker):
    sent = new_annotation(world["article"], phrase="the lowest level")
    sent["target"] = {"source": "https://www.example.com/index.html"}  # no selector: nowhere to anchor it
    assert_problem(checker.request("POST", container(world["article"]), sent), 400)
    sent = new_annotation(world["article"])
    sent["target"]["selector"] = [{"type": "TextQuoteSelector", "exact": "words that are not in the article"}]
    assert_problem(checker.request("POST", container(world["article"]), sent), 400)
    assert Claim.objects.count() == 2


def test_creation_on_text_changed_meanwhile_is_a_400_not_a_500(world, checker, monkeypatch):
    from annotations import services
    from annotations.anchoring import AnchorError

    def edited_meanwhile(article, *args, **kwargs):
        raise AnchorError("The article changed: the quote is no longer there.")

    monkeypatch.setattr(services, "create_claim", edited_meanwhile)
    response = checker.request("POST", container(world["article"]), new_annotation(world["article"]))
    assert_problem(response, 400)


def test_creation_refuses_another_body_type_with_415(world, checker):
    response = checker.request("POST", container(world["article"]), "<x/>", content_type="application/xml")
    assert_problem(response, 415)
    other_profile = 'application/ld+json; profile="http://example.org/other.jsonld"'
    response = checker.request("POST", container(world["article"]), new_annotation(world["article"]),
                               content_type=other_profile)
    assert_problem(response, 415)


def test_creation_refuses_another_context_with_415(world, checker):
    sent = new_annotation(world["article"], **{"@context": "https://schema.org/"})
    assert_problem(checker.request("POST", container(world["article"]), sent), 415)


def test_creation_refuses_what_is_not_an_annotation_with_400(world, checker):
    assert_problem(checker.request("POST", container(world["article"]), {"type": "Note"}), 400)
    assert_problem(checker.request("POST", container(world["article"]), "[" * 100_000), 400)


def test_creation_goes_through_the_services_with_history_and_api_door(world, checker):
    body = checker.request("POST", container(world["article"]), new_annotation(world["article"])).json()
    claim = Claim.objects.get(pk=int(body["id"].rsplit("/", 1)[1]))
    assert claim.statement == "Unemployment is at a 15-year low."
    assert claim.claimant == "Officials"
    assert list(claim.sources.values_list("url", flat=True)) == ["https://stats.example.org/2024"]
    created = ClaimEvent.objects.get(claim_ref=claim.pk, kind=ClaimEvent.Kind.CREATED)
    assert created.via == "api"


def test_update_must_be_done_with_put_and_answer_200_with_the_new_state(world, checker):
    draft = world["draft"]
    current = checker.get(annotation(draft))
    state = current.json()
    state["body"] = [
        {"type": "TextualBody", "purpose": "describing", "value": "Unemployment fell to 6%."},
        {"type": "TextualBody", "purpose": "assessing", "value": rating("false").name},
        {"type": "TextualBody", "purpose": "commenting", "value": "The statistics office says 7%."},
    ]
    response = checker.request("PUT", annotation(draft), state, HTTP_IF_MATCH=current["ETag"])
    assert response.status_code == 200, response.content
    assert response["ETag"] != current["ETag"]
    assert {body["purpose"]: body.get("value") for body in response.json()["body"]} == {
        "describing": "Unemployment fell to 6%.", "assessing": rating("false").name,
        "commenting": "The statistics office says 7%.",
    }
    draft.refresh_from_db()
    assert (draft.verdict, draft.rationale, draft.claimant) == (rating("false"), "The statistics office says 7%.", "")


def test_put_replaces_the_sources(world, editor):
    published_draft = world["draft"]
    factories.SourceFactory(claim=published_draft, url="https://old.example.org/a")
    current = editor.get(annotation(published_draft))
    state = current.json()
    state["body"] = [body for body in state["body"] if body.get("purpose") != "linking"]
    state["body"].append({"type": "SpecificResource", "purpose": "linking", "source": "https://new.example.org/b"})
    response = editor.request("PUT", annotation(published_draft), state, HTTP_IF_MATCH=current["ETag"])
    assert response.status_code == 200, response.content
    assert list(published_draft.sources.values_list("url", flat=True)) == ["https://new.example.org/b"]


def test_put_without_if_match_is_428(world, checker):
    state = checker.get(annotation(world["draft"])).json()
    assert_problem(checker.request("PUT", annotation(world["draft"]), state), 428)


def test_put_with_a_stale_etag_is_412_and_changes_nothing(world, checker):
    draft = world["draft"]
    stale = checker.get(annotation(draft))
    Claim.objects.filter(pk=draft.pk).update(version=draft.version + 1)
    state = stale.json() | {"body": [{"type": "TextualBody", "purpose": "describing", "value": "Changed"}]}
    problem = assert_problem(checker.request("PUT", annotation(draft), state, HTTP_IF_MATCH=stale["ETag"]), 412)
    assert problem["current_version"] == draft.version + 1
    assert Claim.objects.get(pk=draft.pk).statement == draft.statement


def test_put_cannot_move_the_target_or_change_the_id(world, checker):
    draft = world["draft"]
    current = checker.get(annotation(draft))
    moved = current.json()
    moved["target"]["selector"][0]["exact"] = "Residents gathered"
    assert_problem(checker.request("PUT", annotation(draft), moved, HTTP_IF_MATCH=current["ETag"]), 409)
    renamed = current.json() | {"id": "https://elsewhere.example/1"}
    assert_problem(checker.request("PUT", annotation(draft), renamed, HTTP_IF_MATCH=current["ETag"]), 409)


def test_put_on_a_published_claim_is_409_locked(world, editor):
    published = world["published"]
    current = editor.get(annotation(published))
    state = current.json() | {"body": [{"type": "TextualBody", "purpose": "describing", "value": "New words"}]}
    assert_problem(editor.request("PUT", annotation(published), state, HTTP_IF_MATCH=current["ETag"]), 409)


def test_delete_must_answer_204_and_remove_the_annotation_from_its_container(world, checker):
    draft = world["draft"]
    current = checker.get(annotation(draft))
    response = checker.request("DELETE", annotation(draft), HTTP_IF_MATCH=current["ETag"])
    assert response.status_code == 204
    assert not Claim.objects.filter(pk=draft.pk).exists()
    assert checker.get(annotation(draft)).status_code == 404
    items = checker.get(container(world["article"])).json()["first"]["items"]
    assert "http://testserver" + annotation(draft) not in [item["id"] for item in items]


def test_delete_without_if_match_is_428_and_with_a_stale_one_412(world, checker):
    draft = world["draft"]
    assert_problem(checker.request("DELETE", annotation(draft)), 428)
    assert_problem(checker.request("DELETE", annotation(draft), HTTP_IF_MATCH='W/"99"'), 412)
    assert Claim.objects.filter(pk=draft.pk).exists()


# --- roles: the claim policy, as everywhere in the API ---------------------------------------


def test_anonymous_callers_get_401(world):
    anonymous = Anno(None)
    assert anonymous.get(container(world["article"])).status_code == 401
    assert anonymous.get(annotation(world["published"])).status_code == 401
    assert anonymous.request("POST", container(world["article"]), new_annotation(world["article"])).status_code == 401


def test_readers_see_only_published_claims(world, users):
    reader = Anno(users["reader"])
    body = reader.get(container(world["article"])).json()
    assert body["total"] == 1
    assert [item["id"] for item in body["first"]["items"]] == ["http://testserver" + annotation(world["published"])]
    assert reader.get(annotation(world["draft"])).status_code == 404
    assert reader.get(annotation(world["published"])).status_code == 200


def test_readers_may_not_create_update_or_delete(world, users):
    reader = Anno(users["reader"])
    assert_problem(reader.request("POST", container(world["article"]), new_annotation(world["article"])), 403)
    published = reader.get(annotation(world["published"]))
    state = published.json()
    assert_problem(reader.request("PUT", annotation(world["published"]), state, HTTP_IF_MATCH=published["ETag"]), 403)
    assert_problem(reader.request("DELETE", annotation(world["published"]), HTTP_IF_MATCH=published["ETag"]), 403)
    assert reader.request("DELETE", annotation(world["draft"]), HTTP_IF_MATCH='W/"1"').status_code == 404
    assert "POST" not in reader.get(container(world["article"]))["Allow"]


def test_fact_checkers_may_not_change_a_claim_assigned_to_someone_else(world, users):
    draft = world["draft"]
    Claim.objects.filter(pk=draft.pk).update(assignee=factories.FactCheckerFactory())
    other = Anno(factories.FactCheckerFactory())
    current = other.get(annotation(draft))
    assert "PUT" not in current["Allow"]
    assert_problem(other.request("PUT", annotation(draft), current.json(), HTTP_IF_MATCH=current["ETag"]), 403)


def test_fact_checkers_delete_only_their_own_unpublished_claims(world, users):
    other = Anno(factories.FactCheckerFactory())
    current = other.get(annotation(world["draft"]))
    assert "DELETE" not in current["Allow"]
    assert_problem(other.request("DELETE", annotation(world["draft"]), HTTP_IF_MATCH=current["ETag"]), 403)
    assert Claim.objects.filter(pk=world["draft"].pk).exists()


def test_editors_delete_any_unpublished_claim(world, editor):
    current = editor.get(annotation(world["draft"]))
    assert editor.request("DELETE", annotation(world["draft"]), HTTP_IF_MATCH=current["ETag"]).status_code == 204


def test_session_login_works_like_a_token(world, users, client):
    client.force_login(users["editor"])
    response = client.get(container(world["article"]))
    assert response.status_code == 200
    assert response.json()["total"] == 2


def test_an_annotation_of_another_article_is_404(world, checker):
    other = factories.ArticleFactory()
    assert checker.get(f"/api/w3c/articles/{other.pk}/{world['draft'].pk}").status_code == 404


# --- bounds -----------------------------------------------------------------------------------


def test_container_page_costs_a_fixed_number_of_queries(world, checker, django_assert_max_num_queries):
    article = world["article"]
    for word in article.body.split()[2:30]:
        claim = factories.ClaimFactory(article=article, phrase=word)
        factories.SourceFactory(claim=claim)
    with django_assert_max_num_queries(10):  # 9 measured, the same for 2 or 30 claims (+1 token use)
        response = checker.get(container(article))
    assert response.json()["total"] == 30
    assert len(response.json()["first"]["items"]) == 30


def test_bad_paging_parameters_are_a_400(world, checker):
    assert_problem(checker.get(container(world["article"]) + "?page=x"), 400)
    assert_problem(checker.get(container(world["article"]) + "?page_size=1000"), 400)


# --- a Hypothesis-style client: write, then read back ----------------------------------------


def test_round_trip_post_then_get_gives_the_same_quote_and_offsets(world, checker):
    sent = new_annotation(world["article"])
    created = checker.request("POST", container(world["article"]), sent)
    assert created.status_code == 201, created.content
    read = checker.get(created["Location"].removeprefix("http://testserver")).json()
    assert read["target"]["selector"][0]["exact"] == sent["target"]["selector"][0]["exact"]
    assert read["target"]["selector"][1] == sent["target"]["selector"][1]
    assert read["target"]["source"] == world["article"].url


def test_a_quote_alone_is_found_by_the_imports_resolution(world, checker):
    sent = new_annotation(world["article"])
    sent["target"]["selector"] = [{"type": "TextQuoteSelector", "exact": PHRASE, "prefix": "6 percent, "}]
    body = checker.request("POST", container(world["article"]), sent).json()
    start = world["article"].body.index(PHRASE)
    assert body["target"]["selector"][1] == {"type": "TextPositionSelector", "start": start, "end": start + len(PHRASE)}


def test_a_client_can_read_write_and_delete_through_the_protocol(world, checker):
    made = checker.request("POST", container(world["article"]), new_annotation(world["article"]))
    iri = made["Location"].removeprefix("http://testserver")
    listed = checker.get(container(world["article"])).json()["first"]["items"]
    assert made["Location"] in [item["id"] for item in listed]
    state = made.json() | {"body": [{"type": "TextualBody", "purpose": "describing", "value": "Edited"}]}
    edited = checker.request("PUT", iri, state, HTTP_IF_MATCH=made["ETag"])
    assert edited.status_code == 200
    assert checker.request("DELETE", iri, HTTP_IF_MATCH=edited["ETag"]).status_code == 204
