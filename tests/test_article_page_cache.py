"""The article page's cache (issue 19): one rendered body per article state and role, found by key.

The body is rendered once and reused for every reader of the same role; the key is built
from versions read in the article's own query, so an edit (through any server) is seen at
once and nothing is ever invalidated by hand. The signed-in user is cached only with a
shared cache, and every change to who they are or what role they have takes effect at once.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import services
from annotations.models import AnchorState, Claim, Notification
from articles.corrections import edit_article
from factcheck.permissions import FACT_CHECKER
from tests import factories

TOKEN = re.compile(r'(value="|"X-CSRFToken": ")[A-Za-z0-9]{32,64}"')


def page(client: Client, article_id: int) -> str:
    """The page with its per-request CSRF tokens blanked (they differ on every response)."""
    response = client.get(f"/articles/{article_id}/")
    assert response.status_code == 200
    return TOKEN.sub(r'\1"', response.content.decode())


def claim_queries(queries: CaptureQueriesContext) -> list[str]:
    """Queries that load claim rows (the claims' state inside the article's query does not count)."""
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "annotations_claim"')]


@pytest.fixture
def desk_article(db):
    return factories.article_with_two_claims()


def test_a_cached_page_is_identical_to_a_freshly_rendered_one(checker_client, desk_article):
    caches["fragments"].clear()
    fresh = page(checker_client, desk_article.pk)
    cached = page(checker_client, desk_article.pk)
    assert cached == fresh
    caches["fragments"].clear()
    assert page(checker_client, desk_article.pk) == fresh
    assert "Budget" in fresh and "Crowd size" in fresh


def test_a_warm_page_loads_no_claim_and_costs_four_queries(checker_client, desk_article, django_assert_max_num_queries):
    page(checker_client, desk_article.pk)
    with CaptureQueriesContext(connection) as queries:
        page(checker_client, desk_article.pk)
    # session, user, the role, the article (with its claims' state and the reader's unread count)
    assert len(queries.captured_queries) <= 4
    assert claim_queries(queries) == []
    for _ in range(20):
        factories.ClaimFactory(article=desk_article, phrase="the mayor said")
    page(checker_client, desk_article.pk)
    with django_assert_max_num_queries(4):
        assert "the mayor said" in page(checker_client, desk_article.pk)


def test_a_claim_edit_is_seen_at_once(checker_client, desk_article):
    claim = Claim.objects.get(article=desk_article, statement="Budget")
    assert "Budget" in page(checker_client, desk_article.pk)
    services.update_claim(
        claim, user=claim.created_by, expected_version=claim.version, changes={"statement": "Budget, revised"}
    )
    assert "Budget, revised" in page(checker_client, desk_article.pk)


def test_new_and_deleted_claims_are_seen_at_once(checker_client, desk_article):
    before = page(checker_client, desk_article.pk)
    claim = factories.ClaimFactory(article=desk_article, phrase="the mayor said", statement="Mayor quoted")
    assert "Mayor quoted" in page(checker_client, desk_article.pk)
    Claim.objects.filter(pk=claim.pk).delete()
    after = page(checker_client, desk_article.pk)
    assert "Mayor quoted" not in after
    assert after.count('class="claim-item') == before.count('class="claim-item')


def test_an_article_correction_is_seen_at_once(checker_client, editor, desk_article):
    page(checker_client, desk_article.pk)
    edit_article(
        desk_article,
        user=editor,
        title="Council approves a smaller budget",
        body=desk_article.body + "\n\nA late paragraph about the harbour.",
        expected_version=desk_article.version,
    )
    text = page(checker_client, desk_article.pk)
    assert "A late paragraph about the harbour." in text
    assert "Council approves a smaller budget" in text


def test_renamed_assignees_and_verdicts_are_seen_at_once(checker_client, desk_article):
    person = factories.FactCheckerFactory(first_name="Ada", last_name="Lovelace")
    label = factories.RatingLabelFactory(name="Fairly right")
    Claim.objects.filter(article=desk_article, statement="Budget").update(assignee=person, verdict=label)
    caches["fragments"].clear()  # the update above bypassed the services on purpose (test set-up)
    assert "Ada Lovelace" in page(checker_client, desk_article.pk)
    person.first_name = "Augusta"
    person.save()
    label.name = "Broadly right"
    label.save()
    text = page(checker_client, desk_article.pk)
    assert "Augusta Lovelace" in text and "Ada Lovelace" not in text
    assert "Broadly right" in text and "Fairly right" not in text


def test_each_role_gets_its_own_body(client, desk_article, fact_checker, editor):
    reader = factories.UserFactory()
    edit_link = f'href="{reverse("editing:edit", args=[desk_article.pk])}"'
    for _ in range(2):  # cold, then warm: the same answers
        client.force_login(editor)
        as_editor = page(client, desk_article.pk)
        client.force_login(fact_checker)
        as_checker = page(client, desk_article.pk)
        client.force_login(reader)
        as_reader = page(client, desk_article.pk)
        assert edit_link in as_editor and edit_link not in as_checker and edit_link not in as_reader
        assert "Budget" in as_checker and "Crowd size" in as_checker
        assert "Budget" not in as_reader and "Crowd size" in as_reader
        assert "Internal version" in as_checker and "Internal version" not in as_reader
        assert 'aria-describedby="annotate-hint"' in as_checker and 'aria-describedby="annotate-hint"' not in as_reader
        assert f'data-user-id="{reader.pk}"' in as_reader and f'data-user-id="{fact_checker.pk}"' in as_checker


def test_moved_claims_keep_their_forms_with_a_csrf_token(editor_client, desk_article):
    Claim.objects.filter(article=desk_article, statement="Budget").update(anchor_state=AnchorState.MOVED)
    caches["fragments"].clear()
    for _ in range(2):
        html = editor_client.get(f"/articles/{desk_article.pk}/").content.decode()
        assert "Moved claims to check (1)" in html
        checked = reverse("articles:checked", args=[desk_article.pk, Claim.objects.get(statement="Budget").pk])
        form = html[html.index(f'action="{checked}"'):]
        assert 'name="csrfmiddlewaretoken"' in form[: form.index("</form>")]


def test_an_open_claim_panel_is_rendered_for_its_reader(checker_client, desk_article):
    claim = Claim.objects.get(article=desk_article, statement="Budget")
    page(checker_client, desk_article.pk)
    html = checker_client.get(f"/articles/{desk_article.pk}/?claim={claim.pk}").content.decode()
    assert 'class="claim-item anchor-anchored is-selected"' in html
    assert 'aria-current="true"' in html


def test_the_highlights_partial_follows_a_claim_edit(checker_client, desk_article):
    claim = Claim.objects.get(article=desk_article, statement="Budget")
    url = f"/articles/{desk_article.pk}/highlights/"
    assert "Budget" in checker_client.get(url).content.decode()
    services.update_claim(claim, user=claim.created_by, expected_version=claim.version, changes={"statement": "Cut"})
    assert ">Cut<" in checker_client.get(url).content.decode()


def test_fragments_stay_escaped(checker_client):
    article = factories.ArticleFactory(title="<script>alert(1)</script> budget")
    factories.ClaimFactory(article=article, statement="<b>bold</b> & <img src=x onerror=alert(1)>")
    for _ in range(2):
        html = page(checker_client, article.pk)
        assert "<img src=x" not in html and "<b>bold</b>" not in html and "<script>alert(1)" not in html
        assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x" in html


# --- the signed-in user, cached with a shared cache -------------------------------------


@pytest.fixture
def user_cache(settings):
    """The user cache turned on (as with REDIS_URL), on a fresh client and an empty cache."""
    settings.FACTDESK_USER_CACHE_SECONDS = 300
    cache.clear()
    return Client()


def user_queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # the article's own query names the assignees (a subquery on auth_user): not a sign-in query
    sqls = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith('SELECT "articles_article"')]
    return [sql for sql in sqls if 'FROM "auth_user"' in sql or '"auth_group"' in sql]


def test_a_cached_user_costs_no_query(user_cache, desk_article, fact_checker):
    user_cache.force_login(fact_checker)
    url = f"/articles/{desk_article.pk}/"
    user_cache.get(url)
    assert user_queries(user_cache, url) == []
    assert "Budget" in page(user_cache, desk_article.pk)


def test_a_deactivated_user_is_logged_out_at_once(user_cache, desk_article, fact_checker):
    user_cache.force_login(fact_checker)
    assert user_cache.get(f"/articles/{desk_article.pk}/").status_code == 200
    fact_checker.is_active = False
    fact_checker.save()
    assert user_cache.get(f"/articles/{desk_article.pk}/").status_code == 302


def test_a_changed_password_logs_other_sessions_out(user_cache, desk_article, fact_checker):
    user_cache.force_login(fact_checker)
    assert user_cache.get(f"/articles/{desk_article.pk}/").status_code == 200
    fact_checker.set_password("a new long passphrase")
    fact_checker.save()
    assert user_cache.get(f"/articles/{desk_article.pk}/").status_code == 302


def test_a_changed_role_takes_effect_at_once(user_cache, desk_article):
    person = factories.UserFactory()
    user_cache.force_login(person)
    assert "Budget" not in page(user_cache, desk_article.pk)  # a reader: published claims only
    group = Group.objects.get(name=FACT_CHECKER)
    group.user_set.add(person)
    assert "Budget" in page(user_cache, desk_article.pk)
    person.groups.remove(group)
    assert "Budget" not in page(user_cache, desk_article.pk)
    person.groups.add(group)
    assert "Budget" in page(user_cache, desk_article.pk)
    group.user_set.clear()
    assert "Budget" not in page(user_cache, desk_article.pk)


# --- the whole page, cached once and filled in per reader --------------------------------


def whole_page(client: Client, url: str, monkeypatch) -> str:
    """The page as rendered in one piece by the template (the personal pages' way)."""
    from annotations import article_views

    with monkeypatch.context() as patched:
        patched.setattr(article_views, "is_personal", lambda *args: True)
        response = client.get(url)
    return TOKEN.sub(r'\1"', response.content.decode())


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_cached_page_is_the_page_the_template_renders(client, desk_article, monkeypatch, settings, language):
    person = factories.FactCheckerFactory(username="ada<&>", is_staff=True)
    claim = Claim.objects.filter(article=desk_article).first()
    for _ in range(3):
        Notification.objects.create(recipient=person, claim=claim, kind=Notification.Kind.ASSIGNED, message="x")
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = f"/articles/{desk_article.pk}/?from=<mail>&x=1"
    caches["fragments"].clear()
    cold = TOKEN.sub(r'\1"', client.get(url).content.decode())
    warm = TOKEN.sub(r'\1"', client.get(url).content.decode())
    assert cold == warm == whole_page(client, url, monkeypatch)
    assert 'data-unread="3"' in warm
    assert '<span class="username">ada&lt;&amp;&gt;</span>' in warm
    assert f'name="next" value="/articles/{desk_article.pk}/?from=%3Cmail%3E&amp;x=1"' in warm
    assert f'data-user-id="{person.pk}"' in warm and 'href="/admin/"' in warm


def test_a_warm_page_renders_no_template_and_fills_in_each_reader(client, desk_article, fact_checker):
    other = factories.FactCheckerFactory()
    url = f"/articles/{desk_article.pk}/"
    client.force_login(fact_checker)
    client.get(url)
    response = client.get(url)
    assert response.templates == []
    client.force_login(other)
    response = client.get(url)
    assert response.templates == []  # the same role's page, with the other reader's values
    html = response.content.decode()
    assert f'data-user-id="{other.pk}"' in html and f'data-user-id="{fact_checker.pk}"' not in html
    assert f'<span class="username">{other.username}</span>' in html
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', html))
    assert len(tokens) == 1 and response.cookies["csrftoken"].value  # the reader's own token


def test_the_unread_badge_is_read_on_every_page(checker_client, fact_checker, desk_article):
    from annotations import notifications

    claim = Claim.objects.filter(article=desk_article).first()
    url = f"/articles/{desk_article.pk}/"
    assert "data-unread" not in checker_client.get(url).content.decode()
    Notification.objects.create(recipient=fact_checker, claim=claim, kind=Notification.Kind.ASSIGNED, message="x")
    assert 'data-unread="1"' in checker_client.get(url).content.decode()
    notifications.mark_read(fact_checker)  # a bulk update: no signal, nothing to invalidate
    assert "data-unread" not in checker_client.get(url).content.decode()


def test_waiting_messages_are_shown_on_a_cached_page(checker_client, desk_article):
    from django.contrib.messages import INFO
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse
    from django.test import RequestFactory

    url = f"/articles/{desk_article.pk}/"
    checker_client.get(url)
    storage = CookieStorage(RequestFactory().get(url))
    storage.add(INFO, "The claim was saved.")
    carrier = HttpResponse()
    storage.update(carrier)
    checker_client.cookies["messages"] = carrier.cookies["messages"].value
    assert "The claim was saved." in checker_client.get(url).content.decode()
    assert "The claim was saved." not in checker_client.get(url).content.decode()


def test_with_a_shared_cache_each_process_keeps_its_own_copy(checker_client, desk_article, settings):
    from annotations import article_views

    shared = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared-pages-test"}
    settings.CACHES = {**settings.CACHES, "fragments": shared}
    settings.FACTDESK_LOCAL_PAGE_CACHE_BYTES = 1024 * 1024
    local, remote = article_views.page_caches()
    local.clear()
    url = f"/articles/{desk_article.pk}/"
    first = page(checker_client, desk_article.pk)
    for store in (local, remote):  # stored in both
        keys = store._store.entries if store is local else store._cache
        assert any(key.startswith(":1:article-page:") for key in keys)
    remote.clear()  # another server, or Redis gone: this process still has the page
    response = checker_client.get(url)
    assert response.templates == [] and TOKEN.sub(r'\1"', response.content.decode()) == first
    claim = Claim.objects.get(article=desk_article, statement="Budget")
    services.update_claim(claim, user=claim.created_by, expected_version=claim.version, changes={"statement": "Cut"})
    assert ">Cut<" in page(checker_client, desk_article.pk)  # a new key: never a stale local copy
