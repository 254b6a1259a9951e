"""Settings for the test suite: production settings minus HTTPS-only behaviour and slow hashing."""

import os

# A fixed key for the suite (production refuses to start without one when DEBUG is off).
os.environ.setdefault("SECRET_KEY", "factdesk-test-suite-key-not-for-production-use")

from factcheck.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Counters would carry across tests in one process; tests/test_ratelimit.py turns them on.
FACTDESK_RATE_LIMITS_ENABLED = False
FACTDESK_API_THROTTLE_ENABLED = False  # likewise the API throttle; tests/test_api.py turns it on
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: browser tests write from the live server's thread
    # while the test thread reads, and shared-cache SQLite answers that with "table is
    # locked" instead of waiting; a file database in WAL mode waits (busy timeout).
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"factdesk-test-{os.getpid()}.sqlite3")
    }

# The suite signs in as production does (factcheck/user_cache.py: session, user and role in one
# query); FACTDESK_TEST_ONE_TRIP_SIGN_IN=0 runs it with Django's own three queries instead (the
# exact query counts then differ by two).
FACTDESK_ONE_TRIP_SIGN_IN = env_bool("FACTDESK_TEST_ONE_TRIP_SIGN_IN", True)  # noqa: F405

if REDIS_URL:  # noqa: F405
    # The suite runs on its own Redis database (cleared at the start of a run, see
    # tests/conftest.py), never on the one a demo or a server on this machine uses.
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(REDIS_URL)  # noqa: F405
    _test_redis = urlunsplit(_parts._replace(path=f"/{os.environ.get('FACTDESK_TEST_REDIS_DB', '15')}"))
    for _alias in CACHES.values():  # noqa: F405
        _alias["LOCATION"] = _test_redis
    # Query-count guards count the session read; cached_db sessions (production with Redis)
    # save that query, so the suite keeps one session engine for one set of counts.
    # tests/test_redis_cache.py runs cached_db sessions through a Redis outage.
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    # Likewise the user cache (it saves the user and role queries); tests/test_article_page_cache.py
    # turns it on and checks it.
    FACTDESK_USER_CACHE_SECONDS = 0
