"""Redis when configured (issue 19): shared cache and sessions, and an outage is never an error.

The outage tests start a private ``redis-server`` on a free loopback port, so stopping it
mid-test touches nothing else on the machine; they are skipped where no ``redis-server`` is
installed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings

from tests import factories

REPO_ROOT = Path(__file__).resolve().parents[1]
REDIS_SERVER = shutil.which("redis-server")
needs_redis_server = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


def settings_with(env: dict[str, str]) -> dict[str, object]:
    """CACHES and SESSION_ENGINE as production settings compute them under ``env``."""
    code = (
        "import json, django; from django.conf import settings; "
        "print(json.dumps({'caches': {k: v['BACKEND'] for k, v in settings.CACHES.items()}, "
        "'session': settings.SESSION_ENGINE, 'options': settings.CACHES['default'].get('OPTIONS', {})}))"
    )
    base = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "factcheck.settings", "SECRET_KEY": "x" * 50, **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


def test_without_redis_url_the_embedded_local_memory_cache_and_database_sessions_are_used():
    configured = settings_with({})
    assert configured["caches"] == {
        "default": "django.core.cache.backends.locmem.LocMemCache",
        "fragments": "annotations.fragment_cache.ByteBudgetCache",
    }
    assert configured["session"] == "django.contrib.sessions.backends.db"


def test_with_redis_url_redis_holds_the_cache_and_the_sessions_and_ignores_outages():
    configured = settings_with({"REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert set(configured["caches"].values()) == {"django_redis.cache.RedisCache"}
    assert configured["session"] == "django.contrib.sessions.backends.cached_db"
    assert configured["options"]["IGNORE_EXCEPTIONS"] is True
    assert configured["options"]["SOCKET_CONNECT_TIMEOUT"] <= 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A throwaway redis-server (nothing saved to disk) and its URL; stopped at the end."""
    port = free_port()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the private redis-server did not start")
        time.sleep(0.05)
    try:
        yield process, f"redis://127.0.0.1:{port}/0"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def redis_caches(url: str) -> dict[str, dict[str, object]]:
    options = {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}
    return {
        alias: {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url, "KEY_PREFIX": alias, "OPTIONS": options}
        for alias in ("default", "fragments")
    }


@needs_redis_server
def test_pages_are_cached_in_redis_and_a_redis_outage_degrades_to_uncached_pages(
    private_redis, client, fact_checker, settings
):
    process, url = private_redis
    article = factories.ArticleFactory(body="The harbour budget rose by 4 percent, the mayor said.")
    factories.ClaimFactory(article=article, phrase="rose by 4 percent")
    with override_settings(
        CACHES=redis_caches(url), SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        client.force_login(fact_checker)
        assert client.get(f"/articles/{article.pk}/").status_code == 200
        assert caches["fragments"].keys("*"), "the article's fragments were not stored in Redis"
        assert client.get(f"/articles/{article.pk}/").status_code == 200

        process.kill()
        process.wait()

        started = time.monotonic()
        page = client.get(f"/articles/{article.pk}/")
        assert page.status_code == 200  # still logged in: the session is read from the database
        assert "rose by 4 percent" in page.content.decode()
        assert client.get("/articles/").status_code == 200
        assert time.monotonic() - started < 5, "an unreachable Redis held the request"


@needs_redis_server
def test_rate_limits_fail_open_when_redis_is_down(private_redis, client, settings, db):
    process, url = private_redis
    process.kill()
    process.wait()
    settings.FACTDESK_RATE_LIMITS_ENABLED = True
    with override_settings(CACHES=redis_caches(url)):
        for _ in range(8):  # more than the hourly limit: with no counter, nothing is refused
            response = client.post("/accounts/password_reset/", {"email": "someone@example.org"})
            assert response.status_code == 302, response.status_code
