"""Shared fixtures: users per role, a logged-in client per role, and the browser setup."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from tests import factories

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
CHROMIUM = os.environ.get("FACTDESK_CHROMIUM", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


#: Names the suite may resolve: its own local test servers. Everything else fails as DNS would.
LOCAL_NAMES = {"localhost": ["127.0.0.1"], "127.0.0.1": ["127.0.0.1"], "::1": ["::1"]}


@pytest.fixture(scope="session", autouse=True)
def fresh_shared_cache(django_db_blocker):
    """With REDIS_URL set, start from an empty test cache: keys (article ids and versions)
    repeat from run to run, and a fragment from an earlier run must never be served."""
    from django.conf import settings
    from django.core.cache import caches

    if settings.REDIS_URL:
        for alias in settings.CACHES:
            caches[alias].clear()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the desk's default language: a request leaves the language it chose active."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """No test touches the internet: the fetcher resolves only local names (others: a DNS failure)."""
    from articles import fetching

    def resolve(host: str, port: int) -> list[str]:
        try:
            return LOCAL_NAMES[host.lower().strip("[]")]
        except KeyError:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not resolvable in the test suite") from None

    monkeypatch.setattr(fetching, "_resolve", resolve)


@pytest.fixture
def fact_checker(db):
    return factories.FactCheckerFactory()


@pytest.fixture
def editor(db):
    return factories.EditorFactory()


@pytest.fixture
def admin_user(db):
    return factories.AdminFactory()


@pytest.fixture
def article(db):
    return factories.ArticleFactory()


@pytest.fixture
def checker_client(client, fact_checker):
    client.force_login(fact_checker)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


# --- Browser tests -------------------------------------------------------------------


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium; never let Playwright download a browser."""
    if not chromium_available():
        message = f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def login(live_server):
    """Log a Playwright page in through the real login form."""

    def _login(page, user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/articles/")
        return page

    return _login


@pytest.fixture(autouse=True)
def desk_defaults(request):
    """Re-install the data-migration rows (roles, rating scale) that transactional tests flush away."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db" if marker and marker.kwargs.get("transaction") else "db")
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group

    if not Group.objects.filter(name="Editor").exists():
        import_module("annotations.migrations.0002_default_rating_scale_and_roles").install(apps, None)
