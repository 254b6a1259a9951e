"""Annotation clients on other sites reach /api/ with a token (CORS), never with the desk's cookies."""

from __future__ import annotations

import pytest
from django.test import Client

from api.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db

ORIGIN = "https://annotator.example"


def test_a_preflight_from_another_site_may_send_the_protocols_headers():
    article = factories.ArticleFactory()

    response = Client().options(
        f"/api/w3c/articles/{article.pk}/", HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, if-match",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert {"authorization", "if-match", "prefer"} <= set(response["Access-Control-Allow-Headers"].split(", "))
    assert "Access-Control-Allow-Credentials" not in response


def test_a_token_read_from_another_site_exposes_the_etag_and_links(editor):
    article = factories.ArticleFactory()
    _token, key = ApiToken.issue(editor, "sidebar")

    response = Client().get(
        f"/api/w3c/articles/{article.pk}/", HTTP_ORIGIN=ORIGIN, HTTP_AUTHORIZATION=f"Token {key}"
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert {"etag", "link", "location"} <= set(response["Access-Control-Expose-Headers"].split(", "))


def test_the_token_page_and_the_desk_are_not_opened_to_other_sites(editor_client):
    for path in ("/api/tokens/", "/articles/"):
        response = editor_client.get(path, HTTP_ORIGIN=ORIGIN)
        assert "Access-Control-Allow-Origin" not in response, path


def test_listed_origins_only_when_configured(settings):
    settings.CORS_ALLOW_ALL_ORIGINS = False
    settings.CORS_ALLOWED_ORIGINS = ["https://cms.example"]
    article = factories.ArticleFactory()
    path = f"/api/w3c/articles/{article.pk}/"
    ask = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET"}

    allowed = Client().options(path, HTTP_ORIGIN="https://cms.example", **ask)
    refused = Client().options(path, HTTP_ORIGIN=ORIGIN, **ask)

    assert allowed["Access-Control-Allow-Origin"] == "https://cms.example"
    assert "Access-Control-Allow-Origin" not in refused
