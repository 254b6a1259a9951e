"""The public pages follow the interface language without one language's copy reaching another's readers.

They are cached by browsers and a CDN: the language is part of every ETag and fragment key,
``LocaleMiddleware`` answers ``Vary: Accept-Language``, and a page whose language came from the
cookie (not the browser's header) is ``private`` so a shared cache never stores it.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser

from annotations.models import Claim, ClaimStatus
from annotations.public_links import public_claim_path
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_site(settings):
    settings.FACTDESK_SITE_URL = "https://checks.example.org"
    settings.FACTDESK_PUBLIC_PAGES = True
    settings.FACTDESK_CDN_PURGE_URL = ""
    cache.clear()
    caches["fragments"].clear()


def published() -> Claim:
    claim = factories.ClaimFactory(
        status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"),
        rationale="The statistics office says 7.1 percent.", published_at=timezone.now(),
    )
    factories.SourceFactory(claim=claim, url=f"https://stats.example.org/report/{claim.pk}")
    return claim


def html_lang(response) -> tuple[str, str]:
    assert response.status_code == 200, response.status_code
    node = LexborHTMLParser(response.content.decode()).css_first("html")
    return node.attributes["lang"], node.attributes["dir"]


def test_the_claim_page_is_in_the_browsers_language_with_its_own_etag():
    path = public_claim_path(published())
    english = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")
    french = Client().get(path, HTTP_ACCEPT_LANGUAGE="fr")
    assert html_lang(english) == ("en-gb", "ltr")
    assert html_lang(french) == ("fr", "ltr")
    assert english["ETag"] != french["ETag"]
    assert "Accept-Language" in french["Vary"]
    assert "public" in french["Cache-Control"]


def test_the_english_etag_does_not_get_a_not_modified_answer_in_french():
    path = public_claim_path(published())
    english = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")
    again = Client().get(path, HTTP_ACCEPT_LANGUAGE="fr", HTTP_IF_NONE_MATCH=english["ETag"])
    assert html_lang(again)[0] == "fr"
    same = Client().get(path, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=english["ETag"])
    assert same.status_code == 304


def test_a_language_chosen_by_cookie_changes_the_page_but_is_kept_out_of_shared_caches():
    path = public_claim_path(published())
    english = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = visitor.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(french)[0] == "fr"
    assert french["ETag"] != english["ETag"]
    assert "private" in french["Cache-Control"] and "public" not in french["Cache-Control"]
    assert "public" in english["Cache-Control"]


def test_the_embed_card_and_the_article_page_follow_the_interface_language():
    claim = published()
    arabic = Client().get(reverse("public:embed", args=[claim.pk]), HTTP_ACCEPT_LANGUAGE="ar")
    assert html_lang(arabic) == ("ar", "rtl")
    article_url = Client().get(reverse("public:article", args=[claim.article_id, "x"]))["Location"]
    english = Client().get(article_url, HTTP_ACCEPT_LANGUAGE="en")
    french = Client().get(article_url, HTTP_ACCEPT_LANGUAGE="fr")
    assert html_lang(english)[0] == "en-gb" and html_lang(french)[0] == "fr"
    assert english["ETag"] != french["ETag"]


def test_a_language_named_in_the_address_wins_and_may_be_cached_publicly():
    path = public_claim_path(published())
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    arabic = visitor.get(f"{path}?lang=ar", HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(arabic) == ("ar", "rtl")
    assert arabic["Content-Language"] == "ar"
    assert "public" in arabic["Cache-Control"] and "private" not in arabic["Cache-Control"]
    assert arabic["ETag"] != Client().get(path, HTTP_ACCEPT_LANGUAGE="en")["ETag"]
    again = Client().get(f"{path}?lang=ar", HTTP_ACCEPT_LANGUAGE="fr", HTTP_IF_NONE_MATCH=arabic["ETag"])
    assert again.status_code == 304  # the same Arabic page, whoever asks


def test_an_unknown_language_in_the_address_is_ignored():
    path = public_claim_path(published())
    response = Client().get(f"{path}?lang=xx", HTTP_ACCEPT_LANGUAGE="es")
    assert html_lang(response)[0] == "es" and "public" in response["Cache-Control"]


def test_every_page_names_its_translations_for_search_engines_and_sharing():
    claim = published()
    page = Client().get(public_claim_path(claim), HTTP_ACCEPT_LANGUAGE="en")
    links = LexborHTMLParser(page.content.decode()).css('link[rel="alternate"][hreflang]')
    canonical = f"https://checks.example.org{public_claim_path(claim)}"
    assert {(link.attributes["hreflang"], link.attributes["href"]) for link in links} == {
        (code, f"{canonical}?lang={code}") for code, _name in settings.LANGUAGES
    }
