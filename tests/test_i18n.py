"""The translatable interface: marked templates, the language switcher, right-to-left pages, the JS catalogue.

Only the interface language is covered here (what Factdesk itself says); an article keeps
the language it was written in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from factcheck.models import UserPreference
from tests import factories
from tests.factories import PASSWORD
from tests.template_strings import needs_marking, unmarked_strings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
TEMPLATE_FILES = sorted(path for path in TEMPLATES.rglob("*") if path.suffix in (".html", ".txt"))
CSS_FILES = sorted((Path(settings.BASE_DIR) / "static" / "css").glob("*.css"))
JS_FILES = sorted((Path(settings.BASE_DIR) / "static" / "js").glob("*.js"))
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

#: Physical CSS properties that would not mirror in a right-to-left page.
PHYSICAL_CSS = re.compile(
    r"(?<![-\w])(margin|padding|border)-(left|right)\b|(?<![-\w])(left|right)\s*:"
    r"|text-align\s*:\s*(left|right)|float\s*:\s*(left|right)|clear\s*:\s*(left|right)"
)
#: Rules placed by script from measured (physical) coordinates, or centred: they stay physical.
PHYSICAL_ALLOWED = (".add-claim {", ".claim-chooser {", ".text-caret {", ".alert-region {")


def html_tag(content: bytes) -> str:
    match = re.search(rb"<html[^>]*>", content)
    assert match, "the page has no <html> element"
    return match.group(0).decode()


# --- Marking -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_template_has_no_unmarked_user_facing_text(path):
    found = unmarked_strings(path)
    assert not found, "Mark these with {% translate %} or {% blocktranslate %}:\n" + "\n".join(map(str, found))


def test_the_checker_finds_plain_text_and_read_attributes(tmp_path):
    template = tmp_path / "sample.html"
    template.write_text(
        '{% load i18n %}<h1>Plain heading</h1><p title="Hover text">{% translate "Marked" %}</p>'
        '<p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}</p><img alt="{% translate \'Logo\' %}" src="x">'
        '<p class="{% if a %}active{% endif %}">{{ value }} · 42</p><script>const s = "code";</script>'
    )
    found = {(item.where, item.text) for item in unmarked_strings(template)}
    assert found == {("text", "Plain heading"), ("title", "Hover text")}


def test_symbols_numbers_and_product_names_need_no_marking():
    assert not needs_marking(" · 42 → (…) ")
    assert not needs_marking("Factdesk")
    assert needs_marking("Factdesk is down")


# --- Layout -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CSS_FILES, ids=lambda path: path.name)
def test_stylesheets_use_logical_properties_so_pages_mirror_right_to_left(path):
    physical = [
        f"{path.name}:{number}: {line.strip()[:100]}"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if PHYSICAL_CSS.search(line) and not line.lstrip().startswith(PHYSICAL_ALLOWED)
    ]
    assert not physical, "Use margin-inline-start, inset-inline-end, text-align: start …:\n" + "\n".join(physical)


@pytest.mark.parametrize(
    "path", [path for path in JS_FILES if "gettext(" in path.read_text()], ids=lambda path: path.name
)
def test_scripts_that_translate_still_work_without_the_catalogue(path):
    source = path.read_text()
    assert "window.gettext ??" in source or "window.gettext ||" in source
    if "interpolate(" in source:
        assert "window.interpolate ??" in source or "window.interpolate ||" in source


# --- The switcher and the saved preference ---------------------------------------------


@pytest.mark.django_db
def test_switching_language_sets_the_cookie_and_saves_the_preference_of_a_signed_in_user(client):
    user = factories.FactCheckerFactory()
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/articles/"})
    assert response.status_code == 302
    assert response["Location"] == "/articles/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert UserPreference.objects.get(user=user).language == "fr"
    page = client.get(reverse("articles:list"))
    assert html_tag(page.content) == '<html lang="fr" dir="ltr">'


@pytest.mark.django_db
def test_an_anonymous_visitor_switches_language_without_a_preference(client):
    response = client.post(reverse("set_language"), {"language": "es", "next": reverse("login")})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert not UserPreference.objects.exists()
    assert html_tag(client.get(reverse("login")).content) == '<html lang="es" dir="ltr">'


@pytest.mark.django_db
def test_an_unknown_language_is_neither_set_nor_saved(client):
    user = factories.FactCheckerFactory()
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/articles/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert not UserPreference.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_switching_language_without_a_csrf_token_sets_the_cookie_but_saves_nothing():
    from django.test import Client

    user = factories.FactCheckerFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "ar", "next": "/articles/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    assert not UserPreference.objects.filter(user=user).exists()


def test_the_switcher_refuses_get(client):
    assert client.get(reverse("set_language"), {"language": "fr"}).status_code == 405


@pytest.mark.django_db
def test_logging_in_brings_back_the_saved_language(client):
    user = factories.FactCheckerFactory()
    UserPreference.objects.create(user=user, language="ar")
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    assert html_tag(client.get(reverse("articles:list")).content) == '<html lang="ar" dir="rtl">'


@pytest.mark.django_db
def test_the_switcher_is_on_the_desk_and_on_the_login_page(client):
    login_page = client.get(reverse("login")).content.decode()
    assert f'action="{reverse("set_language")}"' in login_page
    client.force_login(factories.FactCheckerFactory())
    desk_page = client.get(reverse("articles:list")).content.decode()
    assert f'action="{reverse("set_language")}"' in desk_page
    for code in LANGUAGE_CODES:
        assert f'<option value="{code}"' in desk_page


# --- Direction and language of the page --------------------------------------------------


@pytest.mark.django_db
def test_an_arabic_request_renders_a_right_to_left_page(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ar")
    assert html_tag(response.content) == '<html lang="ar" dir="rtl">'


@pytest.mark.django_db
def test_english_stays_the_default_left_to_right(client):
    response = client.get(reverse("login"))
    assert html_tag(response.content) == f'<html lang="{settings.LANGUAGE_CODE}" dir="ltr">'


@pytest.mark.django_db
def test_error_pages_follow_the_interface_language(client):
    client.force_login(factories.FactCheckerFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = client.get("/articles/999999999/")
    assert response.status_code == 404
    assert html_tag(response.content) == '<html lang="ar" dir="rtl">'


def test_the_catalogue_loads_before_the_app_scripts():
    base = (TEMPLATES / "base.html").read_text()
    catalogue = base.index("{% url 'javascript-catalog' %}")
    first_module = base.index('type="module"')
    assert catalogue < first_module


# --- The JavaScript catalogue ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_the_javascript_catalogue_answers_every_language_without_login(client, code):
    response = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE=code)
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert b"django.gettext" in response.content or b"gettext" in response.content
