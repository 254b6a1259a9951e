"""The article page says how often the outlet changed the article, at no extra query."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_article_page_counts_the_outlets_silent_edits(checker_client):
    article = factories.ArticleFactory()
    factories.ArticleRevisionFactory(article=article, number=1, changed_by_outlet=True)
    factories.ArticleRevisionFactory(article=article, number=2, changed_by_outlet=True)
    factories.ArticleRevisionFactory(article=article, number=3, changed_by_outlet=False)  # the desk's correction
    html = checker_client.get(article.get_absolute_url()).content.decode()
    assert "The outlet changed this article 2 times after it came in" in html
    assert f'href="{reverse("editing:article_evidence", args=[article.pk])}"' in html


def test_an_article_the_outlet_never_changed_says_nothing_about_it(checker_client):
    article = factories.ArticleFactory()
    html = checker_client.get(article.get_absolute_url()).content.decode()
    assert "The outlet changed this article" not in html
