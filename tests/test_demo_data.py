"""The demo's articles carry an original address, a date and an outlet (issue 16, item 4), and the
article page shows them. Addresses are made up on example.org: nothing is ever fetched."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from annotations.management.commands.load_demo import DEMO_ARTICLES
from articles.models import Article
from factcheck.validators import is_http_url

pytestmark = pytest.mark.django_db


def demo_article(prefix: str) -> Article:
    return Article.objects.get(title__startswith=prefix)


def test_every_demo_article_has_an_original_url_a_date_and_an_outlet(capsys):
    call_command("load_demo", force=True)
    assert Article.objects.count() == len(DEMO_ARTICLES)
    for article in Article.objects.all():
        assert is_http_url(article.url) and ".example.org/" in article.url, article.title
        assert article.published_on is not None, article.title
        assert article.outlet, article.title
    bridge = demo_article("Harbour bridge repairs")
    assert (bridge.outlet, bridge.byline, str(bridge.published_on)) == ("Coastal Ledger", "Marta Quinn", "2026-03-18")
    assert len({article.url for article in Article.objects.all()}) == len(DEMO_ARTICLES)


def test_the_article_page_shows_the_demo_articles_details(client, capsys):
    call_command("load_demo", force=True)
    client.force_login(User.objects.get(username="checker"))
    bridge = demo_article("Harbour bridge repairs")
    tree = HTMLParser(client.get(bridge.get_absolute_url()).content.decode())
    meta = tree.css_first(".article-header .meta")
    text = " ".join(meta.text().split())
    assert "Coastal Ledger" in text and "Marta Quinn" in text and "18 Mar 2026" in text
    assert meta.css_first('a[rel="noopener noreferrer nofollow"]').attributes["href"] == bridge.url


def test_running_the_demo_again_keeps_what_an_editor_changed(capsys):
    call_command("load_demo", force=True)
    clinic = demo_article("Waiting times at city clinics")
    Article.objects.filter(pk=clinic.pk).update(outlet="Northbridge Evening Post", byline="")
    call_command("load_demo", force=True)
    clinic.refresh_from_db()
    assert clinic.outlet == "Northbridge Evening Post", "a filled-in field is left alone"
    assert clinic.byline == "Samir Haddad", "an empty one is filled in"
