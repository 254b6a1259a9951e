"""API tokens: created and revoked on the user's page, stored only as a hash, revocable by an admin."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory

from api.admin import ApiTokenAdmin
from api.models import ApiToken, hash_key
from tests import factories

pytestmark = pytest.mark.django_db


def api_get(key: str, path: str = "/api/articles/", keyword: str = "Token"):
    return Client().get(path, HTTP_AUTHORIZATION=f"{keyword} {key}")


def test_a_token_created_on_the_page_is_shown_once_and_stored_only_as_its_hash(checker_client, fact_checker):
    response = checker_client.post("/api/tokens/", {"name": "CMS"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key and key in response.content.decode()
    token = ApiToken.objects.get(user=fact_checker)
    assert token.name == "CMS"
    assert token.key_hash == hash_key(key) and key not in {token.key_hash, token.key_hint}
    assert len(token.key_hint) < len(key)
    page = checker_client.get("/api/tokens/").content.decode()
    assert "CMS" in page and key not in page


def test_a_token_page_without_a_name_is_refused_with_the_form_error(checker_client):
    response = checker_client.post("/api/tokens/", {"name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_tokens_page_needs_a_login():
    response = Client().get("/api/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("keyword", ["Token", "Bearer"])
def test_a_token_authenticates_api_requests_and_records_its_last_use(keyword):
    token, key = ApiToken.issue(factories.FactCheckerFactory(), "script")
    assert api_get(key, keyword=keyword).status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None


def test_a_wrong_token_is_refused_with_401_problem_json():
    response = api_get("fd_not-a-real-key")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 401
    assert response.has_header("WWW-Authenticate")


def test_a_user_revokes_their_token_and_it_stops_working(checker_client, fact_checker):
    token, key = ApiToken.issue(fact_checker, "old script")
    response = checker_client.post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_get(key).status_code == 401


def test_nobody_revokes_someone_elses_token_from_their_page(editor_client):
    token, key = ApiToken.issue(factories.FactCheckerFactory(), "theirs")
    assert editor_client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None and api_get(key).status_code == 200


def test_a_token_of_an_inactive_user_is_refused():
    user = factories.FactCheckerFactory()
    _token, key = ApiToken.issue(user, "script")
    user.is_active = False
    user.save()
    assert api_get(key).status_code == 401


def test_an_admin_revokes_tokens_in_bulk(admin_user):
    first, first_key = ApiToken.issue(factories.FactCheckerFactory(), "a")
    second, _ = ApiToken.issue(factories.EditorFactory(), "b")
    _kept, kept_key = ApiToken.issue(factories.EditorFactory(), "c")
    request = RequestFactory().post("/admin/api/apitoken/")
    request.user = admin_user
    model_admin = ApiTokenAdmin(ApiToken, site)
    model_admin.message_user = lambda *args, **kwargs: None
    model_admin.revoke(request, ApiToken.objects.filter(pk__in=[first.pk, second.pk]))
    assert set(ApiToken.objects.exclude(revoked_at=None).values_list("pk", flat=True)) == {first.pk, second.pk}
    assert api_get(first_key).status_code == 401
    assert api_get(kept_key).status_code == 200


def test_the_admin_changelist_revoke_action_works_through_the_admin(admin_client):
    token, key = ApiToken.issue(factories.FactCheckerFactory(), "a")
    assert admin_client.get("/admin/api/apitoken/").status_code == 200
    response = admin_client.post(
        "/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    assert api_get(key).status_code == 401


def test_only_admins_see_tokens_in_the_admin(client):
    editor = factories.EditorFactory(is_staff=True)
    client.force_login(editor)
    assert client.get("/admin/api/apitoken/").status_code == 403
