"""The interface language: the switcher's view, the JavaScript catalogue and the saved choice.

Which language a page is in is decided by Django's ``LocaleMiddleware`` from the language
cookie (else the browser's ``Accept-Language``). A signed-in person's choice is also kept in
:class:`factcheck.models.UserPreference`, so it follows them to another browser: logging in
activates it and :class:`factcheck.middleware.UserLanguageMiddleware` writes the cookie.
No request other than a login or a switch reads the preference (no query per page).
Only the interface is covered here; an article keeps the language it was written in.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.views.decorators.cache import cache_page
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.i18n import JavaScriptCatalog
from django.views.i18n import set_language as django_set_language

from factcheck.middleware import PENDING_LANGUAGE_ATTRIBUTE
from factcheck.models import UserPreference

#: The JavaScript catalogue changes only with a deployment (new .mo files): cache it a day.
JS_CATALOG_CACHE_SECONDS = 24 * 3600


def supported_language(code: str | None) -> str | None:
    """``code`` when it is one of ``settings.LANGUAGES`` (or a variant of one), else ``None``."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def save_language_preference(user: Any, code: str) -> None:
    """Remember ``code`` as ``user``'s interface language (ignored unless it is a supported one)."""
    language = supported_language(code)
    if language is None or not getattr(user, "is_authenticated", False):
        return
    UserPreference.objects.update_or_create(user=user, defaults={"language": language})


def saved_language(user: Any) -> str | None:
    """The interface language ``user`` chose, or ``None`` when they never chose one."""
    code = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    return supported_language(code)


@receiver(user_logged_in, dispatch_uid="factcheck.i18n.activate_saved_language")
def activate_saved_language(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On login, switch to the person's saved language; the middleware stores it in the cookie."""
    language = saved_language(user)
    if language is None or request is None:
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    setattr(request, PENDING_LANGUAGE_ATTRIBUTE, language)


def passes_csrf_check(request: HttpRequest) -> bool:
    """Whether the POST carries a valid CSRF token (the check ``CsrfViewMiddleware`` would make)."""
    return CsrfViewMiddleware(lambda _request: HttpResponse()).process_view(request, None, (), {}) is None


@login_not_required
@csrf_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's ``set_language`` (cookie, redirect to ``next``), saved for a signed-in user.

    POST only (a GET must not change state); open to everyone because the login and public
    pages carry the switcher too. The public pages are rendered without the request, so
    they have no CSRF token: setting the cookie needs none (another site could at worst
    change this browser's display language), but saving the choice in the person's
    preferences does.
    """
    response = django_set_language(request)
    code = request.POST.get("language", "")
    if request.user.is_authenticated and supported_language(code) is not None and passes_csrf_check(request):
        save_language_preference(request.user, code)
    return response


#: ``/jsi18n/``: the translations of static/js (the ``djangojs`` domain) for the active language.
javascript_catalog = login_not_required(
    cache_page(JS_CATALOG_CACHE_SECONDS, key_prefix="jsi18n")(JavaScriptCatalog.as_view(domain="djangojs"))
)
