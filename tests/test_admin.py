"""The Django admin: every model is registered, pages load, and list pages cost constant queries."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

OUR_APPS = ("articles", "annotations")


def test_every_model_is_registered_in_the_admin():
    for app_label in OUR_APPS:
        for model in apps.get_app_config(app_label).get_models():
            assert admin.site.is_registered(model), f"{model.__name__} has no admin"


@pytest.mark.parametrize(
    "model", [m for label in OUR_APPS for m in apps.get_app_config(label).get_models()], ids=lambda m: m.__name__
)
def test_admin_changelist_loads(admin_client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200


def test_claim_change_page_shows_sources_inline_and_read_only_history(admin_client):
    source = factories.SourceFactory()
    factories.ClaimEventFactory(claim=source.claim)
    response = admin_client.get(reverse("admin:annotations_claim_change", args=[source.claim.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert source.url in content
    assert "history (read-only)" in content.lower()


def _changelist_queries(admin_client, model_name: str, django_assert_max_num_queries, limit: int) -> None:
    app_label = "annotations" if model_name != "article" else "articles"
    with django_assert_max_num_queries(limit):
        response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model_name", ["claim", "source", "article", "claimevent", "comment"])
def test_admin_changelists_cost_constant_queries(admin_client, django_assert_max_num_queries, model_name):
    article = factories.ArticleFactory()
    for _ in range(3):
        claim = factories.ClaimFactory(article=factories.ArticleFactory(), assignee=factories.FactCheckerFactory())
        factories.SourceFactory(claim=claim)
        factories.CommentFactory(claim=claim)
        factories.ClaimEventFactory(claim=claim)
    factories.ClaimFactory(article=article)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url_app = "articles" if model_name == "article" else "annotations"
    url = reverse(f"admin:{url_app}_{model_name}_changelist")
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for _ in range(20):
        claim = factories.ClaimFactory(article=factories.ArticleFactory(), assignee=factories.FactCheckerFactory())
        factories.SourceFactory(claim=claim)
        factories.CommentFactory(claim=claim)
        factories.ClaimEventFactory(claim=claim)
    _changelist_queries(admin_client, model_name, django_assert_max_num_queries, len(few.captured_queries))
