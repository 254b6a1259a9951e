"""Security headers, cookies, deployment checks, login throttling and no user enumeration."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser

from factcheck.client_ip import client_ip
from tests import factories
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
LIMIT = 5


def csp_directives(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def inline_script_problems(html: str) -> list[str]:
    """Everything in a page that a strict CSP would block or that smells of inline JavaScript."""
    problems = []
    tree = LexborHTMLParser(html)
    for script in tree.css("script"):
        kind = (script.attributes.get("type") or "").lower()
        if kind in {"application/json", "application/ld+json"}:
            continue  # data blocks are never executed
        if not script.attributes.get("src"):
            problems.append(f"inline script: {script.html[:80]}")
    for node in tree.css("*"):
        for name, value in node.attributes.items():
            if name.lower().startswith("on"):
                problems.append(f"event attribute {name} on <{node.tag}>")
            if name.lower() in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                problems.append(f"javascript: URL in {name} on <{node.tag}>")
            if name.lower() == "hx-on" or name.lower().startswith(("hx-on:", "hx-on-", "data-hx-on")):
                problems.append(f"htmx inline handler {name} on <{node.tag}>")
            if name.lower() in {"hx-vals", "hx-vars", "data-hx-vals"} and (value or "").strip().startswith("js:"):
                problems.append(f"htmx js: expression in {name} on <{node.tag}>")
    return problems


# --- Headers -------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LOGIN_URL, "/articles/"])
def test_pages_send_a_strict_content_security_policy(client, fact_checker, url):
    client.force_login(fact_checker)
    if url == LOGIN_URL:
        client.logout()
    response = client.get(url)
    assert response.status_code == 200
    policy = csp_directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_pages_send_frame_referrer_and_sniffing_headers(checker_client):
    response = checker_client.get("/articles/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_and_htmx_cannot_eval(checker_client, article):
    for url in ("/articles/", article.get_absolute_url(), reverse("password_change")):
        html = checker_client.get(url).content.decode()
        assert inline_script_problems(html) == [], url
        config = LexborHTMLParser(html).css_first('meta[name="htmx-config"]')
        assert config is not None, url
        assert json.loads(config.attributes["content"]) == {
            "includeIndicatorStyles": False,
            "allowEval": False,
            "allowScriptTags": False,
        }
        scripts = [s.attributes["src"] for s in LexborHTMLParser(html).css("script[src]")]
        assert any("htmx" in src for src in scripts), "htmx is loaded from a static file"
        # Static files, plus Django's JavaScript catalogue of interface translations (same origin, no inline code).
        catalogue = reverse("javascript-catalog") + "?"
        assert all(src.startswith(("/static/", catalogue)) for src in scripts), scripts


def test_every_desk_page_is_free_of_inline_script(admin_client):
    """The pages and fragments of every feature: no inline script, handler attribute, hx-on or js: value."""
    checker = factories.FactCheckerFactory()
    claim = factories.ClaimFactory(created_by=checker)
    source = factories.SourceFactory(claim=claim)
    article = claim.article
    factories.ArticleRevisionFactory(article=article, number=1)
    pages = [
        f"{article.get_absolute_url()}?claim={claim.pk}",
        reverse("articles:highlights", args=[article.pk]),
        reverse("annotations:panel", args=[claim.pk]),
        reverse("annotations:source_edit", args=[claim.pk, source.pk]),
        reverse("annotations:delete", args=[claim.pk]),
        reverse("editing:new"), reverse("editing:upload"), reverse("editing:edit", args=[article.pk]),
        reverse("editing:revisions", args=[article.pk]), reverse("editing:revision", args=[article.pk, 1]),
        reverse("articles:reattach", args=[article.pk, claim.pk]),
        reverse("review:desk"), reverse("review:queue"), reverse("review:my_claims"), reverse("review:notifications"),
        reverse("search:search") + "?q=unemployment", reverse("search:similar", args=[claim.pk]),
        reverse("search:suggestions", args=[article.pk]),
        reverse("exports:w3c_import", args=[article.pk]), reverse("exports:article", args=[article.pk, "html"]),
    ]
    for url in pages:
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = admin_client.get(url, **headers)
            assert response.status_code == 200, url
            assert inline_script_problems(response.content.decode()) == [], url


def test_admin_pages_work_under_the_policy(admin_client):
    factories.ClaimFactory()
    for url in (
        reverse("admin:index"),
        reverse("admin:annotations_claim_changelist"),
        reverse("admin:annotations_claim_add"),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response
        # The admin's JavaScript comes from static files only, so 'self' lets it run.
        assert inline_script_problems(response.content.decode()) == [], url


def test_session_and_csrf_cookies_are_http_only_and_same_site(client, fact_checker):
    client.get(LOGIN_URL)
    response = client.post(LOGIN_URL, {"username": fact_checker.username, "password": factories.PASSWORD})
    session = response.cookies["sessionid"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["httponly"]


def production_environment(**extra: str) -> dict[str, str]:
    """A clean environment as a production server would have it (no test settings, no DEBUG)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(REPO_ROOT)),
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.org",
        **extra,
    }


def test_check_deploy_reports_no_issues_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
        # The published addresses set, as a deployment must (else factdesk.W001/W002: tests/test_public_pages.py).
        env=production_environment(
            FACTDESK_SITE_URL="https://factcheck.dailyexample.de", FACTDESK_ORGANIZATION_URL="https://dailyexample.de"
        ),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_use_secure_cookies_and_hsts():
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'session': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS,"
        "'ssl': s.SECURE_SSL_REDIRECT, 'httponly': s.SESSION_COOKIE_HTTPONLY, 'debug': s.DEBUG,"
        "'sessions': s.SESSION_ENGINE}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT, env=production_environment(), capture_output=True, text=True, timeout=120, check=True,
    )
    values = json.loads(result.stdout)
    assert values == {
        "session": True, "csrf": True, "hsts": 31536000, "ssl": True, "httponly": True, "debug": False,
        "sessions": "django.contrib.sessions.backends.db",
    }


# --- Passwords -----------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short1!", "password123", "12345678901234", "editor-alice-1"])
def test_weak_passwords_are_refused(password):
    user = factories.UserFactory.build(username="editor-alice", email="alice@example.org")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_unusual_password_is_accepted():
    user = factories.UserFactory.build(username="editor-alice")
    validate_password("quartz-lantern-overture-97", user)


# --- Login throttling (django-axes) ---------------------------------------------------


def fail_login(client: Client, username: str, **extra: str):
    return client.post(LOGIN_URL, {"username": username, "password": "not-the-password"}, **extra)


def good_login(client: Client, user, **extra: str):
    return client.post(LOGIN_URL, {"username": user.username, "password": factories.PASSWORD}, **extra)


def test_repeated_failures_lock_the_username_even_with_the_right_password(client, fact_checker):
    for _ in range(LIMIT - 1):
        assert fail_login(client, fact_checker.username).status_code == 200
    response = fail_login(client, fact_checker.username)
    assert response.status_code == 429
    response = good_login(client, fact_checker)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    text = response.content.decode()
    assert "Too many failed logins" in text
    assert "after 5 failed attempts" in text
    assert "0:15:00" in text


def test_failures_from_another_address_do_not_lock_the_real_user_out(client, fact_checker):
    # Someone who knows the username fails from their own address: that address and username
    # pair is locked, the real user logging in from elsewhere is not.
    for _ in range(LIMIT):
        fail_login(client, fact_checker.username, REMOTE_ADDR="203.0.113.66")
    assert good_login(client, fact_checker, REMOTE_ADDR="203.0.113.66").status_code == 429
    response = good_login(Client(), fact_checker, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert response["Location"] == "/articles/"


def test_failures_spread_over_addresses_do_not_lock_the_account(client, fact_checker):
    for number in range(LIMIT * 2):
        fail_login(client, fact_checker.username, REMOTE_ADDR=f"203.0.113.{number + 1}")
    assert good_login(Client(), fact_checker, REMOTE_ADDR="198.51.100.8").status_code == 302


def test_repeated_failures_from_one_address_lock_that_address_only(client, fact_checker, editor):
    for number in range(LIMIT):
        fail_login(client, f"guess{number}", REMOTE_ADDR="203.0.113.9")
    assert good_login(client, fact_checker, REMOTE_ADDR="203.0.113.9").status_code == 429
    response = good_login(Client(), editor, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302
    assert response["Location"] == "/articles/"


def test_a_locked_unknown_username_looks_like_a_locked_real_one(client, fact_checker):
    pages = []
    for username, address in ((fact_checker.username, "192.0.2.2"), ("nobody-by-this-name", "192.0.2.1")):
        for _ in range(LIMIT):
            fail_login(client, username, REMOTE_ADDR=address)
        response = fail_login(client, username, REMOTE_ADDR=address)
        assert response.status_code == 429
        pages.append(LexborHTMLParser(response.content.decode()).css_first("main").text(strip=True))
    assert pages[0] == pages[1]


def test_the_lock_lifts_after_the_cool_off(client, fact_checker):
    for _ in range(LIMIT):
        fail_login(client, fact_checker.username)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert good_login(client, fact_checker).status_code == 302


def test_an_admin_unlocks_by_deleting_the_access_attempt(client, fact_checker, admin_user):
    for _ in range(LIMIT):
        fail_login(client, fact_checker.username)
    attempt = AccessAttempt.objects.get(username=fact_checker.username)
    admin = Client()
    admin.force_login(admin_user)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert fact_checker.username in admin.get(changelist).content.decode()
    response = admin.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert good_login(client, fact_checker).status_code == 302


def test_the_axes_reset_username_command_unlocks(client, fact_checker):
    for _ in range(LIMIT):
        fail_login(client, fact_checker.username, REMOTE_ADDR="198.51.100.1")
    assert good_login(client, fact_checker, REMOTE_ADDR="198.51.100.1").status_code == 429
    call_command("axes_reset_username", fact_checker.username, stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert good_login(client, fact_checker, REMOTE_ADDR="198.51.100.1").status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.1"),  # no trusted proxy: the header is ignored
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client forged the left-most entry
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        (2, "1.2.3.4", "10.0.0.1"),  # fewer entries than proxies: fall back to the socket address
    ],
)
def test_client_address_trusts_only_our_own_proxies(rf, settings, proxies, forwarded, expected):
    settings.FACTDESK_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- No user enumeration ---------------------------------------------------------------


def normalised(html: str, *words: str) -> str:
    """A page with its CSRF tokens and the echoed words blanked, for comparing two responses."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    for word in words:
        html = html.replace(word, "WORD")
    return html


def test_login_failure_reads_the_same_for_unknown_users_and_wrong_passwords(fact_checker):
    unknown = fail_login(Client(), "no-such-user-x")
    wrong = fail_login(Client(), fact_checker.username)
    inactive_user = factories.FactCheckerFactory(is_active=False)
    inactive = good_login(Client(), inactive_user)
    assert unknown.status_code == wrong.status_code == inactive.status_code == 200
    messages = [LexborHTMLParser(r.content.decode()).css_first('[role="alert"]').text(strip=True)
                for r in (unknown, wrong, inactive)]
    assert messages[0] == messages[1] == messages[2]
    assert "do not match an active account" in messages[0]
    assert normalised(unknown.content.decode(), "no-such-user-x") == normalised(
        wrong.content.decode(), fact_checker.username
    )


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, fact_checker):
    known = client.post(reverse("password_reset"), {"email": fact_checker.email}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert normalised(known.content.decode()) == normalised(unknown.content.decode())
    assert "If an account exists for that address, we sent an email" in known.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [fact_checker.email]


def test_password_reset_link_sets_a_new_password(client, fact_checker):
    client.post(reverse("password_reset"), {"email": fact_checker.email})
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "quartz-lantern-overture-97", "new_password2": "quartz-lantern-overture-97"},
    )
    assert response.status_code == 302
    fact_checker.refresh_from_db()
    assert fact_checker.check_password("quartz-lantern-overture-97")


def test_password_reset_pages_are_public(client):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(name)).status_code == 200, name
    response = client.get(reverse("password_reset_confirm", args=["bad", "bad-token"]))
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()
